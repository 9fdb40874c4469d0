"""The framework file format: the seed transcribed, and every malformed file located."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nsxkg.errors import InputError
from nsxkg.frameworks.loader import load_framework
from support import DATA, FRAMEWORKS

INVALID = sorted((DATA / "frameworks" / "invalid").glob("*/*.yaml"))


def expectations(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"# expect-(\w+): (.*)", line)
        if match:
            out[match[1]] = match[2]
    return out


def test_seed_transcribed_completely() -> None:
    fw = load_framework(FRAMEWORKS / "11-2022.00.yaml")
    assert fw.occupation.code == "11-2022.00"
    assert fw.occupation.job_zone.zone == 4
    assert fw.release.version == "v.26.05"
    assert [len(b.statements) for b in fw.mastery] == [10, 10, 10, 10]
    assert [b.role for b in fw.mastery] == ["Entry / Apprentice", "Mid-level / Established",
                                           "Senior / Expert IC", "Lead / Principal / Executive"]
    assert sum(len(b.statements) for b in fw.ai_use) == 11
    assert len(fw.durable_skills) == 10
    assert sum(len(b.statements) for d in fw.durable_skills for b in d.levels) == 108
    assert len(fw.sources) == 7
    a = fw.anchors
    assert (len(a.related_titles), len(a.skills), len(a.knowledge), len(a.abilities),
            len(a.work_styles), len(a.technology), len(a.tasks), len(a.cip)) == (
        12, 22, 9, 10, 6, 10, 8, 5)


def test_statement_text_unchanged_from_seed() -> None:
    """Every statement's text occurs verbatim in the seed page (not paraphrased)."""
    seed = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    page = seed / "nsx-sales-managers-framework.txt"
    if not page.exists():
        pytest.skip("the seed page is not beside the project")
    text = page.read_text(encoding="utf-8")
    fw = load_framework(FRAMEWORKS / "11-2022.00.yaml")
    for block in fw.mastery:
        for st in block.statements:
            assert f"{st.focus}{st.text}" in text
    cited = [s for b in fw.ai_use for s in b.statements]
    cited += [s for d in fw.durable_skills for b in d.levels for s in b.statements]
    for st in cited:
        assert f"{st.title} — {st.text.removesuffix('.')}" in text


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.parent.name)
def test_malformed_file_is_located(path: Path) -> None:
    expect = expectations(path)
    with pytest.raises(InputError) as info:
        load_framework(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert f"line {expect['line']}" in message, message
    if "field" in expect:
        assert f"field {expect['field']!r}" in message, message
    assert expect["message"] in message, message


def test_every_invalid_case_present() -> None:
    cases = {p.parent.name for p in INVALID}
    assert {"malformed-yaml", "unknown-level", "duplicate-statement", "undeclared-source",
            "bad-soc-code"} <= cases


def test_file_name_must_match_code(tmp_path: Path) -> None:
    source = DATA / "frameworks" / "valid" / "15-1252.00.yaml"
    wrong = tmp_path / "11-1011.00.yaml"
    wrong.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError, match="describes occupation '15-1252.00'"):
        load_framework(wrong)


def test_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "11-1011.00.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected a mapping"):
        load_framework(path)
