"""Daemon worker threads for the experiment runner's synchronous task and evaluator calls.

A call that outlives its ``timeout`` is abandoned: the runner records the timeout and goes on, but
Python cannot stop a thread, so the call keeps running until it returns. In a non-daemon thread
(those of ``concurrent.futures.ThreadPoolExecutor`` and of ``anyio.to_thread``) such a call keeps
the interpreter alive at exit, which joins every non-daemon thread: a task blocked in a socket read
without its own timeout would hold a CI job for as long as the read lasts, or for ever. These
threads are daemon threads, so the process ends when the script does; an abandoned call is
stopped where it stands at exit, and its result, if it ever comes, is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

__all__ = ["run_in_daemon_thread"]

T = TypeVar("T")

IDLE_SECONDS = 10.0
"""An idle worker waits this long for another call before it ends."""


class _DaemonWorkers:
    """Daemon threads, each taking one call at a time, reused while calls keep coming (a thread
    per call would cost its start-up on every call of a fast task)."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.idle = 0
        """Workers waiting for a job, less the jobs already promised to them."""

    def start(self, job: Callable[[], None]) -> None:
        with self.lock:
            reuse = self.idle > 0
            if reuse:
                self.idle -= 1
        if reuse:
            self.jobs.put(job)
        else:
            threading.Thread(target=self._work, args=(job,), name="groundset-task", daemon=True).start()

    def _work(self, job: Callable[[], None]) -> None:
        while True:
            job()
            with self.lock:
                self.idle += 1
            try:
                job = self.jobs.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self.lock:
                    if self.idle > 0:
                        self.idle -= 1
                        return
                # A caller counted on this worker just as it timed out: its job is on the way.
                job = self.jobs.get()


_WORKERS = _DaemonWorkers()


async def run_in_daemon_thread(function: Callable[[], T], limiter: anyio.CapacityLimiter) -> T:
    """``function()`` in a daemon worker thread, at most ``limiter``'s total at a time.

    Cancelled (a timeout), it stops waiting at once and frees its place in ``limiter``; the call
    goes on in its thread, and what it returns or raises is dropped. On an event loop other than
    asyncio's, it falls back to ``anyio.to_thread.run_sync`` (whose threads are not daemon)."""
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:  # outside the `except`, so that the call's errors carry no context
        return await anyio.to_thread.run_sync(function, abandon_on_cancel=True, limiter=limiter)
    async with limiter:
        future: asyncio.Future[T] = loop.create_future()

        def deliver(returned: bool, value: Any) -> None:
            if future.done():  # abandoned: nobody waits for it any more
                return
            if returned:
                future.set_result(value)
            elif isinstance(value, StopIteration):  # a future cannot hold one
                future.set_exception(RuntimeError(f"the call raised {value!r}"))
            else:
                future.set_exception(value)

        def job() -> None:
            try:
                value: Any = function()
                returned = True
            except BaseException as error:  # handed to the caller, who decides
                value, returned = error, False
            # A closed event loop refuses the result: the call was abandoned with its run.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(deliver, returned, value)

        _WORKERS.start(job)
        return await future
