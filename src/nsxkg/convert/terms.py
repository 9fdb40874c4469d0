"""Literal helpers shared by the converters: typed, language-tagged, deterministic."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from nsxkg.namespaces import XSD

Term = NamedNode | Literal
Triple = tuple[NamedNode, NamedNode, Term]


def quads(graph: NamedNode, triples: Iterable[Triple]) -> Iterator[Quad]:
    """The triples of a converter, placed in a named graph."""
    for s, p, o in triples:
        yield Quad(s, p, o, graph)


def en(text: str) -> Literal:
    return Literal(text, language="en")


def string(text: str) -> Literal:
    return Literal(text)


def integer(value: int) -> Literal:
    return Literal(str(int(value)), datatype=XSD.integer)


def decimal(value: float | int | str | Decimal) -> Literal:
    # Through str() so 60.7 stays "60.7" instead of a binary-float expansion.
    text = format(Decimal(str(value)).normalize(), "f")
    return Literal(text if "." in text else text + ".0", datatype=XSD.decimal)


def boolean(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=XSD.boolean)


def date(text: str) -> Literal:
    """An ISO date of year, year-month or full-date precision, typed accordingly."""
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(text)]
    return Literal(text, datatype=datatype)


class GraphWriter:
    """Collects quads for one named graph; converters stay pure by returning ``quads``."""

    def __init__(self, graph: NamedNode):
        self.graph = graph
        self.quads: list[Quad] = []

    def add(self, subject: NamedNode, predicate: NamedNode, obj: Term | None) -> None:
        if obj is not None:
            self.quads.append(Quad(subject, predicate, obj, self.graph))

    def add_all(self, subject: NamedNode, predicate: NamedNode, objects: list[Term]) -> None:
        for obj in objects:
            self.add(subject, predicate, obj)

    def __iter__(self) -> Iterator[Quad]:
        return iter(self.quads)
