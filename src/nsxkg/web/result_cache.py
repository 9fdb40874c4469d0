"""Answers remembered per build: the same query on the same immutable store has the same answer.

A served build never changes (a new one comes with a new state, and so a new cache), so an
answer computed once is right until the reload. Popular queries — a web page's own, a
dashboard polling, the example queries — are then answered without a worker, in the time it
takes to copy bytes. Bounded by the bytes held (least recently used dropped first); large
answers are not kept. Queries whose answer may differ between two evaluations are never
kept: SERVICE to another endpoint (its data may change) and the functions that read the clock
or draw random values. ``nsx:textSearch`` reads the build's own text index: it is kept.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from nsxkg.web.sparqltext import analyse, calls_out
from nsxkg.web.workers import Answer, Job

# Not the same answer twice: the clock, random numbers, fresh IRIs (and remote endpoints).
_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\b", re.IGNORECASE)
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
LARGEST_SHARE = 16  # an answer over 1/16 of the cache is not kept


class ResultCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, max_bytes)
        self._answers: OrderedDict[Job, Answer] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @staticmethod
    def cacheable(job: Job) -> bool:
        if _VOLATILE.search(job.query) is not None:
            return False
        return _SERVICE.search(job.query) is None or not calls_out(analyse(job.query))

    def get(self, job: Job) -> Answer | None:
        if not self.max_bytes:
            return None
        answer = self._answers.get(job)
        if answer is None:
            self.misses += 1
            return None
        self._answers.move_to_end(job)
        self.hits += 1
        return answer

    def put(self, job: Job, answer: Answer) -> None:
        size = len(answer.body)
        if (not self.max_bytes or size > self.max_bytes // LARGEST_SHARE
                or job in self._answers or not self.cacheable(job)):
            return
        self._answers[job] = answer
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, dropped = self._answers.popitem(last=False)
            self._bytes -= len(dropped.body)

    @property
    def size(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._answers)
