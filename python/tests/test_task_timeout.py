"""Case 12: a synchronous task blocked past its ``timeout`` does not keep the process alive.

The call is abandoned (Python cannot stop a thread) in a daemon thread, which the interpreter does
not wait for at exit; in a ThreadPoolExecutor's or anyio's worker it held the script until the call
returned (30 s in the case, or never)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import groundset
from conftest import ServerProcess
from groundset.experiments import run_experiment

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys, time
    import groundset

    base_url, name, flavour = sys.argv[1:]
    rows = [{"id": f"r{i}", "input": {"q": i}} for i in range(3)]


    def task(input):
        if input["q"] == 1:
            time.sleep(60)  # stands for a socket read without a timeout of its own
        return {"a": input["q"]}


    if flavour == "sync":
        client = groundset.Client(base_url=base_url)
        synced = client.upsert_dataset(name=name, examples=rows, source_id_key="id")
        experiment = groundset.run_experiment(synced, task, client=client, timeout=1, print_summary=False)
    else:
        async def main():
            async with groundset.AsyncClient(base_url=base_url) as client:
                synced = await client.upsert_dataset(name=name, examples=rows, source_id_key="id")
                return await groundset.arun_experiment(synced, task, client=client, timeout=1, print_summary=False)

        experiment = asyncio.run(main())
    print(json.dumps({"id": experiment.id, "runs": {r.source_id: r.error for r in experiment.runs}}), flush=True)
    """
)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_the_process_exits_promptly_after_a_timeout(
    server: ServerProcess, client: groundset.Client, unique_name: str, tmp_path: Path, flavour: str
) -> None:
    script = tmp_path / "hang.py"
    script.write_text(SCRIPT, encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(script), server.base_url, unique_name, flavour],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert elapsed < 15, f"the process took {elapsed:.1f} s to exit"
    printed = json.loads(done.stdout)
    assert printed["runs"]["r1"] == "TimeoutError: the task took longer than 1 s"
    assert printed["runs"]["r0"] is None and printed["runs"]["r2"] is None
    stored = groundset.load_experiment(printed["id"], client=client)
    assert {run.source_id: run.error for run in stored.runs} == printed["runs"]


def test_an_abandoned_call_runs_on_in_a_daemon_thread(client: groundset.Client, unique_name: str) -> None:
    """What the docs promise: the call is not stopped, its side effects happen, its result is dropped."""
    dataset = client.upsert_dataset(name=unique_name, examples=[{"id": "a", "input": {"q": 1}}], source_id_key="id")
    finished = threading.Event()
    threads: list[threading.Thread] = []

    def slow(input: dict[str, int]) -> dict[str, int]:
        threads.append(threading.current_thread())
        time.sleep(1.0)
        finished.set()
        return {"a": input["q"]}

    experiment = run_experiment(dataset, slow, client=client, timeout=0.2, print_summary=False)
    assert experiment.runs[0].error == "TimeoutError: the task took longer than 0.2 s"
    assert not finished.is_set()
    assert threads[0].daemon and threads[0].is_alive()
    assert finished.wait(5)  # the side effect still happened
    assert experiment.runs[0].output is None
