"""Other engines as scratch processes on 127.0.0.1, for the tests and `make bench`: OpenLink
Virtuoso (Debian's ``virtuoso-opensource``) and ``oxigraph serve`` (the PyPI ``oxigraph``
wheel). Each gets its own directory, is waited for until it answers, and is stopped after.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.procs import free_port

VIRTUOSO = "virtuoso-t"
VSP = Path("/var/lib/virtuoso-opensource-7/vsp")  # the Debian package's HTTP root
OXIGRAPH = Path(sys.executable).with_name("oxigraph")

# What the scratch server differs from Debian's virtuoso.ini in: its own files, loopback
# only, the build directory readable by the bulk loader (DirsAllowed), no periodic
# checkpoints (the loader checkpoints itself), and result and time limits above the largest
# example query's.
INI = """\
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
[TempDatabase]
DatabaseFile    = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
DirsAllowed        = {dirs}
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty}
CheckpointInterval = 0
ThreadsPerQuery    = 2
[HTTPServer]
ServerPort    = 127.0.0.1:{http_port}
ServerRoot    = {vsp}
ServerThreads = 10
[SPARQL]
ResultSetMaxRows      = 1000000
MaxQueryExecutionTime = {query_seconds}
MaxQueryCostEstimationTime = 0
"""


@dataclass
class Virtuoso:
    endpoint: str  # SPARQL, http://127.0.0.1:PORT/sparql
    isql: str  # the SQL port, 127.0.0.1:PORT
    user: str = "dba"
    password: str = "dba"  # a scratch database's default login, on loopback only
    log: Path | None = None


def virtuoso_installed() -> bool:
    return shutil.which(VIRTUOSO) is not None and (
        shutil.which("isql-vt") is not None or shutil.which("isql") is not None)


@contextmanager
def virtuoso(work: Path, readable: list[Path], *, buffers: int = 20_000,
             query_seconds: int = 300, timeout: float = 120.0) -> Iterator[Virtuoso]:
    """A scratch Virtuoso in ``work`` (its database and ini), allowed to read the
    directories in ``readable``. ``buffers``: 8 KiB pages of cache (OpenLink suggests about
    two thirds of free memory for large loads: 340,000 for 4 GB). ``query_seconds``: its
    time limit per query (past it, Virtuoso sends a partial answer, marked by headers)."""
    db = work / "db"
    db.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = work / "virtuoso.ini"
    ini.write_text(INI.format(db=db, sql_port=sql_port, http_port=http_port,
                              dirs=", ".join(str(p.resolve()) for p in readable),
                              buffers=buffers, dirty=buffers * 3 // 4,
                              query_seconds=query_seconds,
                              vsp=VSP if VSP.is_dir() else work), encoding="utf-8")
    log = work / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([VIRTUOSO, "+configfile", str(ini), "+foreground"],
                                   cwd=work, stdout=out, stderr=subprocess.STDOUT)
    running = Virtuoso(f"http://127.0.0.1:{http_port}/sparql", f"127.0.0.1:{sql_port}",
                       log=db / "virtuoso.log")
    try:
        _wait(process, running.endpoint, timeout, log)
        yield running
    finally:
        _stop(process)


@contextmanager
def oxigraph_serve(location: Path | None, *, timeout: float = 60.0) -> Iterator[str]:
    """A real read-write ``oxigraph serve``; yields its base URL (``/query``, ``/store``)."""
    port = free_port()
    args = [str(OXIGRAPH), "serve", "--bind", f"127.0.0.1:{port}"]
    if location is not None:
        args += ["--location", str(location)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(process, f"{url}/query", timeout, None)
        yield url
    finally:
        _stop(process)


def _wait(process: subprocess.Popen[bytes], endpoint: str, timeout: float,
          log: Path | None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            detail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{endpoint}: the server exited ({process.returncode}) {detail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{endpoint}: no answer within {timeout:g} s")
        try:
            if httpx.get(endpoint, params={"query": "ASK {}"}, timeout=2).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
