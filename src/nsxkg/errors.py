"""Domain errors and the one place they map to CLI exit codes.

Exit codes follow pySHACL's convention: 0 success/conforms, 1 does not conform,
2 error (bad input, bad query, I/O).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_NONCONFORMANT = 1
EXIT_ERROR = 2


class NsxkgError(Exception):
    """Base class; every subclass is a user-facing error with a clear message."""

    exit_code = EXIT_ERROR


@dataclass(frozen=True)
class Location:
    """Where in an input something is wrong: file, line or row, and field."""

    file: Path | str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = [str(self.file)]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts)


class InputError(NsxkgError):
    """Bad input data. Carries one or more located problems."""

    def __init__(self, problems: list[tuple[Location, str]]):
        self.problems = problems
        super().__init__(self.render())

    @classmethod
    def at(cls, file: Path | str, message: str, line: int | None = None,
           field: str | None = None) -> InputError:
        return cls([(Location(file, line, field), message)])

    def render(self) -> str:
        return "\n".join(f"{loc}: {msg}" for loc, msg in self.problems)

    def __reduce__(self) -> tuple[object, ...]:
        # Raised in a build's worker process and re-raised in the build: pickled whole.
        return (type(self), (self.problems,))


class RowError(InputError):
    """A malformed row in a tabular source release (row numbers count the header as row 1)."""

    def __init__(self, file: Path | str, row: int, column: str | None, message: str):
        self.file, self.row, self.column = file, row, column
        super().__init__([(Location(file, row, column), message)])

    def render(self) -> str:
        col = f", column {self.column!r}" if self.column else ""
        return f"{self.file}: row {self.row}{col}: {self.problems[0][1]}"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.file, self.row, self.column, self.problems[0][1]))


class QueryError(NsxkgError):
    """A SPARQL query that cannot be parsed or run."""


class StoreError(NsxkgError):
    """The store is missing, or a build was not validated before loading."""


class NotConformant(NsxkgError):
    exit_code = EXIT_NONCONFORMANT
