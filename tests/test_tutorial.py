"""docs/tutorial.md, executed: every `$ ` command of its ```console blocks runs in order in a
scratch directory, and the output lines the page shows must appear (`…` matches anything).

The server the tutorial starts in the background gets a free port instead of 8000, and this
test stops it. The tutorial uses the framework files only, so it runs in seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from nsxkg.config import PROJECT_ROOT
from subprocess_server import stop_group

TUTORIAL = PROJECT_ROOT / "docs" / "tutorial.md"
PORT = "8000"


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)

    @property
    def background(self) -> bool:
        return self.command.rstrip().endswith("&")


def steps(text: str) -> list[Step]:
    """The commands of the ```console blocks with the output lines shown under each.

    A command continues on the next lines while it ends in a backslash or has an unclosed
    single quote (a query written out over several lines)."""
    found: list[Step] = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        current: Step | None = None
        open_command = False
        for line in block.splitlines():
            if open_command and current is not None:
                current.command += "\n" + line
            elif line.startswith("$ "):
                current = Step(line[2:])
                found.append(current)
            elif current is not None and line.strip():
                current.expected.append(line)
            open_command = current is not None and not current.expected and (
                current.command.endswith("\\") or current.command.count("'") % 2 == 1)
    return found


def _matches(expected: str, output: list[str]) -> bool:
    pieces = [re.escape(p) for p in expected.strip().split("…")]
    pattern = re.compile(".*".join(pieces))
    return any(pattern.search(line) for line in output)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NSXKG_")}
    env.update(NSXKG_SOURCES="", CI="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    return env


def _wait_until_serving(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the tutorial's server exited while starting"
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"the tutorial's server did not answer at {url}")


def test_tutorial_parses_into_the_documented_steps() -> None:
    found = steps(TUTORIAL.read_text(encoding="utf-8"))
    commands = [s.command.split()[0] + " " + s.command.split()[1] for s in found]
    for wanted in ("nsxkg build", "nsxkg validate", "nsxkg load", "nsxkg serve",
                   "nsxkg query", "nsxkg docs"):
        assert wanted in commands, wanted
    assert sum(s.command.startswith("curl") for s in found) >= 3
    assert [s.background for s in found].count(True) == 1
    multi = [s for s in found if "\n" in s.command]
    assert multi and "ORDER BY ?rank'" in multi[0].command
    assert multi[0].expected[0] == "rank,level,role"


@pytest.mark.skipif(shutil.which("curl") is None, reason="the tutorial uses curl")
def test_tutorial_runs_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "queries").symlink_to(PROJECT_ROOT / "queries")
    env = _environment(tmp_path)
    port = str(_free_port())
    background: list[subprocess.Popen[bytes]] = []
    try:
        for step in steps(TUTORIAL.read_text(encoding="utf-8")):
            command = re.sub(rf"\b{PORT}\b", port, step.command)
            if step.background:
                server = subprocess.Popen(["bash", "-c", command.rstrip().rstrip("&")],
                                          cwd=tmp_path, env=env, start_new_session=True,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                background.append(server)
                _wait_until_serving(f"http://127.0.0.1:{port}/sparql", server)
                continue
            done = subprocess.run(["bash", "-c", command], cwd=tmp_path,
                                  env=env, capture_output=True, text=True, timeout=300)
            output = (done.stdout + done.stderr).splitlines()
            shown = "\n".join(output[:40])
            assert done.returncode == 0, f"$ {command}\nexit {done.returncode}\n{shown}"
            for line in step.expected:
                line = re.sub(rf"\b{PORT}\b", port, line)
                assert _matches(line, output), f"$ {command}\nexpected: {line}\ngot:\n{shown}"
    finally:
        for server in background:  # only what this test started, by its process group
            stop_group(server)
