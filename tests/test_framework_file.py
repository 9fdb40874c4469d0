"""The framework file format: the seed transcribed, the layout, and every malformed file
located."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from nsxkg.errors import InputError
from nsxkg.frameworks.loader import (
    framework_files,
    load_framework,
    load_reference,
    read_release,
    reference_path,
)
from nsxkg.frameworks.model import Kind, statements
from support import DATA, FRAMEWORKS, SEED

TESTS = DATA / "frameworks"
INVALID = sorted((TESTS / "invalid").glob("*/*/*.yaml"))
VALID = TESTS / "valid" / "15-1252.00" / "v.0.1.yaml"


def expectations(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"# expect-(\w+): (.*)", line)
        if match:
            out[match[1]] = match[2]
    return out


def test_seed_transcribed_completely() -> None:
    fw = load_framework(SEED)
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
    assert fw.evidence is not None and fw.evidence.ai_usage.task_observations == 607


def test_statement_text_unchanged_from_seed() -> None:
    """Every statement's text occurs verbatim in the seed page (not paraphrased), at its level,
    under its domain, with its citations."""
    seed = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    page = seed / "nsx-sales-managers-framework.txt"
    if not page.exists():
        pytest.skip("the seed page is not beside the project")
    text = page.read_text(encoding="utf-8")
    fw = load_framework(SEED)
    reference = load_reference(reference_path(FRAMEWORKS))
    for block in fw.mastery:
        for st in block.statements:
            assert f"{st.focus}{st.text}" in text
    for st in statements(fw):
        if st.kind is not Kind.mastery:
            assert f"{st.title} — {st.text.removesuffix('.')}" in text
    for domain in fw.durable_skills:
        named = reference.domain(domain.domain)
        assert named is not None
        count = sum(len(b.statements) for b in domain.levels)
        assert f"{named.number}{named.name}{count} statements" in text


def test_seed_citations_and_evidence_as_the_page_shows_them() -> None:
    """Each cited statement is followed on the page by its citation chips, in order, each the
    cited edition's chip label and title; the evidence figures are the page's."""
    page = Path(__file__).resolve().parents[2] / "shared" / "seeds" / \
        "nsx-sales-managers-framework.txt"
    if not page.exists():
        pytest.skip("the seed page is not beside the project")
    text = page.read_text(encoding="utf-8")
    fw = load_framework(SEED)
    editions = {s.key: s for s in fw.sources}
    cited = [st for st in statements(fw) if st.kind is not Kind.mastery]
    assert len(cited) == 119
    for st in cited:
        chips = " ".join(f"{editions[k].citation_label}{editions[k].title}. Opens in new tab."
                         for k in st.cites)
        assert f"{st.title} — {st.text.removesuffix('.')} {chips}" in text, st.key
    assert fw.evidence is not None
    usage, feas = fw.evidence.ai_usage, fw.evidence.automation_feasibility
    for line in (f"Task observations: {usage.task_observations}",
                 f"Augment share: {usage.augment_share_percent}%",
                 f"Time saved: {usage.time_saved_percent}%", f"AI autonomy: {usage.ai_autonomy}",
                 f"Top skill: {feas.top_skill.name}",
                 f"Score: {feas.score} / {feas.score_max:g}", f"Quadrant: {feas.quadrant}",
                 f"precision: {feas.precision}", fw.evidence.skills_cluster.cluster.label,
                 fw.evidence.skills_cluster.cluster.key):
        assert line in text, line
    sources_line = next(ln for ln in text.splitlines() if ln.startswith("Sources: "))
    for edition in fw.sources:
        assert edition.label in sources_line


def test_seed_keys_are_stable_and_unique() -> None:
    keys = [st.key for st in statements(load_framework(SEED))]
    assert len(keys) == len(set(keys)) == 159
    assert keys[0] == "customer-complaint-records"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.parents[1].name)
def test_malformed_file_is_located(path: Path) -> None:
    expect = expectations(path)
    reference = load_reference(TESTS / "valid" / "reference.yaml")
    with pytest.raises(InputError) as info:
        load_framework(path, reference)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert f"line {expect['line']}" in message, message
    if "field" in expect:
        assert f"field {expect['field']!r}" in message, message
    assert expect["message"] in message, message


def test_every_invalid_case_present() -> None:
    cases = {p.parents[1].name for p in INVALID}
    assert {"malformed-yaml", "unknown-level", "duplicate-statement", "duplicate-key",
            "undeclared-source", "unknown-source", "unknown-domain", "bad-soc-code",
            "missing-key", "misplaced-version"} <= cases


def test_release_file_must_sit_under_its_code(tmp_path: Path) -> None:
    shutil.copyfile(TESTS / "valid" / "reference.yaml", tmp_path / "reference.yaml")
    wrong = tmp_path / "11-1011.00" / "v.0.1.yaml"
    wrong.parent.mkdir()
    wrong.write_text(VALID.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError, match="must be at 15-1252.00/v.0.1.yaml"):
        load_framework(wrong)


def test_old_flat_layout_is_refused_with_advice(tmp_path: Path) -> None:
    shutil.copyfile(TESTS / "valid" / "reference.yaml", tmp_path / "reference.yaml")
    (tmp_path / "15-1252.00.yaml").write_text(VALID.read_text(encoding="utf-8"),
                                              encoding="utf-8")
    with pytest.raises(InputError, match=r"belongs in <code>/<version>.yaml"):
        framework_files(tmp_path)


def test_reference_file_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "reference.yaml"
    path.write_text("sources:\n- key: onet\n  nmae: O*NET\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_reference(path)
    assert "line 3" in str(info.value) and "sources.0.nmae" in str(info.value)


def test_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "15-1252.00" / "v.0.1.yaml"
    path.parent.mkdir()
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected a mapping"):
        read_release(path, load_reference(TESTS / "valid" / "reference.yaml"))
