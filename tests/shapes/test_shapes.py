"""The SHACL shapes (shapes/*.ttl, loaded together as the validator does), tested with examples.

tests/data/shapes/valid/*.ttl must conform. Each tests/data/shapes/invalid/*.ttl shows one thing
wrong and says, in its first comment lines, which result it must produce:

    # expect-shape: nsxsh:Occupation-notation
    # expect-component: sh:PatternConstraintComponent
    # expect-focus: <https://w3id.org/nsxkg/id/occupation/11-2022.00>

(``# expect-focus: []`` expects a blank node). The validation results must name exactly that
shape, constraint component and focus node, and nothing else. Every constraint of every shape
must have such an example, and the real framework data must conform.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS, SH
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.term import Node

from support import SEED, seed_quads

ROOT = Path(__file__).resolve().parents[2]
SHAPES_FILES = sorted((ROOT / "shapes").glob("*.ttl"))
EXAMPLES = ROOT / "tests" / "data" / "shapes"
VALID = sorted((EXAMPLES / "valid").glob("*.ttl"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.ttl"))

NSXSH = Namespace("https://w3id.org/nsxkg/shapes#")
PREFIXES = {"nsxsh": str(NSXSH), "sh": str(SH)}

# Each constraint parameter and the constraint component that reports its violations.
COMPONENTS: dict[URIRef, URIRef] = {
    SH[param]: SH[f"{component}ConstraintComponent"]
    for param, component in {
        "class": "Class", "datatype": "Datatype", "nodeKind": "NodeKind",
        "minCount": "MinCount", "maxCount": "MaxCount",
        "minExclusive": "MinExclusive", "minInclusive": "MinInclusive",
        "maxExclusive": "MaxExclusive", "maxInclusive": "MaxInclusive",
        "minLength": "MinLength", "maxLength": "MaxLength", "pattern": "Pattern",
        "languageIn": "LanguageIn", "uniqueLang": "UniqueLang",
        "equals": "Equals", "disjoint": "Disjoint", "lessThan": "LessThan",
        "lessThanOrEquals": "LessThanOrEquals",
        "not": "Not", "and": "And", "or": "Or", "xone": "Xone", "node": "Node",
        "qualifiedMinCount": "QualifiedMinCount", "qualifiedMaxCount": "QualifiedMaxCount",
        "closed": "Closed", "hasValue": "HasValue", "in": "In", "sparql": "SPARQL",
    }.items()
}
# Predicates a shape may carry that are not constraints of their own.
NOT_CONSTRAINTS = {
    RDF.type, RDFS.label, RDFS.comment,
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target,
    SH.path, SH.property, SH.message, SH.name, SH.description, SH.severity, SH.deactivated,
    SH.order, SH.group, SH.flags, SH.ignoredProperties, SH.qualifiedValueShape,
    SH.qualifiedValueShapesDisjoint,
}

Result = tuple[Node, Node, Node]  # (source shape, constraint component, focus node)


@dataclass(frozen=True)
class Expected:
    shape: URIRef
    component: URIRef
    focus: URIRef | None  # None: a blank node

    def matches(self, result: Result) -> bool:
        shape, component, focus = result
        focus_ok = isinstance(focus, BNode) if self.focus is None else focus == self.focus
        return shape == self.shape and component == self.component and focus_ok


def expected(path: Path) -> Expected:
    """The ``# expect-*`` header of an invalid example."""
    header: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if m := re.match(r"#\s*expect-(shape|component|focus):\s*(\S+)\s*$", line):
            header[m[1]] = m[2]
    missing = {"shape", "component", "focus"} - header.keys()
    assert not missing, f"{path.name}: no '# expect-{', '.join(sorted(missing))}:' line"
    focus = header["focus"]
    assert focus == "[]" or (focus.startswith("<") and focus.endswith(">")), \
        f"{path.name}: expect-focus must be <IRI> or []"
    return Expected(_curie(header["shape"], path), _curie(header["component"], path),
                    None if focus == "[]" else URIRef(focus[1:-1]))


def _curie(value: str, path: Path) -> URIRef:
    prefix, _, local = value.partition(":")
    assert prefix in PREFIXES and local, f"{path.name}: {value!r} is not nsxsh:… or sh:…"
    return URIRef(PREFIXES[prefix] + local)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for path in SHAPES_FILES:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module", autouse=True)
def _prepared_sparql() -> Iterator[None]:
    """Translate each SPARQL constraint once instead of once per focus node.

    pySHACL hands rdflib the text of a SPARQL constraint for every focus node, and rdflib parses
    it every time (tens of milliseconds each). Reusing the translated query is what rdflib's own
    prepared queries do, so results do not change; this module runs about twice as fast.
    """
    cache: dict[tuple[Any, ...], Any] = {}
    original = SPARQLProcessor.query

    def query(self: SPARQLProcessor, strOrQuery: Any, initBindings: Any = None,
              initNs: Any = None, base: Any = None, DEBUG: bool = False) -> Any:
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            if key not in cache:
                cache[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
            strOrQuery = cache[key]
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SPARQLProcessor, "query", query)
        yield


@dataclass
class Validation:
    conforms: bool
    report: Graph
    text: str

    @property
    def results(self) -> set[Result]:
        r = self.report
        return {(r.value(x, SH.sourceShape), r.value(x, SH.sourceConstraintComponent),
                 r.value(x, SH.focusNode)) for x in r.subjects(SH.resultSeverity, None)}

    def summary(self) -> str:
        return "\n".join(line for line in self.text.splitlines()
                         if any(k in line for k in ("Message:", "Focus Node:", "Source Shape:")))


def validate(data: Graph, shapes: Graph) -> Validation:
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes, advanced=True,
                                              inference="none")
    return Validation(bool(conforms), report, text)


def template(message: str) -> re.Pattern[str]:
    """A SPARQL constraint's message, with its {?var} and {$var} placeholders as wildcards."""
    return re.compile(".+".join(re.escape(part) for part in re.split(r"\{[?$]\w+\}", message)))


# -- the examples ---------------------------------------------------------------------------


def test_there_are_examples() -> None:
    assert VALID and INVALID


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example_conforms(path: Path, shapes: Graph) -> None:
    result = validate(Graph().parse(path, format="turtle"), shapes)
    assert result.conforms, f"{path.name} should conform:\n{result.summary()}"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_fails_as_stated(path: Path, shapes: Graph) -> None:
    want = expected(path)
    result = validate(Graph().parse(path, format="turtle"), shapes)
    assert not result.conforms, f"{path.name} conforms, but should fail {want.shape}"
    unexpected = {r for r in result.results if not want.matches(r)}
    assert not unexpected, (
        f"{path.name}: expected only {want}, got:\n"
        + "\n".join(f"  {s} {c} {f}" for s, c, f in sorted(result.results, key=str))
        + f"\n{result.summary()}")

    # Each result carries the shape's own sh:message, not pySHACL's generic text.
    declared = [template(str(m)) for m in shapes.objects(want.shape, SH.message)]
    for node in result.report.subjects(SH.sourceShape, want.shape):
        got = [str(m) for m in result.report.objects(node, SH.resultMessage)]
        assert got and all(any(t.fullmatch(m) for t in declared) for m in got), \
            f"{path.name}: messages {got} are not the shape's sh:message"


def test_example_files_are_named_after_their_shape() -> None:
    for path in INVALID:
        want = expected(path)
        shape = str(want.shape).removeprefix(str(NSXSH))
        assert path.name.startswith(shape + "."), f"{path.name} does not start with {shape}."


# -- the shapes -----------------------------------------------------------------------------


def named_shapes(shapes: Graph) -> dict[URIRef, URIRef]:
    """Every shape with an IRI, and whether it is a node or a property shape."""
    out: dict[URIRef, URIRef] = {}
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            assert isinstance(shape, URIRef), f"a {kind} without an IRI: {shape}"
            out[shape] = kind
    return out


def constraints(shapes: Graph) -> set[tuple[URIRef, URIRef]]:
    """(shape, constraint component) for every constraint of every named shape."""
    out = set()
    for shape in named_shapes(shapes):
        for param in set(shapes.predicates(shape, None)):
            if param in NOT_CONSTRAINTS:
                continue
            assert param in COMPONENTS, f"{shape}: unknown constraint parameter {param}"
            out.add((shape, COMPONENTS[param]))  # type: ignore[index]
    return out


def test_every_constraint_has_a_failing_example(shapes: Graph) -> None:
    declared = constraints(shapes)
    examples = {(e.shape, e.component) for e in map(expected, INVALID)}
    missing = sorted(declared - examples)
    assert not missing, "constraints without an invalid example:\n" + "\n".join(
        f"  {shape.n3(shapes.namespace_manager)} {component.n3(shapes.namespace_manager)}"
        for shape, component in missing)
    stale = sorted(examples - declared)
    assert not stale, f"examples expecting constraints the shapes do not have: {stale}"


def test_every_shape_has_a_failing_example(shapes: Graph) -> None:
    failing = {e.shape for e in map(expected, INVALID)}
    missing = sorted(set(named_shapes(shapes)) - failing)
    assert not missing, f"shapes without an invalid example: {missing}"


def test_shapes_are_named_and_explained(shapes: Graph) -> None:
    kinds = named_shapes(shapes)
    for node_shape in (s for s, k in kinds.items() if k == SH.NodeShape):
        for prop in shapes.objects(node_shape, SH.property):
            assert kinds.get(prop) == SH.PropertyShape, \
                f"{node_shape}: sh:property {prop} is not a named sh:PropertyShape"
    for shape in kinds:
        assert str(shape).startswith(str(NSXSH)), f"{shape} is not in the nsxsh: namespace"
        found = list(shapes.objects(shape, SH.message))
        assert len(found) == 1 and isinstance(found[0], Literal) and found[0].language == "en", \
            f"{shape} needs exactly one English sh:message"
        assert any(p in COMPONENTS for p in shapes.predicates(shape, None)), \
            f"{shape} has no constraint of its own"
    for sparql in shapes.objects(None, SH.sparql):
        assert shapes.value(sparql, SH.message) is not None, "a SPARQL constraint lacks sh:message"


def test_every_property_shape_is_used(shapes: Graph) -> None:
    kinds = named_shapes(shapes)
    used = set(shapes.objects(None, SH.property))
    unused = sorted(s for s, k in kinds.items() if k == SH.PropertyShape and s not in used)
    assert not unused, f"property shapes no node shape uses: {unused}"


# -- the real data --------------------------------------------------------------------------


def framework_graph(base: str = "https://w3id.org/nsxkg/") -> Graph:
    """The seed framework's release, framework and reference graphs together, as a chunk of
    framework data is validated."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in seed_quads(base)}
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data, format="nt")


@pytest.mark.parametrize("base", ["https://w3id.org/nsxkg/", "http://localhost:8000/kg/"])
def test_framework_data_conforms(base: str, shapes: Graph) -> None:
    result = validate(framework_graph(base), shapes)
    assert result.conforms, f"{SEED.name} does not conform:\n{result.summary()}"
