"""How the experiment functions reach a client, and the one bridge from sync code to the runner.

The runner is async (:mod:`groundset._runner`); every synchronous entry point that needs it
(``run_experiment``, ``evaluate_experiment``, ``resume_experiment``) goes through
:func:`blocking`, which runs it with ``asyncio.run``, in a thread of its own when the calling
thread already runs an event loop (a notebook). What needs no concurrency (loading, creating,
listing) is an operation (a generator of calls, :mod:`groundset._http`) that either client drives
directly: :func:`run_op` with the blocking client, :func:`arun_op` with the async one; no event
loop or thread is involved for a synchronous ``load_experiment``.

Inside the runner a blocking :class:`~groundset.Client` is still accepted: its operations run in a
worker thread (:func:`drive`), so the uploads do not stall the event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar, Union

import anyio.to_thread

from groundset._http import Op
from groundset.client import AsyncClient, Client, adrive_op, drive_op

__all__ = ["AnyClient", "arun_op", "blocking", "drive", "run_op", "with_client"]

T = TypeVar("T")
AnyClient = Union[Client, AsyncClient]  # noqa: UP007 - runtime alias on 3.10


def _checked(client: object) -> None:
    if not isinstance(client, (Client, AsyncClient)):
        raise TypeError(f"client= must be a groundset.Client or AsyncClient, not {type(client).__name__}")


def _sync_only(client: object, what: str) -> None:
    if isinstance(client, AsyncClient):
        raise TypeError(f"{what} takes a groundset.Client; with an AsyncClient, await a{what}")


async def drive(client: AnyClient, op: Op[T]) -> T:
    """``op`` run by ``client`` from a coroutine: awaited with an :class:`AsyncClient`, in a worker
    thread with a blocking :class:`Client`."""
    if isinstance(client, AsyncClient):
        return await adrive_op(client, op)
    return await anyio.to_thread.run_sync(drive_op, client, op)


async def with_client(client: AnyClient | None, body: Callable[[AnyClient], Awaitable[T]]) -> T:
    """``body`` with the client given, or with a new :class:`AsyncClient` (closed after)."""
    if client is not None:
        _checked(client)
        return await body(client)
    async with AsyncClient() as made:
        return await body(made)


def run_op(client: Client | None, op: Op[T], what: str) -> T:
    """``op`` run by the blocking ``client``, or by a new :class:`Client` (closed after).

    Raises :class:`TypeError` for an :class:`AsyncClient`, naming the async function ``what``
    has (``a`` + ``what``)."""
    if client is None:
        with Client() as made:
            return drive_op(made, op)
    _sync_only(client, what)
    _checked(client)
    return drive_op(client, op)


async def arun_op(client: AnyClient | None, op: Op[T]) -> T:
    """``op`` run by ``client`` (see :func:`drive`), or by a new :class:`AsyncClient`."""
    return await with_client(client, lambda chosen: drive(chosen, op))


def blocking(make: Callable[[], Awaitable[T]], client: AnyClient | None, what: str) -> T:
    """The coroutine ``make()`` run to its end from sync code: with ``asyncio.run``, in a thread of
    its own if this thread has a running event loop (as in a notebook), whose outcome (result or
    error) is this call's.

    Raises :class:`TypeError` for an :class:`AsyncClient`, naming the async function ``what``
    has."""
    _sync_only(client, what)

    async def main() -> T:
        return await make()

    if not _loop_running():
        # Outside the `except` that found no loop: an error of the call would else be shown
        # "during handling of" an irrelevant "RuntimeError: no running event loop".
        return asyncio.run(main())
    outcome: list[T] = []
    failure: list[BaseException] = []

    def in_thread() -> None:
        try:
            outcome.append(asyncio.run(main()))
        except BaseException as error:  # handed to the caller's thread, which raises it
            failure.append(error)

    thread = threading.Thread(target=in_thread, name=f"groundset-{what}")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def _loop_running() -> bool:
    """Whether this thread runs an event loop now."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
