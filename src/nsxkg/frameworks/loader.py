"""Read a framework file: YAML → typed model, every error located by file, line and field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from nsxkg.errors import InputError, Location
from nsxkg.frameworks.model import Framework, Loc, consistency_problems

LineMap = dict[Loc, int]


def framework_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise InputError.at(directory, "framework directory not found")
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))


def load_framework(path: Path) -> Framework:
    text = _read(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise InputError.at(path, f"malformed YAML: {err.problem or err}", line=line) from err
    lines = line_map(node) if node is not None else {}
    if not isinstance(data, dict):
        raise InputError.at(path, "expected a mapping with occupation, release, sources, "
                                  "mastery, … at the top level", line=1)
    try:
        framework = Framework.model_validate(data)
    except ValidationError as err:
        raise InputError([_located(path, lines, tuple(e["loc"]), _expected(e))
                          for e in err.errors()]) from err
    problems = consistency_problems(framework)
    if problems:
        raise InputError([_located(path, lines, loc, msg) for loc, msg in problems])
    stem = path.name.rsplit(".", 1)[0]
    if stem != framework.occupation.code:
        raise InputError.at(path, f"file is named {stem!r} but describes occupation "
                                  f"{framework.occupation.code!r}; name it "
                                  f"{framework.occupation.code}.yaml",
                            line=lines.get(("occupation", "code")), field="occupation.code")
    return framework


def line_map(node: yaml.Node, loc: Loc = ()) -> LineMap:
    """The 1-based line of every mapping key and sequence item, by its path."""
    lines: LineMap = {loc: node.start_mark.line + 1}
    for child_loc, child in _children(node, loc):
        lines.update(line_map(child, child_loc))
    return lines


def _children(node: yaml.Node, loc: Loc) -> Iterator[tuple[Loc, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield (*loc, str(key.value)), value
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield (*loc, i), item


def _located(path: Path, lines: LineMap, loc: Loc, message: str) -> tuple[Location, str]:
    probe = loc
    while probe and probe not in lines:
        probe = probe[:-1]
    field = ".".join(str(part) for part in loc) or None
    return Location(path, lines.get(probe), field), message


def _expected(error: Any) -> str:
    message = str(error["msg"])
    value = error.get("input")
    if error["type"] in ("missing",):
        return "required field is missing"
    if isinstance(value, dict | list):
        return message
    return f"{message}, got {value!r}"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise InputError.at(path, "file not found") from err
    except UnicodeDecodeError as err:
        raise InputError.at(path, f"not UTF-8 text ({err.reason} at byte {err.start})") from err
