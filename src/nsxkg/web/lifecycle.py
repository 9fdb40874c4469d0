"""Opening the loaded build for serving, and swapping in a newer one while serving.

Start-up does as little as possible before the server listens: the store is opened
read-only (milliseconds), the text index that ``nsxkg load`` kept beside the build is
opened in a background thread, and the query workers start
while the server already answers (a query waits for the first one).

A reload (``SIGHUP``, ``POST /admin/reload`` from the loopback interface, or
``nsxkg reload``) re-reads ``store/current``; when it names another build, a complete new
state (store handle, workers, text index) is made ready first and then swapped in by a
single assignment. Requests already running keep the state they started with; the old
workers are closed once idle, or after twice the query timeout, whichever comes first.
A reload writes nothing.

Once a state is ready, the objects it holds are moved out of the garbage collector's sight
(``gc.freeze``): they live as long as the state, and a full collection scanning them paused
every request for about 60 ms with a thousand frameworks loaded, often enough to set the
pages' 99th percentile.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from nsxkg.config import Settings
from nsxkg.errors import StoreError
from nsxkg.store import current_build, open_store
from nsxkg.textindex import TextIndex
from nsxkg.web import frameworks
from nsxkg.web.deps import AppState
from nsxkg.web.service import QueryService, TextSearch

T = TypeVar("T")
_log = logging.getLogger(__name__)


def open_state(settings: Settings, templates: Jinja2Templates) -> AppState:
    """A state whose workers are not started yet (``QueryService.start`` needs a loop)."""
    store, build = open_store(settings.store_dir)
    service = QueryService(settings, build.path,
                           rewrites=[TextSearch(build.path, settings.result_limit)])
    text = _in_background(lambda: TextIndex.for_build(store, build.path), "nsxkg-text-index")
    return AppState(settings, store, build, service, templates, text)


def _in_background(make: Callable[[], T], name: str) -> Future[T]:
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(make())
        except BaseException as err:  # handed to whoever waits for the result
            future.set_exception(err)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


@dataclass(frozen=True)
class Reloaded:
    changed: bool
    build: str  # the digest now served

    def message(self) -> str:
        return (f"now serving build {self.build[:16]}" if self.changed
                else f"already serving build {self.build[:16]}; nothing to reload")


class Lifecycle:
    """Owns the app's current state: starts it, swaps it on reload, ends it."""

    def __init__(self, app: FastAPI, state: AppState):
        self.app = app
        app.state.nsxkg = state
        self._lock = asyncio.Lock()
        self._draining: set[asyncio.Task[None]] = set()  # drains and signalled reloads
        self._on_hangup = False
        self._retired: list[QueryService] = []  # services of replaced states, until drained

    @property
    def state(self) -> AppState:
        current: AppState = self.app.state.nsxkg
        return current

    async def start(self) -> None:
        await self.state.service.start()
        self._in_background(self._settle(self.state))
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hangup)
            self._on_hangup = True
        except (ValueError, RuntimeError):
            # Signals reach only the main thread (a server run in a thread, as in tests,
            # is reloaded through POST /admin/reload instead).
            self._on_hangup = False

    def _hangup(self) -> None:
        async def run() -> None:
            try:
                _log.info((await self.reload()).message())
            except Exception:
                _log.exception("reload on SIGHUP failed; still serving the previous build")

        self._in_background(run())

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._draining.add(task)
        task.add_done_callback(self._draining.discard)

    async def _settle(self, state: AppState) -> None:
        """Freeze what a served state holds once it is all there (see the module
        docstring); after a reload, the previous state's objects are collected first."""
        try:
            await state.service.ready()
            await asyncio.wrap_future(state.text)
        except Exception:
            return  # reported where the text index or the workers are used
        await asyncio.to_thread(frameworks.index_of, state)  # the catalogue, read once
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    async def reload(self) -> Reloaded:
        async with self._lock:
            old = self.state
            if current_build(old.settings.store_dir) == old.build.path:
                return Reloaded(False, old.build.digest)
            new = await asyncio.to_thread(open_state, old.settings, old.templates)
            try:
                await new.service.start()
                await new.service.ready()
                if new.service.live == 0:
                    raise StoreError(f"{new.build.path}: no query worker could open this "
                                     f"build; still serving {old.build.path}")
                await asyncio.wrap_future(new.text)
            except BaseException:
                new.service.close()  # nothing of the new build stays running
                raise
            self.app.state.nsxkg = new  # the swap: requests from now on see the new build
            self._in_background(self._retire(old))
            _log.info("reloaded: %s -> %s", old.build.path.name, new.build.path.name)
            return Reloaded(True, new.build.digest)

    async def _retire(self, old: AppState) -> None:
        service, grace = old.service, 2 * old.settings.query_timeout + 1
        del old  # held by nothing here once drained, so that _settle can collect it
        self._retired.append(service)
        await service.drain(grace=grace)
        self._retired.remove(service)
        await self._settle(self.state)

    def close(self) -> None:
        if self._on_hangup:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        for task in self._draining:
            task.cancel()
        for service in (*self._retired, self.state.service):
            service.close()
