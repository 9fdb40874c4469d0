"""OpenLink Virtuoso's bulk loader, for `nsxkg publish`: the fast path for a first load.

Virtuoso loads RDF files that its own process can read (the directory must be listed in
``DirsAllowed`` of its ``virtuoso.ini``) with ``ld_add`` and ``rdf_loader_run``, run
through its SQL port with the ``isql`` client (Debian: ``isql-vt``). For each graph:
its triples are deleted (without transaction logging, as OpenLink recommends for large
deletes), the build's N-Quads file is registered, and then ``loaders`` loader sessions run
in parallel over the registered files; a ``checkpoint`` makes the result durable. Each
file's outcome and time are read back from ``DB.DBA.load_list``.

Not atomic: while a graph loads, a reader sees part of it. That is harmless for a first load
(the graph was not there before) and is why ``nsxkg publish`` replaces graphs that already
exist through the Graph Store Protocol instead, unless told ``--loader bulk``.

``isql`` takes the password as a command-line argument (it has no other way); it is visible
to other users of the publishing machine in the process list while the client runs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nsxkg.errors import NsxkgError
from nsxkg.progress import Progress, Quiet

ISQL_PROGRAMS = ("isql-vt", "isql")  # Debian's name first; OpenLink's own packages say isql
_SAFE = re.compile(r"[^'\\\n\r\x00]+")  # what may go between quotes in the SQL below
_MARK = "NSXKG|"


class VirtuosoError(NsxkgError):
    """The SQL port refused the login or a statement, or a file did not load."""


@dataclass(frozen=True)
class Isql:
    """Virtuoso's SQL port, reached with its command-line client."""

    address: str  # host:port, e.g. 127.0.0.1:1111
    user: str
    password: str
    program: str | None = None
    timeout: float = 3600.0

    def client(self) -> str:
        if self.program:
            return self.program
        for name in ISQL_PROGRAMS:
            found = shutil.which(name)
            if found:
                return found
        raise VirtuosoError("no Virtuoso isql client (isql-vt or isql) on PATH; install "
                            "Debian's virtuoso-opensource, or publish with --loader gsp")

    def command(self) -> list[str]:
        return [self.client(), self.address, self.user, self.password,
                "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF"]

    def run(self, script: str) -> str:
        """Run SQL statements (``;``-terminated lines); their output, or VirtuosoError."""
        try:
            done = subprocess.run(self.command(), input=script, capture_output=True,
                                  text=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as err:
            raise VirtuosoError(f"isql at {self.address}: no answer within "
                                f"{self.timeout:g} s") from err
        _raise_for_errors(self.address, done.returncode, done.stderr)
        return done.stdout

    def start(self, statement: str) -> subprocess.Popen[str]:
        """One statement in the background (``finish`` collects it): loaders in parallel."""
        return subprocess.Popen([*self.command(), f"exec={statement}"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def finish(self, process: subprocess.Popen[str]) -> None:
        try:
            _, stderr = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired as err:
            process.kill()
            raise VirtuosoError(f"isql at {self.address}: the bulk loader did not finish "
                                f"within {self.timeout:g} s") from err
        _raise_for_errors(self.address, process.returncode, stderr)


def _raise_for_errors(address: str, code: int, stderr: str) -> None:
    # isql exits 0 after a failed statement and reports it on stderr as "*** Error ...".
    errors = [line.strip() for line in stderr.splitlines() if line.startswith("*** Error")]
    if code != 0 or errors:
        detail = "; ".join(errors) or stderr.strip() or f"exit status {code}"
        raise VirtuosoError(f"isql at {address}: {detail}")


def sql_string(value: str, what: str) -> str:
    """``value`` as a quoted SQL literal. IRIs and paths of a build never hold quotes,
    backslashes or line breaks; refusing them beats guessing at Virtuoso's escapes."""
    if not _SAFE.fullmatch(value):
        raise VirtuosoError(f"{what} {value!r} holds a quote, backslash or line break, "
                            f"which this loader does not send to Virtuoso")
    return f"'{value}'"


@dataclass(frozen=True)
class Loaded:
    file: str
    seconds: float


def bulk_load(isql: Isql, graphs: Sequence[tuple[str, Path]], *, loaders: int = 2,
              progress: Progress | None = None) -> dict[str, Loaded]:
    """Replace each graph (IRI, N-Quads file as the server sees it) through the bulk
    loader. Returns each graph's file and load time; raises VirtuosoError naming every file
    that failed."""
    if not graphs:
        return {}
    bar = (progress or Quiet()).task(f"Virtuoso bulk loader: {len(graphs)} graphs",
                                     len(graphs), unit="graphs")
    loaded: dict[str, Loaded] = {}
    outcome = _load_round(isql, graphs, loaders)
    # Parallel loaders race to add a language tag or datatype both meet for the first time
    # (Virtuoso 7.2: "SR197: Non unique primary key on DB.DBA.RDF_LANGUAGE"), and the loser's
    # file is left unloaded: such files are loaded again, one loader alone. A file that fails
    # alone too has a real fault, reported below.
    again = [(iri, path) for iri, path in graphs if _failure(outcome, path)]
    if again and loaders > 1:
        outcome |= _load_round(isql, again, 1)
    failed: list[str] = []
    for iri, path in graphs:
        fault = _failure(outcome, path)
        if fault:
            failed.append(f"{path} (graph <{iri}>): {fault}")
            continue
        loaded[iri] = Loaded(str(path), int(outcome[str(path)][1] or 0) / 1000)
        bar.update(len(loaded))
    if failed:
        raise VirtuosoError("the Virtuoso bulk loader did not load " + "; ".join(failed)
                            + " (is the directory listed in DirsAllowed of virtuoso.ini, and "
                              "readable by the server?)")
    bar.finish()
    return loaded


def _load_round(isql: Isql, graphs: Sequence[tuple[str, Path]],
                loaders: int) -> dict[str, tuple[str, str, str]]:
    """Empty each graph, list its file and run ``loaders`` bulk loaders over the list: each
    file's (state, milliseconds, error) as DB.DBA.load_list records it."""
    files = {iri: sql_string(str(path), "file") for iri, path in graphs}
    iris = {iri: sql_string(iri, "graph IRI") for iri, _ in graphs}
    prepare = ["log_enable(3, 1);"]  # autocommit, no transaction log: large deletes
    for iri, file in files.items():
        prepare += [f"DELETE FROM DB.DBA.RDF_QUAD WHERE G = iri_to_id({iris[iri]});",
                    f"DELETE FROM DB.DBA.load_list WHERE ll_file = {file};",
                    f"ld_add({file}, {iris[iri]});"]
    isql.run("\n".join(prepare) + "\n")
    running = [isql.start("rdf_loader_run();")
               for _ in range(max(1, min(loaders, len(graphs))))]
    for process in running:
        isql.finish(process)
    isql.run("checkpoint;\n")
    listed = ", ".join(files.values())
    report = isql.run(
        f"SELECT concat('{_MARK}', ll_file, '|', cast(ll_state AS varchar), '|', "
        f"cast(datediff('millisecond', ll_started, ll_done) AS varchar), '|', "
        f"coalesce(ll_error, '')) FROM DB.DBA.load_list WHERE ll_file IN ({listed});\n")
    outcome: dict[str, tuple[str, str, str]] = {}
    for line in report.splitlines():
        if line.startswith(_MARK):
            file, state, millis, error = (line[len(_MARK):].split("|", 3) + ["", "", ""])[:4]
            outcome[file] = (state, millis, error.strip())
    return outcome


def _failure(outcome: dict[str, tuple[str, str, str]], path: Path) -> str | None:
    state, _, error = outcome.get(str(path), ("", "", "not in DB.DBA.load_list"))
    if state != "2" or error:
        return error or f"loader state {state}"
    return None
