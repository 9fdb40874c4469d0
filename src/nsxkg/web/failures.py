"""Why a query was not answered: one exception type per kind of failure, each with its status.

The query path (``service.py``) and the worker processes (``workers.py``) raise these; the
routes turn any of them into a response with :attr:`QueryError.status` and the message, and
code that must tell kinds apart (the lanes: a query that outran its lane's limit against a
lane that stayed busy) tests the type, never the text. They cross the worker pipe pickled.
"""

from __future__ import annotations

from typing import ClassVar


class QueryError(Exception):
    """The query could not be answered; the message says why, for the person who sent it."""

    status: ClassVar[int] = 500
    retry_after: ClassVar[int | None] = None  # seconds, for a Retry-After header

    def __init__(self, message: str):
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self.args[0])


class BadQuery(QueryError):
    """Not a query this endpoint can run: a syntax or evaluation error, nesting too deep."""

    status = 400


class Forbidden(QueryError):
    """An update, or SERVICE to an endpoint not on the allow-list."""

    status = 403


class NotAcceptable(QueryError):
    """The result's kind (results or a graph) has no format the client accepts."""

    status = 406


class TooLong(QueryError):
    """The query text is over the length limit."""

    status = 413


class TooLarge(QueryError):
    """The result is over the row (or triple) limit: refused rather than cut short."""

    status = 422


class TimedOut(QueryError):
    """The query ran past its lane's time limit and its worker was ended."""

    status = 503
    retry_after = 5


class Busy(QueryError):
    """No worker came free in time."""

    status = 503
    retry_after = 5


class Unavailable(QueryError):
    """No worker could open the store."""

    status = 503
    retry_after = 5


class WorkerDied(QueryError):
    """The worker process ended while it held the query (a bug or the machine, never the
    query's shape: see ``workers.py`` on stack depth)."""

    status = 500


class Internal(QueryError):
    """An unexpected error inside a worker, reported rather than lost."""

    status = 500
