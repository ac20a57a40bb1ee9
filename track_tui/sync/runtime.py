"""One background thread owning one asyncio loop: where all network work of the process runs.

Textual's loop must never wait on the network (a key handler that awaited a slow request would
freeze the screen), and supabase-py's clients are bound to the loop they were created on (their
httpx pools, the refresh timer, the realtime socket). So the process has exactly one
:class:`Runtime`: screens and the CLI hand it coroutines and get ``concurrent.futures.Future``
objects back (a screen awaits one through ``asyncio.wrap_future`` inside a worker, or adds a
done-callback that posts a message). The process's ``AsyncClient`` for a project lives here
(:meth:`Runtime.client`), created once on this loop; the sync engine runs its pull/push/realtime
tasks on the same loop and takes the same client.

Closing cancels whatever is still running (refresh timers included), closes the clients and
joins the thread, so a quitting app never waits on a hung request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import TYPE_CHECKING, Any, Coroutine, TypeVar

if TYPE_CHECKING:
    from supabase import AsyncClient

    from .project import Project

T = TypeVar("T")


class RuntimeClosed(RuntimeError):
    """Work was submitted after :meth:`Runtime.close`."""


class Runtime:
    def __init__(self, name: str = "track-network") -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._clients: dict[str, "AsyncClient"] = {}
        self._client_lock: asyncio.Lock | None = None
        self._closed = False
        self._thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._client_lock = asyncio.Lock()
        self._loop.call_soon(self._ready.set)
        self._loop.run_forever()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def in_runtime_thread(self) -> bool:
        return threading.current_thread() is self._thread

    # -- submitting work ----------------------------------------------------------------------

    def submit(self, coro: Coroutine[Any, Any, T]) -> "concurrent.futures.Future[T]":
        """Schedule `coro` on the network loop; its result (or exception) arrives in the future."""
        if self._closed:
            coro.close()
            raise RuntimeClosed("the network runtime has been closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the network loop and wait for it (for the CLI; never on the loop itself)."""
        if self.in_runtime_thread():
            coro.close()
            raise RuntimeError("Runtime.run() called from the network loop: await the coroutine instead")
        future = self.submit(coro)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    # -- the process's clients ------------------------------------------------------------------

    async def client(self, project: "Project") -> "AsyncClient":
        """The one AsyncClient of this process for `project` (built on first use, on this loop)."""
        assert self._client_lock is not None
        async with self._client_lock:
            client = self._clients.get(project.slug)
            if client is None:
                from .client import open_client

                client = await open_client(project)
                self._clients[project.slug] = client
            return client

    async def forget_client(self, project: "Project") -> None:
        """Close and drop the project's client (after signing out, or to re-read the session)."""
        client = self._clients.pop(project.slug, None)
        if client is not None:
            from .client import close_client

            await close_client(client)

    # -- shutting down ---------------------------------------------------------------------------

    def close(self, timeout: float = 5.0) -> None:
        """Close the clients, cancel what still runs, stop the loop and join the thread."""
        if self._closed:
            return
        self._closed = True

        async def shutdown() -> None:
            clients, self._clients = list(self._clients.values()), {}
            if clients:
                from .client import close_client
            for client in clients:
                try:
                    await asyncio.wait_for(close_client(client), timeout / 2)
                except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - leaving anyway
                    pass
            current = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not current]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=timeout / 2)

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout)
        except Exception:  # noqa: BLE001 - a stuck shutdown must not stop the process from exiting
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()


