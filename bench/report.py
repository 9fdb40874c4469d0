"""The printed table of a benchmark run (the JSON holds everything; this is the summary)."""

from __future__ import annotations

from typing import Any


def _rows(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                       for i, (c, w) in enumerate(zip(row, widths, strict=True)))
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def table(results: dict[str, Any]) -> str:
    parts = [f"machine: {results['machine']['cpus']} CPUs, load average at start "
             f"{results['machine']['load_average'][0]:.2f} (shared: figures are noisy)"]
    for key in ("build", "subset_build"):
        build = results.get(key)
        if not build:
            continue
        rows = [[step, f"{s['seconds']:.1f}", f"{s['peak_rss_mb']:.0f}"]
                for step, s in build["steps"].items()]
        rows.append(["total", f"{build['total_seconds']:.1f}", f"{build['peak_rss_mb']:.0f}"])
        parts.append(f"\n{key.replace('_', ' ')}: {build['triples']:,} triples in "
                     f"{len(build['graphs'])} graphs ({build['sources'] or 'framework only'})\n"
                     + _rows(["step", "seconds", "peak RSS MB"], rows))
    for label, systems in results.get("serving", {}).items():
        rows = []
        for name, entry in systems.items():
            if not isinstance(entry, dict) or "startup_seconds" not in entry:
                continue
            for key, summary in entry.items():
                if not key.startswith("c") or key == "check":
                    continue
                a = summary["all"]
                rows.append([name, key[1:], f"{a['ok_rps']:.1f}", f"{a['p50']:.1f}",
                             f"{a['p95']:.1f}", f"{a['p99']:.1f}", str(a["errors"]),
                             f"{a.get('server_cpu_ms_per_request', 0):.2f}",
                             f"{entry['startup_seconds']:.2f}"])
        parts.append(f"\nserving, {label} graph ({systems.get('triples', 0):,} triples), "
                     f"query mix:\n" + _rows(
                         ["system", "c", "answered/s", "p50 ms", "p95 ms", "p99 ms",
                          "errors", "CPU ms/q", "ready s"], rows))
        if systems.get("excluded"):
            parts.append("left out of this mix (failed or slower than the limit on the "
                         "reference): " + ", ".join(
                             f"{q} ({v['ms']:.0f} ms, HTTP {v['status']})"
                             for q, v in systems["excluded"].items()))
        per_query = []
        for name, entry in systems.items():
            if not isinstance(entry, dict) or "startup_seconds" not in entry:
                continue
            top = max((k for k in entry if k.startswith("c") and k != "check"),
                      key=lambda k: int(k[1:]), default=None)
            if top is None:
                continue
            for query, s in entry[top].items():
                if query != "all":
                    per_query.append([f"{name} {top.replace('c', 'c=')}", query,
                                      f"{s['rps']:.1f}", f"{s['p50']:.1f}", f"{s['p99']:.1f}",
                                      str(s["errors"]),
                                      str(entry["check"].get(query, {}).get("results"))])
        if per_query:
            parts.append(_rows(["system", "query", "q/s", "p50 ms", "p99 ms", "errors",
                                "results"], per_query))
        nsxkg = systems.get("nsxkg")
        if isinstance(nsxkg, dict) and "linked_data" in nsxkg:
            rows = [[name, f"{s['rps']:.1f}", f"{s['p50']:.1f}", f"{s['p99']:.1f}",
                     str(s["errors"])] for name, s in nsxkg["linked_data"].items()]
            client = nsxkg["linked_data"].get("all", {}).get("client", "httpx")
            parts.append(f"\nlinked data, nsxkg, c=8 (client: {client}):\n" +
                         _rows(["document", "req/s", "p50 ms", "p99 ms", "errors"], rows))
    if results.get("ratios"):
        parts.append("\nthroughput ratios (same run): " + ", ".join(
            f"{k} = {v:.2f}" for k, v in results["ratios"].items()))
    return "\n".join(parts)
