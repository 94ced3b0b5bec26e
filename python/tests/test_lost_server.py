"""A server lost in the middle of an experiment (killed while runs are being posted): the
caller gets the APIConnectionError itself (not an exception group around it, however many
uploads failed at once), with its cause, and a message naming the experiment to resume; the
resume on a restarted server finishes it."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import groundset
from conftest import ServerProcess


def killed_mid_run(server: ServerProcess, examples: int, max_retries: int) -> tuple[list[int], BaseException]:
    """``run_experiment`` on ``examples`` examples (5 calls at a time, 5 runs a post) whose
    60th task call kills the server: the inputs of the task's calls, in call order, and the
    error raised. No call starts while the kill is under way."""
    calls: list[int] = []
    killing = threading.Lock()
    with groundset.Client(base_url=server.base_url, max_retries=max_retries) as client:
        version = client.upsert_dataset(name="lost", examples=[{"input": {"i": i}} for i in range(examples)])

        def task(input: dict[str, Any]) -> dict[str, Any]:
            with killing:
                calls.append(input["i"])
                if len(calls) == 60:
                    assert server.process is not None
                    server.process.kill()
                    server.process.wait()
            time.sleep(0.01)
            return {"o": input["i"]}

        with pytest.raises(groundset.APIConnectionError) as lost:
            groundset.run_experiment(
                version, task, [lambda output: 1], client=client, concurrency=5, batch_size=5, print_summary=False
            )
    return calls, lost.value


def test_a_killed_server_raises_the_connection_error_naming_the_resume(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    server.start()
    try:
        _, error = killed_mid_run(server, 300, max_retries=0)
        message = str(error)
        assert "cannot reach the groundset server" in message
        found = re.search(
            r"The experiment (\S+) keeps the runs sent so far: "
            r"run the rest with resume_experiment\('(\S+)', task, evaluators\)",
            message,
        )
        assert found is not None and found[1] == found[2], message
        assert isinstance(error.__cause__, httpx.TransportError), repr(error.__cause__)
    finally:
        server.stop()
    again = ServerProcess(tmp_path)
    again.start()
    try:
        with groundset.Client(base_url=again.base_url) as client:
            done = groundset.resume_experiment(
                found[1], lambda input: {"o": input["i"]}, [lambda output: 1], client=client, print_summary=False
            )
            assert (done.summary["successful_runs"], done.summary["incomplete_runs"]) == (300, 0), done.summary
    finally:
        again.stop()


def test_no_task_is_called_while_the_server_cannot_be_reached(tmp_path: Path) -> None:
    """With the default retries the posts of runs try again for about 1.5 s after the server is
    killed: no task call starts meanwhile (each would be paid, and its run lost), only those
    running finish; the error says how many calls were made and how many runs stored."""
    server = ServerProcess(tmp_path)
    server.start()
    try:
        calls, error = killed_mid_run(server, 1_000, max_retries=2)
    finally:
        server.stop()
    # Before: some 850 calls in the retries' 1.7 s. Now the calls running at the kill and those
    # started before the first post met the closed port (a batch of 5 at most, per upload).
    assert len(calls) <= 60 + 4 * 5, len(calls)
    found = re.search(r"The task was called (\d+) times; (\d+) of those runs were stored\.$", str(error))
    assert found is not None, str(error)
    assert int(found[1]) == len(calls) and int(found[2]) < len(calls)
