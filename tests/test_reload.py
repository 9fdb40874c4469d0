"""A running server picks up a newly loaded build without failing a request in flight:
``POST /admin/reload`` (loopback only) and ``SIGHUP`` to ``nsxkg serve``."""

from __future__ import annotations

import gc
import json
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from nsxkg.build import build
from nsxkg.sources.discover import SOC_DEFINITIONS
from nsxkg.store import current_build, load
from subprocess_server import COUNT, NSXKG, nsxkg_serve, sparql
from support import DATA, make_settings
from web.web_helpers import APPS, free_port, serve


def count(url: str) -> tuple[int, str]:
    status, headers, body = sparql(url, COUNT)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"]), headers["etag"]


def post(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=b"", method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two build directories: the frameworks (A), and the frameworks and a SOC excerpt (B)."""
    tmp = tmp_path_factory.mktemp("reload")
    first = make_settings(tmp / "a")
    build(first)
    sources = tmp / "sources"
    (sources / SOC_DEFINITIONS).parent.mkdir(parents=True)
    (sources / SOC_DEFINITIONS).write_bytes(
        (DATA / "sources" / "soc_definitions_excerpt.tsv").read_bytes())
    second = make_settings(tmp / "b", sources=sources)
    build(second)
    return first.build_dir, second.build_dir


class Client(threading.Thread):
    """Sends queries back to back and records every answer, until told to stop."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.stop = url, threading.Event()
        self.answers: list[tuple[int, int]] = []  # (status, count)
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                status, _, body = sparql(self.url, COUNT)
                n = int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) \
                    if status == 200 else -1
                self.answers.append((status, n))
            except Exception as err:  # a dropped connection is what this test looks for
                self.errors.append(repr(err))


def test_admin_reload_swaps_the_build_under_a_streaming_client(
        builds: tuple[Path, Path], tmp_path: Path) -> None:
    build_a, build_b = builds
    store_dir = tmp_path / "store"
    a = load(build_a, store_dir, require_valid=False)
    # One client sends back to back here: lift the per-client rate limit.
    settings = make_settings(tmp_path, store_dir=store_dir, pool_size=1, query_timeout=10.0,
                             client_rate=1e6, client_burst=10**6)
    with serve(settings) as server:
        before, etag_before = count(server.url)
        assert before == a.quads
        lifecycle = APPS[server.url].state.lifecycle
        old_pool = lifecycle.state.service
        # Once ready, what the served state holds is frozen out of the collector's sight.
        _until(lambda: gc.get_freeze_count() > 0)
        old_state = weakref.ref(lifecycle.state)
        workers = old_pool.live  # at least those that started (more may still be starting)
        status, body = post(server.url + "/admin/reload")
        assert status == 200 and not json.loads(body)["changed"]

        client = Client(server.url)
        client.start()
        try:
            time.sleep(0.5)
            b = load(build_b, store_dir, require_valid=False)
            assert b.quads > a.quads
            status, body = post(server.url + "/admin/reload")
            assert status == 200, body
            assert json.loads(body) == {"changed": True, "build": b.digest,
                                        "message": f"now serving build {b.digest[:16]}"}
            time.sleep(0.5)
        finally:
            client.stop.set()
            client.join(timeout=30)
        seen = Counter(client.answers)
        assert client.errors == []
        assert set(seen) == {(200, a.quads), (200, b.quads)}, seen
        # Once swapped, never the old build again.
        assert client.answers.index((200, b.quads)) > client.answers.index((200, a.quads))
        assert (200, a.quads) not in client.answers[client.answers.index((200, b.quads)):]
        after, etag_after = count(server.url)
        assert after == b.quads and etag_after != etag_before
        # The old workers were drained and closed; the new pool started all of its own before
        # the swap.
        deadline = time.monotonic() + 30
        while lifecycle._retired and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lifecycle._retired == []
        assert old_pool.live == 0 and lifecycle.state.service is not old_pool
        # ... and the state a reload replaced is not kept frozen: it is collected.
        del old_pool
        _until(lambda: (gc.collect(), old_state() is None)[1])
        assert gc.get_freeze_count() > 0
        assert lifecycle.state.service.live >= workers


def _until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within 30 s"
        time.sleep(0.1)


def test_reload_is_refused_from_elsewhere(builds: tuple[Path, Path],
                                          tmp_path: Path) -> None:
    build_a, build_b = builds
    store_dir = tmp_path / "store"
    load(build_a, store_dir, require_valid=False)
    settings = make_settings(tmp_path, store_dir=store_dir, pool_size=1)
    with serve(settings) as server:
        served = current_build(store_dir)
        load(build_b, store_dir, require_valid=False)
        for header in ("X-Forwarded-For", "Forwarded"):
            status, body = post(server.url + "/admin/reload", {header: "203.0.113.9"})
            assert status == 403, body
        assert APPS[server.url].state.nsxkg.build.path == served
        status, _ = post(server.url + "/admin/reload")
        assert status == 200
        assert APPS[server.url].state.nsxkg.build.path == current_build(store_dir)
        # Only POST reloads: a crawler following links cannot.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(server.url + "/admin/reload", timeout=30)
        assert refused.value.code == 405


# One process reloads itself; with --workers, uvicorn's parent replaces its processes one by
# one, each replacement serving before the process it replaces stops.
@pytest.mark.parametrize(("args", "trigger"), [((), "SIGHUP"), (("--workers", "2"), "SIGHUP"),
                                               ((), "nsxkg reload")],
                         ids=["SIGHUP", "SIGHUP --workers 2", "nsxkg reload"])
def test_a_signal_or_nsxkg_reload_reloads_nsxkg_serve(
        builds: tuple[Path, Path], tmp_path: Path, args: tuple[str, ...], trigger: str) -> None:
    build_a, build_b = builds
    store_dir = tmp_path / "store"
    a = load(build_a, store_dir, require_valid=False)
    with nsxkg_serve(store_dir, *args) as server:
        assert count(server.url)[0] == a.quads
        client = Client(server.url)
        client.start()
        try:
            b = load(build_b, store_dir, require_valid=False)
            if trigger == "SIGHUP":
                server.process.send_signal(signal.SIGHUP)
            else:
                port = server.url.rsplit(":", 1)[1]
                done = subprocess.run([str(NSXKG), "reload", "--port", port],
                                      capture_output=True, text=True, timeout=120)
                assert (done.returncode, done.stdout.strip()) == (
                    0, f"now serving build {b.digest[:16]}"), done.stderr
            deadline = time.monotonic() + 60
            while count(server.url)[0] != b.quads:
                assert time.monotonic() < deadline, "SIGHUP did not reload the server"
                time.sleep(0.1)
        finally:
            client.stop.set()
            client.join(timeout=30)
        assert client.errors == []
        assert {n for _, n in client.answers} <= {a.quads, b.quads}
        assert {status for status, _ in client.answers} == {200}
        assert server.process.poll() is None


def test_nsxkg_reload_without_a_server_is_an_error() -> None:
    done = subprocess.run([str(NSXKG), "reload", "--port", str(free_port())],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "/admin/reload: no server answered" in done.stderr
