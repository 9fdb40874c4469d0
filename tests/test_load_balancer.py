"""Replicas behind a real load balancer (docs/deployment.md): two `nsxkg serve` processes, each
over its own copy of one loaded build, behind HAProxy run with `deploy/haproxy.cfg` as
shipped. Load goes through the balancer while one replica is killed with SIGKILL and started
again, and while both are restarted one by one onto a new build: no request may fail.

HAProxy is Debian's package; `make test` installs it when missing (`make server-deps`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from nsxkg.build import build
from nsxkg.config import PROJECT_ROOT
from nsxkg.sources.discover import SOC_DEFINITIONS
from nsxkg.store import load
from subprocess_server import Running, nsxkg_serve, stop_group
from support import DATA, Loaded, make_settings
from web.web_helpers import free_port

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
CONFIG = PROJECT_ROOT / "deploy" / "haproxy.cfg"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module", autouse=True)
def _haproxy_installed() -> None:
    if not Path(HAPROXY).exists():
        pytest.fail("haproxy is not installed: `make test` installs it (make server-deps), "
                    "or apt-get install haproxy")


# -- the balancer and its replicas --------------------------------------------------------------


@dataclass
class Balancer:
    url: str
    socket: Path
    process: subprocess.Popen[bytes]

    def admin(self, command: str) -> str:
        """One command on HAProxy's admin socket (what `socat` would send)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.socket))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server(self, name: str) -> dict[str, str]:
        """A replica's row of `show stat`: its status (UP, DOWN, DRAIN…) and sessions."""
        lines = self.admin("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "replicas" and row.get("svname") == name:
                return row
        raise AssertionError(f"no server {name} in {lines}")


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@contextmanager
def haproxy(replicas: list[int], tmp: Path) -> Iterator[Balancer]:
    port = free_port()
    env = {**os.environ, "NSXKG_LB_BIND": f"127.0.0.1:{port}",
           "NSXKG_LB_SOCKET": str(tmp / "haproxy.sock")}
    for number, replica in enumerate(replicas, start=1):
        env[f"NSXKG_REPLICA_{number}"] = f"127.0.0.1:{replica}"
    check = subprocess.run([HAPROXY, "-c", "-f", str(CONFIG)], env=env, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    process = subprocess.Popen([HAPROXY, "-db", "-f", str(CONFIG)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    balancer = Balancer(f"http://127.0.0.1:{port}", tmp / "haproxy.sock", process)
    try:
        wait_for(lambda: balancer.socket.exists(), "haproxy's admin socket")
        for number in range(1, len(replicas) + 1):
            wait_for(lambda n=number: balancer.server(f"r{n}")["status"] == "UP",  # type: ignore[misc]
                     f"replica r{number} to pass its health check")
        yield balancer
    finally:
        stop_group(process)
        if process.stderr:
            process.stderr.close()


def replica_store(store_dir: Path, target: Path) -> Path:
    """A copy of a loaded store, as a replica on another machine would hold it."""
    return Path(shutil.copytree(store_dir, target, symlinks=True))


# -- load through the balancer ------------------------------------------------------------------


@dataclass
class Load:
    """Clients sending varied read requests back to back until stopped; every answer that is
    not a 200 with a body, and every transport error, counts as failed."""

    url: str
    clients: int = 4
    sent: int = 0
    failed: list[str] = field(default_factory=list)
    served_by: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)  # COUNT(*) answers seen
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Answers cut off mid-body by the kill (kept apart from the failures above).
    cut: list[str] = field(default_factory=list)

    def requests(self, client: int) -> Iterator[tuple[str, str, dict[str, str]]]:
        n = 0
        while True:
            n += 1
            # A comment makes each query text new, so it reaches a query worker rather than
            # the per-build answer cache.
            yield "GET", "/sparql", {"query": f"{COUNT} # {client}.{n}"}
            yield "POST", "/sparql", {"query": f"ASK {{ ?s a ?type }} # {client}.{n}"}
            yield "GET", "/api/queries/statements-at-level", {"rank": str(n % 4 + 1)}
            yield "GET", "/doc/occupation/11-2022.00", {}
            yield "GET", "/health", {}

    def _run(self, client: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            for method, path, params in self.requests(client):
                if self._stop.is_set():
                    return
                try:
                    if method == "POST":
                        response = http.post(path, data=params,
                                             headers={"Accept": "application/sparql-results+json"})
                    else:
                        response = http.get(path, params=params,
                                            headers={"Accept": "application/sparql-results+json"
                                                     if "sparql" in path or "api" in path
                                                     else "text/turtle"})
                    problem = None if response.status_code == 200 and response.content \
                        else f"{method} {path}: HTTP {response.status_code} {response.text[:200]}"
                except httpx.RemoteProtocolError as err:
                    response, problem = None, f"{method} {path}: {type(err).__name__}: {err}"
                    if "without sending complete message body" in str(err):
                        # The replica died while its answer was on the way: the head had
                        # reached the client, so no balancer can send the request again.
                        with self._lock:
                            self.sent += 1
                            self.cut.append(problem)
                        continue
                except httpx.HTTPError as err:
                    response, problem = None, f"{method} {path}: {type(err).__name__}: {err}"
                with self._lock:
                    self.sent += 1
                    if problem:
                        self.failed.append(problem)
                    elif response is not None:
                        self.served_by[response.headers.get("x-served-by", "?")] += 1
                        if path == "/sparql" and method == "GET":
                            row = response.json()["results"]["bindings"][0]
                            self.counts[row["n"]["value"]] += 1

    @contextmanager
    def running(self) -> Iterator[Load]:
        threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                   for i in range(self.clients)]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            for thread in threads:
                thread.join(timeout=60)

    def mark(self) -> tuple[int, Counter[str]]:
        with self._lock:
            return self.sent, Counter(self.served_by)

    def report(self) -> str:
        return (f"{self.sent} requests sent through the balancer, {len(self.failed)} failed, "
                f"{len(self.cut)} cut off mid-answer by the kill; answered by "
                f"{dict(self.served_by)}")


# -- the tests --------------------------------------------------------------------------------


def test_a_replica_killed_mid_run_costs_no_request(loaded: Loaded, tmp_path: Path) -> None:
    stores = [replica_store(loaded.settings.store_dir, tmp_path / f"replica{i}") for i in (1, 2)]
    ports = [free_port(), free_port()]
    with ExitStack() as stack:
        replicas: list[Running] = [stack.enter_context(nsxkg_serve(s, port=p))
                                   for s, p in zip(stores, ports, strict=True)]
        balancer = stack.enter_context(haproxy(ports, tmp_path))
        load_ = Load(balancer.url)
        with load_.running():
            wait_for(lambda: load_.sent >= 100, "traffic through the balancer")
            before, _ = load_.mark()
            # A crash: the whole replica, server and query workers, gone at once.
            os.killpg(replicas[0].process.pid, signal.SIGKILL)
            replicas[0].process.wait()
            wait_for(lambda: balancer.server("r1")["status"] == "DOWN", "r1 marked down")
            wait_for(lambda: load_.sent >= before + 200, "traffic while r1 is down")
            # Back where the balancer expects it, on the same copy of the build.
            stack.enter_context(nsxkg_serve(stores[0], port=ports[0]))
            wait_for(lambda: balancer.server("r1")["status"] == "UP", "r1 back up")
            sent, served = load_.mark()
            wait_for(lambda: load_.mark()[1]["r1"] > served["r1"] + 20,
                     "r1 answering again through the balancer")
        print(load_.report())
        assert load_.sent > 300, load_.report()
        assert load_.failed == [], f"{load_.report()}: {load_.failed[:5]}"
        # Only an answer already under way when its replica was killed may be lost: at most
        # one per client, all at the moment of the kill.
        assert len(load_.cut) <= load_.clients, f"{load_.report()}: {load_.cut[:5]}"
        assert set(load_.served_by) == {"r1", "r2"}
        # One build: one answer, whichever replica gave it.
        assert len(load_.counts) == 1, load_.counts

        # Same resource, same validators, from either replica, directly or through the balancer.
        for path in ("/doc/occupation/11-2022.00", f"/sparql?query={COUNT}"):
            tags = {httpx.get(f"http://127.0.0.1:{port}{path}").headers["etag"]
                    for port in ports}
            tags |= {httpx.get(balancer.url + path).headers["etag"] for _ in range(4)}
            assert len(tags) == 1, (path, tags)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The frameworks (A), and the frameworks and a SOC excerpt (B): one more graph."""
    tmp = tmp_path_factory.mktemp("rolling")
    first = make_settings(tmp / "a")
    build(first)
    sources = tmp / "sources"
    (sources / SOC_DEFINITIONS).parent.mkdir(parents=True)
    shutil.copy(DATA / "sources" / "soc_definitions_excerpt.tsv", sources / SOC_DEFINITIONS)
    second = make_settings(tmp / "b", sources=sources)
    build(second)
    return first.build_dir, second.build_dir


def test_a_rolling_restart_onto_a_new_build_drops_nothing(two_builds: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    build_a, build_b = two_builds
    stores = [tmp_path / f"replica{i}" for i in (1, 2)]
    quads_a = [load(build_a, store, require_valid=False).quads for store in stores][0]
    ports = [free_port(), free_port()]
    with ExitStack() as stack:
        replicas = [stack.enter_context(nsxkg_serve(s, port=p))
                    for s, p in zip(stores, ports, strict=True)]
        balancer = stack.enter_context(haproxy(ports, tmp_path))
        load_ = Load(balancer.url)
        # Each replica's machine loads the new build beside the one it serves.
        quads_b = [load(build_b, store, require_valid=False).quads for store in stores][0]
        assert quads_b > quads_a
        with load_.running():
            wait_for(lambda: load_.sent >= 100, "traffic through the balancer")
            for number, (store, port) in enumerate(zip(stores, ports, strict=True), start=1):
                name = f"r{number}"
                # The procedure of docs/deployment.md: drain, wait for its requests to end,
                # stop it, start it on the new build, let the health check bring it back.
                balancer.admin(f"set server replicas/{name} state drain")
                wait_for(lambda n=name: balancer.server(n)["scur"] == "0",  # type: ignore[misc]
                         f"{name} drained")
                stop_group(replicas[number - 1].process)
                replicas[number - 1] = stack.enter_context(nsxkg_serve(store, port=port))
                balancer.admin(f"set server replicas/{name} state ready")
                wait_for(lambda n=name: balancer.server(n)["status"] == "UP",  # type: ignore[misc]
                         f"{name} up on the new build")
                sent, _ = load_.mark()
                wait_for(lambda s=sent: load_.sent >= s + 100, "traffic after the restart")
            final, _ = load_.mark()
            load_.counts.clear()
            wait_for(lambda: load_.sent >= final + 100, "traffic on the new build")
        print(load_.report())
        assert load_.failed == [], f"{load_.report()}: {load_.failed[:5]}"
        # After the roll, every answer comes from the new build.
        assert set(load_.counts) == {str(quads_b)}, load_.counts
        tags = {httpx.get(f"http://127.0.0.1:{port}/doc/occupation/11-2022.00")
                .headers["etag"] for port in ports}
        assert len(tags) == 1
