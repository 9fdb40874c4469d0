"""Two lanes of query workers, so that cheap queries never queue behind runaway ones.

Measured (bench/runaway.py, framework graph, pool of 2, timeout 5 s): with 8 runaway queries
in flight every worker was held by one, and a one-row ASK waited for the whole timeout
(503 after 5 s). Nothing tells a runaway from a lookup before it runs, so the pool learns it:

* the main lane is ``pool_size`` workers with the full timeout, as before;
* the express lane is ``express_workers`` more, each query there cut at ``express_budget``
  seconds. A request takes the express lane only when no main worker is idle and its client
  has not sent a slow query lately;
* a query stopped at its lane's limit (the budget, or the timeout on the main lane) marks
  its client *heavy* for ``HEAVY_FOR`` seconds; one stopped on the express lane is run again
  on the main lane (it is not refused: it loses at most the budget). A heavy client's
  queries take the main lane only, so runaways end up holding main workers while the
  express lane stays free for everyone else.

The client is the address the request came from (set by ``limits.RequestLimits``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path

from nsxkg.web.result_cache import ResultCache
from nsxkg.web.workers import Answer, Job, QueryFailed, WorkerPool

# The client address of the request being served (set by the limits middleware).
CLIENT: ContextVar[str] = ContextVar("nsxkg_client", default="unknown")
MAIN_NICENESS = 10  # CPU priority of the main lane's workers (the server and express: 0)
HEAVY_FOR = 60.0  # seconds a client stays heavy after a query outran the express budget
_PRUNE_AT = 4096


class LanedPool(WorkerPool):
    """A :class:`WorkerPool` (the main lane) with an express lane beside it."""

    def __init__(self, store_path: Path, size: int, timeout: float, *, express: int,
                 budget: float, cache_bytes: int = 0,
                 clock: Callable[[], float] = time.monotonic):
        # Runaways end up on the main lane and keep both cores busy until the timeout; at a
        # lower CPU priority they leave the server process and the express lane the CPU
        # they need to answer lookups at once.
        super().__init__(store_path, size, timeout, niceness=MAIN_NICENESS)
        self.express = WorkerPool(store_path, express, budget) if express > 0 else None
        self.budget = budget
        self.cache = ResultCache(cache_bytes)
        self._clock = clock
        self._slow: dict[str, float] = {}  # client -> when its last slow query ended
        self.demoted = 0  # queries moved from the express lane to the main lane
        self._main_load = 0  # queries running on the main lane or waiting for it

    async def start(self) -> None:
        await super().start()
        if self.express is not None:
            await self.express.start()

    async def ready(self) -> None:
        await super().ready()
        if self.express is not None:
            await self.express.ready()

    @property
    def live(self) -> int:
        return super().live + (self.express.live if self.express is not None else 0)

    def heal(self) -> None:
        super().heal()
        if self.express is not None:
            self.express.heal()

    def lanes_up(self) -> dict[str, int]:
        lanes = {"main": super().live}
        if self.express is not None:
            lanes["express"] = self.express.live
        return lanes

    @property
    def main_free(self) -> bool:
        """Whether a query sent to the main lane now would start at once.

        Counted from the queries sent there, not from the idle queue: a worker just put
        back may already be promised to a query waiting for it.
        """
        return self._main_load < self.size

    def heavy(self, client: str) -> bool:
        when = self._slow.get(client)
        return when is not None and self._clock() - when < HEAVY_FOR

    def _mark(self, client: str) -> None:
        now = self._clock()
        if len(self._slow) >= _PRUNE_AT:
            self._slow = {c: t for c, t in self._slow.items() if now - t < HEAVY_FOR}
        self._slow[client] = now

    async def run(self, job: Job) -> Answer:
        answer = self.cache.get(job)
        if answer is None:
            answer = await self._run(job)
            self.cache.put(job, answer)
        return answer

    async def _run(self, job: Job) -> Answer:
        client = CLIENT.get()
        express = self.express
        if express is None or self.main_free or self.heavy(client):
            return await self._main(client, job)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while True:
            try:
                return await express.run(job)
            except QueryFailed as err:
                if err.status != 503:
                    raise
                if _outran(err):  # a slow query: the main lane it is
                    self._mark(client)
                    self.demoted += 1
                    break
                # The express lane stayed busy for a budget's time. Its queries end within
                # the budget, so waiting on is short, whereas the main lane may be held by
                # runaways for the whole timeout: wait on, unless a main worker came free.
                if loop.time() >= deadline:
                    raise QueryFailed(503, f"every query worker stayed busy for "
                                           f"{self.timeout:g} s; try again shortly") from err
                if self.main_free or "could not open" in str(err):
                    break
        return await self._main(client, job)

    async def _main(self, client: str, job: Job) -> Answer:
        self._main_load += 1
        try:
            return await super().run(job)
        except QueryFailed as err:
            if err.status == 503 and _outran(err):
                self._mark(client)
            raise
        finally:
            self._main_load -= 1

    async def drain(self, grace: float) -> None:
        lanes = [super().drain(grace)]
        if self.express is not None:
            lanes.append(self.express.drain(grace))
        await asyncio.gather(*lanes)

    def close(self) -> None:
        super().close()
        if self.express is not None:
            self.express.close()


def _outran(err: QueryFailed) -> bool:
    """A 503 for a query stopped at its lane's limit (not for a lane that stayed busy)."""
    return "stopped" in str(err)
