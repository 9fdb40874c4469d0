"""The soak (``bench/soak.py``) for 20 seconds instead of 10 minutes: a server on 127.0.0.1
under the mixed workload at concurrency 16 answers no 5xx, every bad request gets its 4xx,
and the memory figures are reported. Memory growth is not judged over 20 s (the 10-minute
run reports it); the figures are printed with ``-s``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support import Loaded

ROOT = Path(__file__).resolve().parents[1]


def test_twenty_second_soak(loaded: Loaded, tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--duration", "20", "--concurrency", "16",
         "--store-dir", str(loaded.settings.store_dir), "--work", str(tmp_path / "work"),
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["requests"] > 100
    assert "5xx or no answer" not in result["classes"], result["first_errors"]
    assert result["bad_requests_not_4xx"] == 0
    assert result["classes"]["4xx"] > 0  # the bad requests were in the mix
    kinds = {name.split(":")[0] for name in result["by_call"]}
    assert {"sparql", "canned", "dereference", "page-occupation", "search", "bad"} <= kinds
    rss = result["rss_mb"]
    assert 0 < rss["start"] <= rss["max"] and 0 < rss["end"] <= rss["max"]
