"""The query catalogue: the worked queries under ``queries/``, their headers and parameters.

Each query is a ``.rq`` file whose leading ``#`` comment lines form a header::

    # title: Occupation by O*NET-SOC code
    # description: The title, definition and job zone of one occupation.
    # data: framework            (framework: the embedded framework data is enough;
    #                             sources: needs the O*NET / ESCO / SOC / CIP releases;
    #                             releases: needs a framework with two releases, which the
    #                             embedded data lacks; tests use tests/data/frameworks/releases)
    # param: code onet-soc = 11-2022.00 | The occupation's O*NET-SOC code
    # differs: virtuoso | Why Virtuoso's answer differs from nsxkg's, for a difference that
    #   is real and understood (nsxkg portability reports the query as explained)

A parameter is a SPARQL variable of the query (``?code``). The query binds its parameters
with a ``VALUES`` block holding the defaults, at the top level of its ``WHERE`` clause, so the
file runs as it is in any SPARQL editor::

    SELECT ?title WHERE {
      VALUES ?code { "11-2022.00" }
      ...

To run it with other values, :meth:`Query.bound_text` checks each value against its
parameter's type, converts it to an RDF term and rewrites that block with the term's own
serialisation, so user text is never spliced into the query. A ``VALUES`` block rather than
Oxigraph's ``substitutions``: those are applied only after the pattern is evaluated, which on
the full graph means evaluating it for every occupation first. The expected result of an
example on the default data sits beside it (``name.srj``, ``name.csv`` or ``name.ttl``).

The catalogue is also RDF (:func:`catalogue_quads`): each query is a ``sh:SPARQLExecutable``
with its title, comment and text, in the named graph ``{base}graph/queries``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from nsxkg.errors import InputError
from nsxkg.iris import Iris
from nsxkg.namespaces import DCTERMS, RDF, RDFS, SH, XSD

Term = ox.NamedNode | ox.Literal
EXPECTED_SUFFIXES = (".srj", ".csv", ".ttl")
KINDS = ("examples", "qc")
DATA = ("framework", "sources", "releases")


class ParameterError(ValueError):
    """A request named an unknown parameter or gave a value of the wrong type."""

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(message)


@dataclass(frozen=True)
class ParamType:
    name: str
    pattern: str  # a full match is required
    expected: str  # what a person should give, in words
    to_term: Callable[[str], Term]

    def convert(self, value: str) -> Term:
        if len(value) > 500 or not re.fullmatch(self.pattern, value):
            raise ValueError(f"expected {self.expected}")
        return self.to_term(value)


def _literal(datatype: ox.NamedNode | None = None) -> Callable[[str], Term]:
    return lambda value: ox.Literal(value, datatype=datatype) if datatype else ox.Literal(value)


TYPES: dict[str, ParamType] = {t.name: t for t in (
    ParamType("string", r"[^\x00-\x1f]+", "a non-empty string", _literal()),
    ParamType("integer", r"[+-]?[0-9]+", "an integer (xsd:integer), e.g. 10",
              _literal(XSD.integer)),
    ParamType("decimal", r"[+-]?[0-9]+(\.[0-9]+)?", "a decimal number (xsd:decimal), e.g. 3.5",
              _literal(XSD.decimal)),
    ParamType("boolean", r"true|false", "true or false (xsd:boolean)", _literal(XSD.boolean)),
    ParamType("iri", r"https?://[^\s<>\"{}|\\^`]+", "an absolute http(s) IRI", ox.NamedNode),
    ParamType("onet-soc", r"[0-9]{2}-[0-9]{4}\.[0-9]{2}",
              "an O*NET-SOC code NN-NNNN.NN, e.g. 11-2022.00", _literal()),
    ParamType("soc", r"[0-9]{2}-[0-9]{4}", "a SOC 2018 code NN-NNNN, e.g. 11-2022", _literal()),
    ParamType("soc-major", r"[0-9]{2}", "a SOC major group, two digits, e.g. 11", _literal()),
    ParamType("release", r"[0-9]+\.[0-9]+(\.[0-9]+)?", "a release number, e.g. 29.3",
              _literal()),
    ParamType("element", r"[0-9](\.[A-Za-z0-9]+)+",
              "an O*NET element ID, e.g. 2.A.1.b", _literal()),
    ParamType("key", r"[a-z0-9]+([-_][a-z0-9]+)*",
              "a lower-case key, words joined by - or _, e.g. developing", _literal()),
    ParamType("version", r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?",
              "a framework release version, e.g. v.26.05", _literal()),
    ParamType("lang", r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]+)*", "a language tag, e.g. en",
              _literal()),
)}


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType
    default: str
    description: str

    def term(self, value: str) -> Term:
        try:
            return self.type.convert(value)
        except ValueError as err:
            raise ParameterError(self.name, f"parameter {self.name}: {err}; "
                                            f"got {value!r}") from None


@dataclass(frozen=True)
class Query:
    name: str
    kind: str  # "examples" or "qc"
    path: Path
    title: str
    description: str
    data: str
    text: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    values_span: tuple[int, int] | None = None  # where the parameters' VALUES block is
    # engine (as nsxkg.endpoints names it, or "*") -> why its answer differs (nsxkg.portability)
    differences: Mapping[str, str] = field(default_factory=dict)

    @property
    def masked(self) -> str:
        """The text with comments, strings and IRIs blanked, offsets kept."""
        return _mask(self.text)

    @property
    def federated(self) -> bool:
        """Whether it calls another endpoint (SERVICE)."""
        return re.search(r"\bSERVICE\b", self.masked, re.IGNORECASE) is not None

    @property
    def form(self) -> str:
        """SELECT, CONSTRUCT, ASK or DESCRIBE: the first such keyword after the prologue."""
        body = "\n".join(line for line in self.text.splitlines()
                         if not line.lstrip().startswith("#"))
        body = re.sub(r"<[^>\s]*>", "<>", body)  # IRIs may contain the keywords
        match = re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", body, re.IGNORECASE)
        return match.group(1).upper() if match else "SELECT"

    @property
    def ordered(self) -> bool:
        return re.search(r"\bORDER\s+BY\b", self.text, re.IGNORECASE) is not None

    @property
    def expected(self) -> Path | None:
        for suffix in EXPECTED_SUFFIXES:
            candidate = self.path.with_suffix(suffix)
            if candidate.exists():
                return candidate
        return None

    def bind(self, values: Mapping[str, str] | None = None) -> dict[ox.Variable, Term]:
        """Substitutions for ``store.query``: given values (checked) or else the defaults.

        Raises ParameterError for a parameter the query does not declare or a bad value.
        """
        values = dict(values or {})
        known = {p.name: p for p in self.params}
        for name in values:
            if name not in known:
                expected = ", ".join(known) or "none"
                raise ParameterError(name, f"unknown parameter {name!r}; this query takes: "
                                           f"{expected}")
        return {ox.Variable(p.name): p.term(values.get(p.name, p.default))
                for p in self.params}

    def bound_text(self, values: Mapping[str, str] | None = None) -> str:
        """The query text with its parameters' VALUES block holding the given values.

        Raises ParameterError as :meth:`bind` does.
        """
        bound = self.bind(values)
        if self.values_span is None:
            return self.text
        start, end = self.values_span
        return self.text[:start] + values_block(self.params, list(bound.values())) \
            + self.text[end:]


def sparql_term(term: Term) -> str:
    """A term as SPARQL text: numbers and booleans bare when that reads back the same."""
    if isinstance(term, ox.Literal):
        datatype, value = term.datatype, term.value
        if (datatype == XSD.integer and re.fullmatch(r"[+-]?[0-9]+", value)
                or datatype == XSD.decimal and re.fullmatch(r"[+-]?[0-9]*\.[0-9]+", value)
                or datatype == XSD.boolean and value in ("true", "false")):
            return value
    # Otherwise Oxigraph's N-Triples form, which escapes quotes and backslashes: valid SPARQL.
    return str(term)


def values_block(params: tuple[Param, ...], terms: list[Term]) -> str:
    if len(params) == 1:
        return f"VALUES ?{params[0].name} {{ {sparql_term(terms[0])} }}"
    names = " ".join(f"?{p.name}" for p in params)
    return f"VALUES ({names}) {{ ({' '.join(sparql_term(t) for t in terms)}) }}"


# Comments, strings and IRIs, so that keywords and braces inside them are not read as syntax.
_OPAQUE = re.compile("|".join((
    r'"""(?:[^\\]|\\.)*?"""', r"'''(?:[^\\]|\\.)*?'''",
    r'"(?:[^"\\\n]|\\.)*"', r"'(?:[^'\\\n]|\\.)*'",
    r'<[^<>"{}|^`\\\s]*>', r"#[^\n]*",
)), re.DOTALL)
_VALUES = re.compile(r"\bVALUES\s*(\?\w+|\(\s*(?:\?\w+\s*)+\))\s*\{", re.IGNORECASE)


def _mask(text: str) -> str:
    """``text`` with every comment, string and IRI blanked out, keeping all offsets."""
    return _OPAQUE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _find_values_block(path: Path, text: str, params: list[Param]) -> tuple[int, int]:
    """The span of the top-level ``VALUES`` block that binds exactly ``params``, in order,
    to their defaults."""
    masked = _mask(text)
    wanted = [p.name for p in params]
    expected = values_block(tuple(params), [p.term(p.default) for p in params])
    for match in _VALUES.finditer(masked):
        names = re.findall(r"\?(\w+)", match.group(1))
        if names != wanted:
            continue
        depth = masked.count("{", 0, match.start()) - masked.count("}", 0, match.start())
        if depth != 1:
            raise InputError.at(path, "the VALUES block of the parameters must be at the top "
                                      "level of the WHERE clause (not in a nested group or "
                                      "subquery), so that it binds them first")
        close = masked.find("}", match.end())
        end = close + 1
        found = " ".join(text[match.start():end].split())
        if found != expected:
            raise InputError.at(path, f"the parameters' VALUES block must hold the defaults "
                                      f"from the header, written as: {expected}; found: "
                                      f"{found}")
        return match.start(), end
    raise InputError.at(path, f"no VALUES block binds the parameters; add this line at the top "
                              f"of the WHERE clause: {expected}")


_HEADER = re.compile(r"#\s*([a-z]+)\s*:\s*(.*)")
_DIFFERS = re.compile(r"([a-z][a-z0-9-]*|\*)\s*\|\s*(.+)")
_PARAM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s+([a-z-]+)\s*=\s*(.*?)\s*\|\s*(.+)")


def parse_query(path: Path, kind: str) -> Query:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.fullmatch(line.strip())
        if match:
            fields.setdefault(match.group(1), []).append(match.group(2).strip())
        elif fields and line.strip("# ").strip():
            # A continuation line extends the previous field (descriptions may wrap).
            last = list(fields)[-1]
            fields[last][-1] += " " + line.strip("# ").strip()

    def one(key: str, default: str | None = None) -> str:
        found = fields.get(key)
        if found:
            return found[0]
        if default is None:
            raise InputError.at(path, f"the header has no '# {key}:' line")
        return default

    data = one("data", "framework")
    if data not in DATA:
        raise InputError.at(path, f"'# data:' must be one of {', '.join(DATA)}, got {data!r}")
    params = []
    for spec in fields.get("param", []):
        match = _PARAM.fullmatch(spec)
        if not match:
            raise InputError.at(path, f"bad parameter line {spec!r}; expected "
                                      f"'NAME TYPE = DEFAULT | description'")
        name, type_name, default, description = match.groups()
        if type_name not in TYPES:
            raise InputError.at(path, f"parameter {name}: unknown type {type_name!r}; use one "
                                      f"of {', '.join(TYPES)}")
        if not re.search(r"[?$]" + name + r"\b", text):
            raise InputError.at(path, f"parameter {name} is not a variable of the query")
        param = Param(name, TYPES[type_name], default, description)
        try:
            param.term(default)
        except ParameterError as err:
            raise InputError.at(path, f"default: {err}") from None
        params.append(param)
    span = _find_values_block(path, text, params) if params else None
    differences = {}
    for spec in fields.get("differs", []):
        match = _DIFFERS.fullmatch(spec)
        if not match:
            raise InputError.at(path, f"bad differs line {spec!r}; expected "
                                      f"'ENGINE | why the answers differ', e.g. "
                                      f"'virtuoso | it types COUNT as xsd:int'")
        differences[match.group(1)] = match.group(2)
    return Query(name=path.stem, kind=kind, path=path, title=one("title"),
                 description=one("description", ""), data=data, text=text,
                 params=tuple(params), values_span=span, differences=differences)


@dataclass
class Catalogue:
    examples: list[Query]
    qc: list[Query]

    def __iter__(self) -> Iterator[Query]:
        return iter([*self.examples, *self.qc])

    def example(self, name: str) -> Query | None:
        return next((q for q in self.examples if q.name == name), None)


def load_catalogue(queries_dir: Path) -> Catalogue:
    """Every example and QC query under ``queries_dir`` (missing folders give empty lists)."""
    found: dict[str, list[Query]] = {}
    for kind in KINDS:
        folder = queries_dir / kind
        found[kind] = [parse_query(p, kind) for p in sorted(folder.glob("*.rq"))] \
            if folder.is_dir() else []
    return Catalogue(found["examples"], found["qc"])


def catalogue_quads(catalogue: Catalogue, base_iri: str,
                    graph: ox.NamedNode) -> list[ox.Quad]:
    """The catalogue as RDF: each query a ``sh:SPARQLExecutable`` with its comment."""
    iris = Iris(base_iri)
    triples: list[tuple[ox.NamedNode, ox.NamedNode, Term]] = []
    for query in catalogue:
        node = iris.query(query.kind, query.name)
        comment = query.description or query.title
        if query.params:
            comment += " Parameters: " + "; ".join(
                f"{p.name} ({p.type.expected}; default {p.default}): {p.description}"
                for p in query.params) + "."
        triples += [
            (node, RDF.type, SH.SPARQLExecutable),
            (node, RDFS.label, ox.Literal(query.title, language="en")),
            (node, RDFS.comment, ox.Literal(comment, language="en")),
            (node, DCTERMS.identifier, ox.Literal(query.name)),
            (node, DCTERMS.type, ox.Literal("quality-control check" if query.kind == "qc"
                                            else "example query")),
            (node, DCTERMS.source, ox.Literal(f"queries/{query.kind}/{query.path.name}")),
        ]
        if query.form == "SELECT":
            triples += [(node, RDF.type, SH.SPARQLSelectExecutable),
                        (node, SH.select, ox.Literal(query.text))]
        elif query.form in ("CONSTRUCT", "ASK"):
            triples += [(node, RDF.type, SH[f"SPARQL{query.form.title()}Executable"]),
                        (node, SH[query.form.lower()], ox.Literal(query.text))]
    return [ox.Quad(s, p, o, graph) for s, p, o in triples]
