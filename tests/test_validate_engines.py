"""pyshacl-turbo (the default engine) and pySHACL (the reference) give the same report."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsxkg.build import build
from nsxkg.validate import validate_build
from support import make_settings

RELEASE = "<https://w3id.org/nsxkg/id/framework/11-2022.00/v.26.05/statement/"
PLANTED = [
    # a mastery statement without its level
    f"{RELEASE}mastery/customer-preference-trends> <https://w3id.org/nsxkg/def#level>",
    # an AI-use statement without citations
    f"{RELEASE}ai-use/high-stakes-negotiation-preparation> <https://w3id.org/nsxkg/def#cites>",
]


@pytest.fixture
def broken_build(tmp_path: Path) -> Path:
    settings = make_settings(tmp_path)
    build(settings)
    graph = settings.build_dir / "graphs" / "framework-11-2022.00-v.26.05.nq"
    lines = graph.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(tuple(PLANTED))]
    assert len(kept) < len(lines)
    graph.write_text("".join(kept), encoding="utf-8")
    return settings.build_dir


def test_engines_agree(broken_build: Path) -> None:
    shapes = make_settings(broken_build.parent).shapes
    reports = {engine: validate_build(broken_build, shapes, engine)
               for engine in ("turbo", "pyshacl")}
    found = {engine: sorted((v.focus, v.shape, v.component, v.path) for v in r.violations)
             for engine, r in reports.items()}
    assert found["turbo"] == found["pyshacl"]
    assert {focus.rsplit("/statement/", 1)[1] for focus, *_ in found["turbo"]} == {
        "mastery/customer-preference-trends", "ai-use/high-stakes-negotiation-preparation"}
    assert not reports["turbo"].conforms


def test_engine_input_is_ascii_and_reads_back_the_same(tmp_path: Path) -> None:
    """The SHACL engine's text has every non-ASCII character escaped (so no UTF-8 copy of a
    large graph is made), and parses to exactly the quads of the files."""
    import pyoxigraph as ox

    from nsxkg.nquads import read_ascii

    first, second = tmp_path / "a.nq", tmp_path / "b.nq"
    first.write_text('<http://x/caf\u00e9> <http://x/p> "na\u00efve \u2019 \U0001F600" .\n'
                     '<http://x/s> <http://x/p> "a backslash then x: \\\\xe9" <http://x/g> .\n',
                     encoding="utf-8")
    second.write_text('<http://x/s> <http://x/p> "plain" .\n', encoding="utf-8")
    text = read_ascii(first, second)
    assert text.isascii()
    assert "\\u00E9" in text and "\\U0001F600" in text
    expected = [*ox.parse(path=first, format=ox.RdfFormat.N_QUADS),
                *ox.parse(path=second, format=ox.RdfFormat.N_QUADS)]
    assert list(ox.parse(text, format=ox.RdfFormat.N_QUADS)) == expected
    assert expected[0].subject.value == "http://x/caf\u00e9"
