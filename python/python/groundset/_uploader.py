"""Uploads of finished runs and evaluations in batches while an experiment goes on.

:class:`Uploader` batches anything; :func:`run_uploader` and :func:`evaluation_uploader` make one
that posts runs (``POST /v1/experiments/{id}/runs``) or evaluations (``.../evaluations``) and
sets the ids the server gives them.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from groundset import _experiment_api as api
from groundset import _ops
from groundset._bridge import AnyClient, drive
from groundset._experiment_types import ExperimentEvaluation, ExperimentRun
from groundset._http import CONNECTION_RETRY
from groundset.errors import APIConnectionError, ConflictError, NotFoundError

__all__ = ["BATCH_SIZE", "FLUSH_SECONDS", "UPLOADS_IN_FLIGHT", "Uploader", "evaluation_uploader", "run_uploader"]

BATCH_SIZE = 1000
"""Runs (or evaluations) per upload at most."""
FLUSH_SECONDS = 1.0
"""A finished run waits at most this long before it is uploaded (with those that finish meanwhile)."""
UPLOADS_IN_FLIGHT = 4
RETRY_POLL_SECONDS = 0.05
"""How often a held-back task call looks whether the uploads reached the server again."""


class Uploader:
    """Sends finished items in batches while the experiment goes on: a batch leaves when it is
    full, or when its first item has waited :data:`FLUSH_SECONDS`, or at the end. Up to
    :data:`UPLOADS_IN_FLIGHT` batches are sent at once, so that items do not pile up behind a
    slow upload (what a crash loses is what was not sent yet).

    While an upload waits to try again after a connection error, :meth:`reachable` holds the
    runner's next task call back: with a real model each call is paid, and its run would be
    lost if the server stays away (then the upload fails for good and the runner stops)."""

    def __init__(self, send: Callable[[list[Any]], Awaitable[None]], batch_size: int) -> None:
        self.send = send
        self.batch_size = batch_size
        self.pending: list[Any] = []
        self.first_at = 0.0
        self.closed = False
        self.wake = anyio.Event()
        self.slots = anyio.Semaphore(UPLOADS_IN_FLIGHT)
        # One token per upload now retrying after a connection error: added from the blocking
        # client's thread, where a set's add is atomic.
        self.retrying: set[object] = set()
        self.superseded = 0
        """Items not stored because another runner had stored theirs first (runs: ``run_exists``)."""

    def add(self, item: Any) -> None:
        if not self.pending:
            self.first_at = time.monotonic()
            self.wake.set()
        self.pending.append(item)
        if len(self.pending) >= self.batch_size:
            self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()

    async def _wait(self, seconds: float | None) -> None:
        if seconds is None:
            await self.wake.wait()
        else:
            with anyio.move_on_after(seconds):
                await self.wake.wait()
        self.wake = anyio.Event()

    async def reachable(self) -> None:
        """Returns once no upload is waiting to try again after a connection error (at once,
        usually)."""
        while self.retrying:
            await anyio.sleep(RETRY_POLL_SECONDS)

    async def _send(self, batch: list[Any]) -> None:
        token = object()
        setting = CONNECTION_RETRY.set(lambda: self.retrying.add(token))
        try:
            await self.send(batch)
            # Only a success lets task calls go on: after a failure for good the runner stops,
            # and no call may start between this upload's end and that stop.
            self.retrying.discard(token)
        finally:
            CONNECTION_RETRY.reset(setting)
            self.slots.release()

    async def run(self) -> None:
        async with anyio.create_task_group() as uploads:
            while True:
                if not self.pending:
                    if self.closed:
                        return
                    await self._wait(None)
                    continue
                left = self.first_at + FLUSH_SECONDS - time.monotonic()
                if len(self.pending) < self.batch_size and not self.closed and left > 0:
                    await self._wait(left)
                    continue
                await self.slots.acquire()
                batch = self.pending[: self.batch_size]
                del self.pending[: self.batch_size]
                self.first_at = time.monotonic()
                uploads.start_soon(self._send, batch)


async def _dataset_gone(client: AnyClient, error: NotFoundError, dataset_id: str | None) -> None:
    """``error`` (``experiment_not_found`` while runs are posted) said again when the server
    tells that the experiment's dataset is gone: deleting a dataset deletes its experiments."""
    if error.code != "experiment_not_found" or dataset_id is None:
        return
    try:
        await drive(client, _ops.dataset_json(None, dataset_id))
    except NotFoundError:
        detail = (
            f"{error.detail}: its dataset {dataset_id} was deleted during the run, and its experiments with it; "
            "nothing more can be stored for it"
        )
        raise NotFoundError(
            detail,
            status=error.status,
            code=error.code,
            problem={**error.problem, "dataset_id": dataset_id},
            request_id=error.request_id,
            request=error.request,
        ) from error


def run_uploader(client: AnyClient, experiment_id: str, batch_size: int, dataset_id: str | None = None) -> Uploader:
    """An uploader of :class:`ExperimentRun` s (with their evaluations) to the experiment; each
    run, and its evaluations, gets the id the server gave it. A batch refused with
    ``run_exists`` (pairs another process finished meanwhile) is sent again without those
    pairs, whose runs keep ``id`` ``None`` and are counted in ``superseded``. With the
    experiment's ``dataset_id``, an ``experiment_not_found`` says whether its dataset was deleted."""

    async def send(batch: list[ExperimentRun]) -> None:
        while True:
            try:
                stored = await drive(client, api.post_runs(experiment_id, [run.to_json() for run in batch]))
                break
            except APIConnectionError as error:
                # The experiment is stored with the runs sent so far: say how to finish it.
                error.args = (
                    f"{error.args[0]} The experiment {experiment_id} keeps the runs sent so far: run the rest "
                    f"with resume_experiment({experiment_id!r}, task, evaluators) once the server is back.",
                )
                raise
            except NotFoundError as error:
                await _dataset_gone(client, error, dataset_id)
                raise
            except ConflictError as error:
                # Another process (a second resume) finished some of these pairs meanwhile: its
                # runs are final, so send the rest, not lose the whole batch.
                if error.code != "run_exists":
                    raise
                still_open = await _open_pairs(client, experiment_id)
                rest = [run for run in batch if (run.example_id, run.repetition_number) in still_open]
                if len(rest) == len(batch):
                    raise
                uploader.superseded += len(batch) - len(rest)
                batch = rest
                if not batch:
                    return
        for run, created in zip(batch, stored["data"], strict=True):
            run.id = created["id"]
            for evaluation in run.evaluations:
                evaluation.run_id = run.id

    uploader = Uploader(send, batch_size)
    return uploader


async def _open_pairs(client: AnyClient, experiment_id: str) -> set[tuple[str, int]]:
    """The (example id, repetition) pairs of the experiment without a successful run now."""
    missing = await drive(client, api.incomplete_pairs(experiment_id))
    return {(str(item["example"]["id"]), n) for item in missing for n in item["repetition_numbers"]}


def evaluation_uploader(client: AnyClient, experiment_id: str, batch_size: int) -> Uploader:
    """An uploader of :class:`ExperimentEvaluation` s of stored runs (each replaces the stored one
    of its run and name); each gets the id the server gave it."""

    async def send(batch: list[ExperimentEvaluation]) -> None:
        body = [{"run_id": e.run_id, **e.to_json()} for e in batch]
        stored = await drive(client, api.post_evaluations(experiment_id, body))
        for evaluation, created in zip(batch, stored["data"], strict=True):
            evaluation.id = created["id"]

    return Uploader(send, batch_size)
