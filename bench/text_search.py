"""``make bench`` block ``text_search``: full-text search through nsxkg's endpoint.

The target (issue 15): a text search joined with the rest of a query answers in well under a
second on the full build. Three shapes, each request with other words (and, for the join,
another O*NET element), as researchers would send them:

* ``search``: the best 20 matches anywhere, with relevance and snippet;
* ``join``: tasks matching a prefix, of the occupations whose importance on an element is at
  least 4 in O*NET 29.3 (the shape of ``queries/examples/text-search-negotiation-tasks.rq``);
* ``page``: the ``/search`` page (names and the first twenty text matches).

Every request carries a comment of its own, so nsxkg's answer cache never answers it: the
index and the engine are measured. Also recorded: how long ``nsxkg load`` spent making the
index (its log says "text index: N literals in S s").
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

from bench.loadgen import Call, closed_loop, first_errors, summarise

SEARCHES = ("negotiat*", "customer service", '"quality control"', "budget OR forecast*",
            "safety -food", "software", "teach* OR train*", "patient*", "repair* AND engine*",
            "artificial intelligence", "nurs*", "data analy*", "contract*", "schedul*",
            "(sales OR marketing) manag*", "inspect*", "legal", "clean*", "design*",
            "emergenc*")
# (element, the words its tasks are searched for): Negotiation, Persuasion, Speaking,
# Writing, Instructing, Service Orientation, Critical Thinking, Judgment and Decision Making.
JOINS = (("2.B.1.d", "negotiat*"), ("2.B.1.c", "persua* OR convinc*"), ("2.A.1.d", "present*"),
         ("2.A.1.c", "report* OR document*"), ("2.B.1.e", "train* OR instruct*"),
         ("2.B.1.f", "customer*"), ("2.A.2.a", "analy*"), ("2.B.4.e", "decid* OR decision*"))
PREFIXES = """PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
ACCEPT = {"Accept": "application/sparql-results+json"}


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_query(words: str, n: int) -> str:
    return PREFIXES + f"""SELECT ?s ?text ?score ?snippet WHERE {{
  SERVICE nsx:textSearch {{ ?s nsx:searchQuery {_literal(words)} ; nsx:searchLimit 20 ;
    nsx:matchedText ?text ; nsx:relevance ?score ; nsx:snippet ?snippet }}
}} ORDER BY DESC(?score) # {n}"""


def join_query(element: str, words: str, n: int) -> str:
    return PREFIXES + f"""SELECT DISTINCT ?code ?importance ?task WHERE {{
  {{ SELECT ?occupation ?importance WHERE {{
      GRAPH <https://w3id.org/nsxkg/graph/onet/29.3> {{
        ?rating nsx:element <https://w3id.org/nsxkg/id/element/{element}> ;
                nsx:ratingScale <https://w3id.org/nsxkg/id/onet-scale/IM> ;
                nsx:occupation ?occupation ; nsx:dataValue ?importance . }}
      FILTER(?importance >= 4) }} }}
  SERVICE nsx:textSearch {{ ?t nsx:searchQuery {_literal(words)} ; nsx:searchClass nsx:Task ;
                            nsx:matchedText ?task }}
  ?t nsx:occupation ?occupation . ?occupation skos:notation ?code .
}} # {n}"""


def calls(base_url: str, count: int = 2000) -> list[Call]:
    out: list[Call] = []
    for n in range(count):
        shape = n % 3
        if shape == 0:
            out.append(Call("search", "GET", f"{base_url}/sparql",
                            {"query": search_query(SEARCHES[n % len(SEARCHES)], n)}, ACCEPT))
        elif shape == 1:
            element, words = JOINS[n % len(JOINS)]
            out.append(Call("join", "GET", f"{base_url}/sparql",
                            {"query": join_query(element, words, n)}, ACCEPT))
        else:  # a page has no cache: the words alone vary it
            out.append(Call("page", "GET", f"{base_url}/search",
                            {"q": SEARCHES[n % len(SEARCHES)], "page": str(1 + n % 3)}))
    return out


def measure(base_url: str, duration: float, concurrencies: tuple[int, ...] = (1, 4)
            ) -> dict[str, Any]:
    """Closed-loop latency of the three shapes at each concurrency (Python client: these
    queries take milliseconds to tens of milliseconds, well within what it measures)."""
    out: dict[str, Any] = {}
    work = calls(base_url)
    for concurrency in concurrencies:
        begin = time.perf_counter()
        samples = asyncio.run(closed_loop(work, concurrency, duration))
        summary: dict[str, Any] = summarise(samples, time.perf_counter() - begin)
        errors = first_errors(samples)
        if errors:
            summary["all"]["first_errors"] = errors
        out[f"c{concurrency}"] = summary
    return out


def indexing(load_log: Path) -> dict[str, Any] | None:
    """What ``nsxkg load`` reported about the text index, from its log."""
    try:
        text = load_log.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    found = re.search(r"text index: ([0-9,]+) literals in ([0-9.]+) s", text)
    if found is None:
        return None
    return {"literals": int(found.group(1).replace(",", "")), "seconds": float(found.group(2))}


def line(block: dict[str, Any]) -> str:
    """One line for the printed summary."""
    parts = []
    index = block.get("indexing")
    if index:
        parts.append(f"index {index['literals']:,} literals in {index['seconds']:.1f} s")
    for key, summary in block.get("serving", {}).items():
        for shape in ("search", "join", "page"):
            s = summary.get(shape)
            if s:
                parts.append(f"{shape} {key}: p50 {s['p50']:.0f} / p95 {s['p95']:.0f} ms")
    return "text search: " + "; ".join(parts)
