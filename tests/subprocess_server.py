"""`nsxkg serve` as a real process on 127.0.0.1 (for signals, --workers and several servers
over one store), started by a test and stopped after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from web.web_helpers import free_port

NSXKG = Path(sys.executable).with_name("nsxkg")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@dataclass
class Running:
    url: str
    process: subprocess.Popen[bytes]


def get(url: str, accept: str = "application/sparql-results+json",
        timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def sparql(url: str, query: str) -> tuple[int, dict[str, str], bytes]:
    return get(f"{url}/sparql?{urllib.parse.urlencode({'query': query})}")


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started in its own session: SIGTERM to the group reaches uvicorn's
    processes and query workers; SIGKILL if they have not gone within 20 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def nsxkg_serve(store_dir: Path, *args: str, pool_size: int = 1,
                port: int | None = None) -> Iterator[Running]:
    """``port``: a given one, to start a replica again where a balancer expects it."""
    port = port or free_port()
    # Tests here send queries back to back from one address: lift the per-client limits.
    env = {**os.environ, "NSXKG_POOL_SIZE": str(pool_size), "NSXKG_QUERY_TIMEOUT": "10",
           "NSXKG_CLIENT_RATE": "1000", "NSXKG_CLIENT_BURST": "1000",
           "NSXKG_CLIENT_CONCURRENCY": "64"}
    process = subprocess.Popen(
        [str(NSXKG), "serve", "--store-dir", str(store_dir), "--port", str(port), *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr \
                else "the server exited"
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            try:
                if sparql(url, "ASK {}")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        yield Running(url, process)
    finally:
        stop_group(process)
        if process.stderr:
            process.stderr.close()
