"""Read framework files: YAML → typed model, every error located by file, line and field.

Layout of a frameworks directory::

    reference.yaml                 the shared reference data (sources, durable-skill domains)
    <O*NET-SOC code>/<version>.yaml  one release of one occupation's framework

A release file must sit in the folder named after its occupation code and be named after
its version, so a second release of a framework is a second file beside the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from nsxkg.errors import InputError, Location
from nsxkg.frameworks.model import (
    Framework,
    Loc,
    Reference,
    consistency_problems,
    reference_problems,
)

LineMap = dict[Loc, int]
M = TypeVar("M", bound=BaseModel)

REFERENCE = "reference.yaml"
SUFFIXES = (".yaml", ".yml")
# libyaml when the platform has it, and no implicit typing in the parser (see read_yaml): a
# thousand release files parse in seconds, not minutes.
_Loader: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


@dataclass(frozen=True)
class LoadedRelease:
    """A release file, read: the model, where it was read from, and the line of every field."""

    framework: Framework
    path: Path
    lines: LineMap = field(repr=False)

    def where(self, loc: Loc) -> str:
        """'file, line N (a.b.c)' for a location of this file (its nearest located parent)."""
        return f"{self.path}, line {line_of(self.lines, loc)} ({'.'.join(map(str, loc))})"


def framework_files(directory: Path) -> list[Path]:
    """The release files of a frameworks directory, in (code, version) order."""
    if not directory.is_dir():
        raise InputError.at(directory, "framework directory not found")
    misplaced = sorted(p for p in directory.iterdir()
                       if p.suffix in SUFFIXES and p.name != REFERENCE)
    if misplaced:
        raise InputError([(Location(p), "a release file belongs in <code>/<version>.yaml (one "
                                        "folder per occupation, one file per release); move "
                                        "it there") for p in misplaced])
    return sorted(p for p in directory.glob("*/*") if p.suffix in SUFFIXES and p.is_file())


def reference_path(directory: Path) -> Path:
    return directory / REFERENCE


def load_reference(path: Path) -> Reference:
    data, lines = read_yaml(path)
    return _validated(Reference, data, path, lines, "sources, durable_domains")


def load_framework(path: Path, reference: Reference | None = None) -> Framework:
    return read_release(path, reference).framework


def read_release(path: Path, reference: Reference | None = None) -> LoadedRelease:
    """Read one release file; ``reference`` defaults to the reference file of its directory."""
    data, lines = read_yaml(path)
    framework = _validated(Framework, data, path, lines,
                           "occupation, release, sources, mastery, …")
    problems = consistency_problems(framework)
    if reference is None:
        reference = load_reference(reference_path(path.parent.parent))
    problems += reference_problems(framework, reference)
    if problems:
        raise InputError([_located(path, lines, loc, msg) for loc, msg in problems])
    code, version = framework.occupation.code, framework.release.version
    if path.parent.name != code or path.stem != version:
        where = ("occupation", "code") if path.parent.name != code else ("release", "version")
        raise InputError([_located(
            path, lines, where,
            f"this release of {code} version {version} must be at {code}/{version}"
            f"{path.suffix} in the frameworks directory, not {path.parent.name}/{path.name}")])
    return LoadedRelease(framework, path, lines)


def read_yaml(path: Path) -> tuple[Any, LineMap]:
    """The data of a YAML file and the line of every key and item, from one parse.

    Scalars are typed by the YAML 1.2 core schema (plain true/false, null or ~, integers and
    floats; everything else, dates included, is a string): the model says what each field
    is, and YAML 1.1's yes/no booleans and timestamps only got in the way of its patterns.
    """
    text = _read(path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise InputError.at(path, f"malformed YAML: {err.problem or err}", line=line) from err
    except yaml.YAMLError as err:
        raise InputError.at(path, f"malformed YAML: {err}") from err
    finally:
        loader.dispose()
    lines: LineMap = {}
    data = _value(node, (), lines, path) if node is not None else None
    return data, lines


_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


def _value(node: yaml.Node, loc: Loc, lines: LineMap, path: Path) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in out:
                raise InputError.at(path, f"key {name!r} appears twice in this mapping",
                                    line=key.start_mark.line + 1,
                                    field=".".join(map(str, (*loc, name))))
            out[name] = _value(value, (*loc, name), lines, path)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_value(item, (*loc, i), lines, path) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    value: str = node.value
    if getattr(node, "style", None):  # quoted or block: always a string
        return value
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    return value


def _validated(model: type[M], data: Any, path: Path, lines: LineMap, top: str) -> M:
    if not isinstance(data, dict):
        raise InputError.at(path, f"expected a mapping with {top} at the top level", line=1)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InputError([_located(path, lines, tuple(e["loc"]), _expected(e))
                          for e in err.errors()]) from err


def line_of(lines: LineMap, loc: Loc) -> int | None:
    probe = loc
    while probe and probe not in lines:
        probe = probe[:-1]
    return lines.get(probe)


def _located(path: Path, lines: LineMap, loc: Loc, message: str) -> tuple[Location, str]:
    field_name = ".".join(str(part) for part in loc) or None
    return Location(path, line_of(lines, loc), field_name), message


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
