"""Read the text of an NSX framework page into a framework release file.

The page is what a browser's "copy all" gives of an occupation's framework page
(``shared/seeds/nsx-sales-managers-framework.txt``): the title and SOC line, the context, the
mastery levels (role label, then numbered statements whose focus phrase is glued to the
statement), AI use by level and the durable-skill domains ("1Communication12 statements"),
whose statements carry citation chips glued to their text ("Title — Publisher. Opens in new
tab."), the evidence pack, the O*NET anchors (names run together) and the source list.

The page is read line by line against that layout; anything else is an error naming the line
and what was expected there. Names become identifiers through O*NET (onet_names.py) and
``reference.yaml`` (sources, domains). The result is checked by the same model and rules as
a hand-written release file before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from nsxkg.errors import InputError, Location
from nsxkg.frameworks.loader import LineMap, line_of
from nsxkg.frameworks.model import (
    DurableLevel,
    Framework,
    Kind,
    Loc,
    MasteryLevel,
    Reference,
    consistency_problems,
    reference_problems,
)
from nsxkg.importers.citations import SOURCES, chips, edition, read_sources, source_for_word
from nsxkg.importers.onet_names import OnetNames
from nsxkg.importers.page import GLUE, Keys, Page
from nsxkg.iris import slug

AI_INTRO = "How a worker at each mastery level uses"
EVIDENCE = "Evidence pack"
DURABLE_INTRO = "durable-skill domains mapped to"
ANCHORS = "Show O*NET source anchors"
_SOC = re.compile(r"SOC (\d{2}-\d{4}\.\d{2})(?:Job Zone (\d) · (.+?))?(v\.?[0-9][\w.-]*)")
_NUMBERED = re.compile(r"\s*(\d+)\.\s+(.*\S)")
_DOMAIN = re.compile(r"(\d+)(\D.*?)(\d+) statements?")
_ANCHOR_COUNT = re.compile(r"Show O\*NET source anchors(\d+) anchors?\b.*")
_ANCHOR_HEADINGS = {"O*NET skills": "skills", "Knowledge domains": "knowledge",
                    "Abilities": "abilities", "Work styles": "work_styles",
                    "Technology": "technology", "Tasks · seed anchors for statements": "tasks",
                    "CIP education codes": "cip", "RAPIDS apprenticeships": None}
_SKIPPED = ("O*NET enrichment", "Suggest an O*NET correction",
            "Source anchors that ground each statement")


@dataclass
class Imported:
    """A page, read: the release file's data, and the page line of each of its fields."""

    data: dict[str, Any]
    lines: LineMap
    path: Path

    @property
    def code(self) -> str:
        return str(self.data["occupation"]["code"])

    @property
    def version(self) -> str:
        return str(self.data["release"]["version"])

    def yaml(self) -> str:
        head = (f"# yaml-language-server: $schema=../framework.schema.json\n"
                f"# NSX skills framework for {self.data['occupation']['title']} (O*NET-SOC "
                f"{self.code}), release {self.version}, imported from the NSX page\n"
                f"# ({self.path.name}) by `nsxkg import nsx-page`. Each statement's `key` is "
                f"its identity across\n# releases (docs/frameworks.md): keep it when a "
                f"statement is reworded or moved.\n")
        return head + yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, width=100)


def parse(text: str, path: Path, names: OnetNames, reference: Reference,
          keys: Keys | None = None) -> Imported:
    """A page's text → a release file's data, checked as the loader checks a release file.

    ``keys`` maps (kind, title) and (kind, text) of the statements of the framework's
    previous release to their keys, so a statement the new release keeps keeps its key.
    """
    page = Page(path, text.splitlines(), names, reference, keys or {})
    data = _read(page)
    _check(page, data)
    return Imported(data, page.at, path)


def _read(page: Page) -> dict[str, Any]:
    lines = page.lines
    back = page.find(0, lambda s: s.strip() == "Back to Framework", "'Back to Framework'")
    title_at = next(page.nonblank(back + 1, len(lines)), None)
    if title_at is None:
        raise page.fail(back + 1, "expected the occupation's title after 'Back to Framework'")
    soc_at = next(page.nonblank(title_at + 1, len(lines)), len(lines) - 1)
    soc = _SOC.fullmatch(lines[soc_at].strip())
    if soc is None:
        raise page.fail(soc_at + 1, "expected the SOC line, e.g. 'SOC 11-2022.00Job Zone 4 · "
                                    "Considerable Preparationv.26.05'")
    code, zone, zone_label, version = soc.groups()
    context_at = next(page.nonblank(soc_at + 1, len(lines)), len(lines) - 1)
    if not lines[context_at].startswith("Context covered"):
        raise page.fail(context_at + 1, "expected 'Context covered' and the framework's context")
    occupation: dict[str, Any] = {"code": code, "title": lines[title_at].strip()}
    if zone:
        occupation["job_zone"] = {"zone": int(zone), "label": zone_label}
    page.at[("occupation",)] = soc_at + 1
    page.at[("occupation", "title")] = title_at + 1
    page.at[("release", "version")] = soc_at + 1
    page.at[("release", "context")] = context_at + 1

    ai_at = page.find(context_at, lambda s: s.startswith(AI_INTRO), f"'{AI_INTRO} …'")
    evidence_at = page.find(ai_at, lambda s: s.strip() == EVIDENCE, f"'{EVIDENCE}'")
    durable_at = page.find(evidence_at, lambda s: DURABLE_INTRO in s,
                           f"the durable skills ('Ten {DURABLE_INTRO} …')")
    anchors_at = page.find(durable_at, lambda s: s.startswith(ANCHORS), f"'{ANCHORS}'")
    sources_at = page.find(anchors_at, lambda s: s.startswith(SOURCES), f"'{SOURCES}…'")

    release: dict[str, Any] = {"version": version,
                               "context": lines[context_at].removeprefix("Context covered")
                               .strip()}
    publisher, rights = read_sources(page, sources_at)
    if publisher:
        release["publisher"] = publisher
    if rights:
        release["rights"] = rights
    count = _ANCHOR_COUNT.fullmatch(lines[anchors_at].strip())
    if count is None:
        raise page.fail(anchors_at + 1, "expected 'Show O*NET source anchorsN anchors'")
    release["source_anchor_count"] = int(count[1])
    page.at[("release", "source_anchor_count")] = anchors_at + 1

    mastery = [{"level": b["level"], "role": b["role"], "statements": b["statements"]}
               for b in _blocks(page, context_at + 1, ai_at, MasteryLevel, Kind.mastery,
                                ("mastery",), roles=True, every=True)]
    ai_use = _blocks(page, ai_at + 1, evidence_at, MasteryLevel, Kind.ai_use, ("ai_use",))
    evidence = _evidence(page, evidence_at + 1, durable_at)
    durable = _durable(page, durable_at + 1, anchors_at)
    anchors = _anchors(page, anchors_at + 1, sources_at, code)
    data: dict[str, Any] = {"occupation": occupation, "release": release,
                            "sources": page.sources, "mastery": mastery}
    if ai_use:
        data["ai_use"] = ai_use
    if evidence:
        data["evidence"] = evidence
    if durable:
        data["durable_skills"] = durable
    data["anchors"] = anchors
    return data


# -- levels and statements ---------------------------------------------------------------------


def _blocks(page: Page, start: int, end: int, scale: type[MasteryLevel] | type[DurableLevel],
            kind: Kind, loc: Loc, *, roles: bool = False, every: bool = False,
            domain: str | None = None) -> list[dict[str, Any]]:
    """The level blocks between two lines: a level name (with the role label below it when
    ``roles``), then its numbered statements; levels in scale order."""
    names = {level.value.capitalize(): level for level in scale}
    expected = ", ".join(names)
    blocks: list[dict[str, Any]] = []
    rows = iter(page.nonblank(start, end))
    last = start
    for i in rows:
        text = page.lines[i].strip()
        last = i
        if text in names:
            level = names[text]
            order = list(scale)
            if blocks and order.index(level) <= order.index(blocks[-1]["_level"]):
                raise page.fail(i + 1, f"level {text} comes after {blocks[-1]['level']}: "
                                       f"expected the levels in the order {expected}")
            if every and order.index(level) != len(blocks):
                raise page.fail(i + 1, f"expected level {order[len(blocks)].value.capitalize()}"
                                       f" before {text}: every level of {expected} is listed")
            block: dict[str, Any] = {"level": level.value, "_level": level, "statements": []}
            b = len(blocks)
            page.at[(*loc, b)] = i + 1
            page.at[(*loc, b, "level")] = i + 1
            if roles:
                role_at = next(rows, None)
                if role_at is None or _NUMBERED.fullmatch(page.lines[role_at]) or \
                        page.lines[role_at].strip() in names:
                    raise page.fail((role_at if role_at is not None else i) + 1,
                                    f"expected the role label of level {text} "
                                    f"(e.g. 'Entry / Apprentice')")
                block["role"] = page.lines[role_at].strip()
                page.at[(*loc, b, "role")] = role_at + 1
            blocks.append(block)
            continue
        numbered = _NUMBERED.fullmatch(page.lines[i])
        if numbered is None:
            raise page.fail(i + 1, f"expected a level ({expected}) or a numbered statement, "
                                   f"got {text[:60]!r}")
        if not blocks:
            raise page.fail(i + 1, f"a statement before any level: expected a level "
                                   f"({expected}) first")
        statements = blocks[-1]["statements"]
        if int(numbered[1]) != len(statements) + 1:
            raise page.fail(i + 1, f"expected statement {len(statements) + 1} of level "
                                   f"{blocks[-1]['level'].capitalize()}, got number "
                                   f"{numbered[1]}")
        sloc = (*loc, len(blocks) - 1, "statements", len(statements))
        page.at[sloc] = i + 1
        statements.append(_statement(page, i + 1, numbered[2], kind, domain))
    if every and len(blocks) != len(scale):
        missing = [lv.value.capitalize() for lv in scale][len(blocks):]
        raise page.fail(last + 1, f"expected level {missing[0]} here: every level of "
                                  f"{expected} is listed")
    for block in blocks:
        if not block["statements"]:
            raise page.fail(page.at[(*loc, blocks.index(block))],
                            f"level {block['level'].capitalize()} lists no statements")
        del block["_level"]
    return blocks


def _statement(page: Page, line: int, body: str, kind: Kind,
               domain: str | None) -> dict[str, Any]:
    if kind is Kind.mastery:
        focus, text = _split_focus(page, line, body)
        return {"key": _key(page, kind, focus, text, domain), "focus": focus, "text": text}
    before, cites = chips(page, line, body, trailing="." if kind is Kind.ai_use else "")
    title, dash, text = before.partition(" — ")
    if not dash or not title or not text:
        raise page.fail(line, "expected 'Title — statement' before the citation chips")
    return {"key": _key(page, kind, title, text, domain), "title": title, "text": text,
            "cites": cites}


def _split_focus(page: Page, line: int, body: str) -> tuple[str, str]:
    """The page glues a mastery statement's focus phrase to its text
    ("Customer complaint recordsdocument and escalate …"): the focus ends inside the first
    word O*NET does not know, where what comes before is a word it knows and what follows
    starts in lower case; a verb that O*NET task statements open with is preferred."""
    words = page.names
    tokens = body.split(" ")
    for i, token in enumerate(tokens):
        if words.known(token) or not re.fullmatch(r"[A-Za-z-]+[,.;:]?", token):
            continue
        splits = [(token[j:].rstrip(",.;:").lower() in words.verbs, j)
                  for j in range(1, len(token) - 1)
                  if token[j].islower() and token[j - 1].isalpha() and words.known(token[:j])]
        if splits:
            j = max(splits)[1]
            return " ".join([*tokens[:i], token[:j]]), " ".join([token[j:], *tokens[i + 1:]])
    raise page.fail(line, "cannot tell where the focus phrase ends and the statement begins: "
                          "expected a focus phrase glued to a statement opening with a verb, "
                          "e.g. 'Customer complaint recordsdocument and escalate …'")


def _key(page: Page, kind: Kind, title: str, text: str, domain: str | None) -> str:
    """The statement's key in the previous release (same title, else same text); for a new
    statement the slug of its title, never a key the previous release gave another."""
    key = page.keys.get((kind.value, title)) or page.keys.get((kind.value, text))
    if key is None or key in page.used_keys:
        taken = page.used_keys | set(page.keys.values())
        key = slug(title)
        if key in taken:
            key = slug(f"{domain or kind.value} {title}")
    page.used_keys.add(key)
    return key


# -- evidence, durable skills, anchors ---------------------------------------------------------


def _evidence(page: Page, start: int, end: int) -> dict[str, Any] | None:
    rows = [(i, page.lines[i].strip()) for i in page.nonblank(start, end)]
    if not rows:
        return None
    fields = iter(rows)

    def heading(suffix: str) -> str:
        i, text = next(fields, (end, ""))
        word, _, rest = text.partition(" ")
        key = source_for_word(page, word)
        if rest != suffix or key is None:
            raise page.fail(i + 1, f"expected the evidence heading '<source> {suffix}' "
                                   f"naming a listed source, got {text!r}")
        return key

    def value(label: str, pattern: str = r"(.+)") -> tuple[int, re.Match[str]]:
        i, text = next(fields, (end, ""))
        found = re.fullmatch(re.escape(label) + r":\s*" + pattern, text)
        if found is None:
            raise page.fail(i + 1, f"expected '{label}: …' in the evidence pack, got {text!r}")
        return i, found

    number = r"(\d+(?:\.\d+)?)"
    usage: dict[str, Any] = {"source": heading("usage")}
    usage["task_observations"] = int(value("Task observations", r"(\d+)")[1][1])
    usage["augment_share_percent"] = float(value("Augment share", number + "%")[1][1])
    usage["time_saved_percent"] = float(value("Time saved", number + "%")[1][1])
    usage["ai_autonomy"] = float(value("AI autonomy", number)[1][1])
    feasibility: dict[str, Any] = {"source": heading("positioning")}
    top_at, found = value("Top skill")
    top = found[1]
    element = page.names.element("skills", top)
    if element is None:
        raise page.fail(top_at + 1, f"unknown O*NET skill {top!r} (O*NET "
                                    f"{', '.join(page.names.releases)})")
    feasibility["top_skill"] = {"id": element, "name": top}
    score = value("Score", number + r" / " + number)[1]
    feasibility["score"], feasibility["score_max"] = _num(score[1]), _num(score[2])
    feasibility["quadrant"] = value("Quadrant")[1][1]
    feasibility["precision"] = value("precision")[1][1]
    cluster_source = heading("cluster")
    label_at, label = next(fields, (end, ""))
    key_at, key = next(fields, (end, ""))
    if not label or not re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", key):
        raise page.fail(key_at + 1, "expected the cluster's label, then its key "
                                    "(e.g. human_technology_interaction)")
    extra = next(fields, None)
    if extra is not None:
        raise page.fail(extra[0] + 1, f"unexpected line in the evidence pack: {extra[1]!r}")
    return {"ai_usage": usage, "automation_feasibility": feasibility,
            "skills_cluster": {"source": cluster_source,
                               "cluster": {"key": key, "label": label}}}


def _num(text: str) -> int | float:
    return int(text) if text.isdigit() else float(text)


def _durable(page: Page, start: int, end: int) -> list[dict[str, Any]]:
    headers = [i for i in range(start, end) if _DOMAIN.fullmatch(page.lines[i].strip())]
    first = next(page.nonblank(start, end), None)
    if first is not None and (not headers or first < headers[0]):
        raise page.fail(first + 1, "expected a durable-skill domain heading, e.g. "
                                   "'1Communication12 statements'")
    out: list[dict[str, Any]] = []
    for n, at in enumerate(headers):
        found = _DOMAIN.fullmatch(page.lines[at].strip())
        assert found is not None
        number, name, count = int(found[1]), found[2].strip(), int(found[3])
        domain = next((d for d in page.reference.durable_domains if d.name == name), None)
        if domain is None or domain.number != number:
            known = ", ".join(f"{d.number} {d.name}" for d in page.reference.durable_domains)
            raise page.fail(at + 1, f"unknown durable-skill domain {number} {name!r}: add it "
                                    f"to reference.yaml (known: {known})")
        page.at[("durable_skills", n)] = at + 1
        page.at[("durable_skills", n, "domain")] = at + 1
        stop = headers[n + 1] if n + 1 < len(headers) else end
        if next(page.nonblank(at + 1, stop), None) is None:
            raise page.fail(at + 1, f"domain {name} lists no statements (it says {count})")
        levels = _blocks(page, at + 1, stop, DurableLevel, Kind.durable,
                         ("durable_skills", n, "levels"), domain=domain.key)
        listed = sum(len(b["statements"]) for b in levels)
        if listed != count:
            raise page.fail(at + 1, f"domain {name} says {count} statements but lists "
                                    f"{listed}")
        out.append({"domain": domain.key, "levels": levels})
    return out


def _anchors(page: Page, start: int, end: int, code: str) -> dict[str, Any]:
    anchors: dict[str, Any] = {}
    rows = [i for i in page.nonblank(start, end) if page.lines[i].strip() not in _SKIPPED
            and not page.lines[i].startswith(_SKIPPED)]
    section: str | None = "related_titles?"
    n = 0
    while n < len(rows):
        i = rows[n]
        text = page.lines[i].strip()
        n += 1
        if text == "Related titles":
            section = "related_titles"
            continue
        if text in _ANCHOR_HEADINGS:
            section = _ANCHOR_HEADINGS[text] or "ignored"
            continue
        if section in (None, "related_titles?"):
            raise page.fail(i + 1, f"expected an anchors heading (Related titles, "
                                   f"{', '.join(_ANCHOR_HEADINGS)}), got {text[:60]!r}")
        if section == "ignored":
            raise page.fail(i + 1, "RAPIDS apprenticeships have no field in a framework file; "
                                   f"got {text[:60]!r}")
        if section == "related_titles":
            anchors["related_titles"] = [t.strip() for t in text.split(" · ")]
            page.at[("anchors", "related_titles")] = i + 1
            section = None
        elif section == "tasks":
            numbered = _NUMBERED.fullmatch(page.lines[i])
            if numbered is None:
                raise page.fail(i + 1, f"expected a numbered task, got {text[:60]!r}")
            task = page.names.tasks.get((code, numbered[2]))
            if task is None:
                raise page.fail(i + 1, f"unknown task of {code}: {numbered[2][:60]!r} is not an "
                                       f"O*NET task statement of the occupation (O*NET "
                                       f"{', '.join(page.names.releases)})")
            anchors.setdefault("tasks", []).append({"id": task, "text": numbered[2]})
            page.at[("anchors", "tasks", len(anchors["tasks"]) - 1)] = i + 1
        elif section == "cip":
            codes = re.findall(r"\d{2}\.\d{4}", text)
            if "".join(codes) != text:
                raise page.fail(i + 1, f"expected CIP codes run together (NN.NNNN…), "
                                       f"got {text[:60]!r}")
            anchors["cip"] = codes
            page.at[("anchors", "cip")] = i + 1
            section = None
        else:
            anchors[section] = _names(page, i + 1, text, section, code)
            page.at[("anchors", section)] = i + 1
            section = None
    return anchors


def _names(page: Page, line: int, text: str, section: str, code: str) -> list[dict[str, Any]]:
    """Names the page runs together ("SpeakingActive ListeningNegotiation"), each resolved in
    O*NET; a piece that resolves to nothing is joined with the next (a name with a capital
    inside, e.g. "McDonald")."""
    pieces = GLUE.split(text)
    out: list[dict[str, Any]] = []
    n = 0
    while n < len(pieces):
        for m in range(n + 1, len(pieces) + 1):
            name = "".join(pieces[n:m])
            if section == "technology":
                found: Any = page.names.technology.get((code, name))
                entry = {"code": found, "name": name}
            else:
                found = page.names.element(section, name)
                entry = {"id": found, "name": name}
            if found is not None:
                out.append(entry)
                n = m
                break
        else:
            what = section.replace("_", " ")
            raise page.fail(line, f"unknown O*NET {what} {pieces[n]!r} (O*NET "
                                  f"{', '.join(page.names.releases)})")
    return out


# -- checking ----------------------------------------------------------------------------------


def _check(page: Page, data: dict[str, Any]) -> None:
    data["sources"] = [edition(s, page.chips.get(s["key"])) for s in page.sources]
    try:
        framework = Framework.model_validate(data)
    except ValidationError as err:
        raise InputError([_located(page, tuple(e["loc"]), f"{e['msg']}")
                          for e in err.errors()]) from err
    problems = consistency_problems(framework) + reference_problems(framework, page.reference)
    if problems:
        raise InputError([_located(page, loc, msg) for loc, msg in problems])


def _located(page: Page, loc: Loc, message: str) -> tuple[Location, str]:
    return Location(page.path, line_of(page.at, loc), ".".join(map(str, loc)) or None), message
