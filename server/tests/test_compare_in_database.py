"""The comparison computed by the database (comparisons._compute_in_database) gives the answer the
full computation in the server process gives, on both databases: every page of every filter and
order, with every threshold form and scope, on experiments holding every class of example.

The scene (one repetition a side, every example run; `correct` boolean, `quality` numeric,
`tone` labels only, `judge` numeric with labels and evaluation errors):

    s1   same_content  nothing moves
    s2   same_content  correct 1 -> 0, quality .8 -> .85, tone kept
    s3   same_content  quality .5 -> .7, output and tone changed
    s4   same_content  head's run errors (new run error, missing run, evaluators missing)
    s5   same_content  base's run errored, head's did not
    s6   same_content  both runs errored
    s7   changed       quality .9 -> .2
    s8   changed       correct's evaluation errors in head (no score)
    s9   changed       output and tone changed
    s10  same_content  judge errored in base, scored in head
    s11  same_content  judge scored in base, errored in head (missing, new error)
    s12  same_content  head has no quality
    s13  same_content  quality .3 -> .2 (a drop of 0.1 within the tolerance)
    s14  same_content  output null on both sides
    ob1, ob2           only_base
    oh1, oh2           only_head
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.db.engine import read_transaction
from groundset_server.services import comparisons
from groundset_server.services.experiments import experiment_row
from tests.conftest import example
from tests.test_compare import scene
from tests.test_experiments import create, examples_at, post_runs
from tests.test_upsert import upsert

SAME = [f"s{n}" for n in range(1, 15) if n not in (7, 8, 9)]
CHANGED = ["s7", "s8", "s9"]

# source id -> (base, head): each side's run as (output, error, evaluations by name), None for
# no run; an evaluation is a score, ("error", text), (score, label) or ("label", text).
Side = tuple[Any, str | None, dict[str, Any]]
PLAN: dict[str, tuple[Side | None, Side | None]] = {
    "s1": (("A", None, {"correct": 1.0, "quality": 0.5, "tone": ("label", "calm")}),) * 2,
    "s2": (
        ("B", None, {"correct": 1.0, "quality": 0.8, "tone": ("label", "calm")}),
        ("B", None, {"correct": 0.0, "quality": 0.85, "tone": ("label", "calm")}),
    ),
    "s3": (
        ("C", None, {"correct": 1.0, "quality": 0.5, "tone": ("label", "calm")}),
        ({"text": "C2"}, None, {"correct": 1.0, "quality": 0.7, "tone": ("label", "angry")}),
    ),
    "s4": (("D", None, {"correct": 1.0, "quality": 0.6}), (None, "TimeoutError", {})),
    "s5": ((None, "boom", {}), ("E", None, {"correct": 1.0, "quality": 0.6})),
    "s6": ((None, "boom", {}), (None, "boom again", {})),
    "s7": (("F", None, {"correct": 1.0, "quality": 0.9}), ("F", None, {"correct": 1.0, "quality": 0.2})),
    "s8": (("G", None, {"correct": 1.0, "quality": 0.4}), ("G", None, {"correct": ("error", "judge down")})),
    "s9": (
        ("H", None, {"correct": 0.0, "tone": ("label", "calm")}),
        ("H2", None, {"correct": 0.0, "tone": ("label", "sad")}),
    ),
    "s10": (("I", None, {"judge": ("error", "judge down")}), ("I", None, {"judge": (0.9, "good")})),
    "s11": (("J", None, {"judge": (0.9, "good")}), ("J", None, {"judge": ("error", "judge down")})),
    "s12": (("K", None, {"correct": 1.0, "quality": 0.3}), ("K", None, {"correct": 1.0})),
    "s13": (
        ("L", None, {"quality": 0.3, "judge": (0.25, "fair")}),
        ("L", None, {"quality": 0.2, "judge": (0.5, "fair")}),
    ),
    "s14": ((None, None, {"correct": 0.0}), (None, None, {"correct": 0.0})),
    "ob1": (("M", None, {"correct": 1.0, "quality": 0.1}), None),
    "ob2": ((None, "boom", {}), None),
    "oh1": (None, ("N", None, {"correct": 0.0, "quality": 0.95, "tone": ("label", "calm")})),
    "oh2": (None, (None, "boom", {})),
}


def _evaluation(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, float):
        return {"name": name, "score": value}
    kind, text = value
    if kind == "error":
        return {"name": name, "error": text}
    if kind == "label":
        return {"name": name, "label": text}
    return {"name": name, "score": kind, "label": text}


def _runs(at: dict[str, Any], side: int, latency: float) -> list[dict[str, Any]]:
    runs = []
    for source_id, sides in PLAN.items():
        planned = sides[side]
        if planned is None:
            continue
        output, error, evaluations = planned
        run: dict[str, Any] = {"example_id": at[source_id]["id"], "latency_ms": latency, "tokens_in": 3}
        if error is not None:
            run["error"] = error
        else:
            run["output"] = output
            run["evaluations"] = [_evaluation(name, value) for name, value in evaluations.items()]
        runs.append(run)
        latency += 10
    return runs


def every_class(client: TestClient) -> dict[str, str]:
    """The experiments of the module docstring (base, head), one that errored throughout on the
    base's version (crashed) and one without evaluators on the head's (plain)."""
    in_base = [s for s, sides in PLAN.items() if sides[0] is not None]
    in_head = [s for s, sides in PLAN.items() if sides[1] is not None]
    v1 = upsert(client, [example(s, {"q": s}) for s in in_base])
    dataset_id = v1["dataset_id"]
    at_v1 = examples_at(client, dataset_id)
    base = create(client, dataset_id, name="base")
    crashed = create(client, dataset_id, name="crashed")
    edited = [example(s, {"q": s, **({"edited": True} if s in CHANGED else {})}) for s in in_head]
    upsert(client, edited, mode="mirror")
    at_v2 = examples_at(client, dataset_id)
    head = create(client, dataset_id, name="head")
    plain = create(client, dataset_id, name="plain")
    for experiment, runs in (
        (base, _runs(at_v1, 0, 100.0)),
        (head, _runs(at_v2, 1, 50.0)),
        (crashed, [{"example_id": at_v1[s]["id"], "error": "down"} for s in in_base]),
        (plain, [{"example_id": at_v2[s]["id"], "output": s} for s in in_head]),
    ):
        stored = post_runs(client, experiment["id"], runs)
        assert stored.status_code == 201, stored.text
    return {"base": base["id"], "head": head["id"], "crashed": crashed["id"], "plain": plain["id"]}


def _pages(engine: sa.Engine, base: str, head: str, in_database: bool, **given: Any) -> list[dict[str, Any]]:
    """Every page of the comparison, 3 examples a page, computed afresh by the path asked."""
    comparisons._kept.clear()
    pages, cursor = [], None
    while True:
        page = comparisons.compare(
            engine, base, head, cursor=cursor, limit=3, in_database=in_database, **given
        )
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def _applies(engine: sa.Engine, base: str, head: str) -> bool:
    with read_transaction(engine) as conn:
        computed = comparisons._compute_in_database(
            conn, experiment_row(conn, base), experiment_row(conn, head), comparisons.Thresholds(), False
        )
    return computed is not None


THRESHOLDS = [[], ["0.2"], ["quality:0"], ["correct:0.5", "0"], ["judge:0.3", "quality:0.05"]]
FILTERS: list[list[str]] = [
    [],
    ["regressions"],
    ["improvements", "only_head"],
    ["new_errors"],
    ["missing_runs"],
]
FILTERS += [["output_changed"], ["only_base"], ["same_content"], ["changed"]]


@pytest.mark.parametrize("halves", [False, True], ids=["one-statement", "two-halves"])
def test_the_database_path_answers_as_the_full_computation(
    client: TestClient, halves: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``halves``: the statement in two halves of the example ids, one in a thread (as from
    SPLIT_EXAMPLES runs on)."""
    if halves:
        monkeypatch.setattr(comparisons, "SPLIT_EXAMPLES", 2)
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    ids = every_class(client)
    pairs = [
        (ids["base"], ids["head"]),
        (ids["head"], ids["base"]),
        (ids["crashed"], ids["head"]),
        (ids["plain"], ids["crashed"]),
        (ids["crashed"], ids["plain"]),
    ]
    for base, head in pairs:
        assert _applies(engine, base, head), (base, head)
    seen_classes: set[str] = set()
    for base, head in pairs:
        # The experiments without evaluators (plain, crashed) refuse a threshold naming one.
        with_evaluators = ids["head"] in (base, head)
        for threshold, include_changed, order in itertools.product(
            THRESHOLDS if with_evaluators else THRESHOLDS[:2],
            (False, True),
            ("example_id", "regressions_first"),
        ):
            for only in FILTERS if (base, head) == pairs[0] else FILTERS[:2]:
                given = {
                    "thresholds": comparisons.parse_thresholds(threshold),
                    "include_changed": include_changed,
                    "order": order,
                    "only": only,
                }
                fast = _pages(engine, base, head, True, **given)
                full = _pages(engine, base, head, False, **given)
                assert fast == full, (base, head, given)
                seen_classes.update(item["status"] for page in fast for item in page["data"])
    assert seen_classes == {"same_content", "changed", "only_base", "only_head"}
    # What the scene holds, as the database path counts it.
    whole = _pages(engine, ids["base"], ids["head"], True, thresholds=comparisons.Thresholds())[0]
    assert whole["counts"] == {
        "examples": 18,
        "only_base": 2,
        "only_head": 2,
        "same_content": 11,
        "changed": 3,
        "output_changed": 2,
        "new_run_errors": 1,
        "missing_runs": 1,
    }
    kinds = {e["name"]: (e["kind"], e["threshold"]) for e in whole["evaluators"]}
    assert kinds == {
        "correct": ("boolean", 0.0),
        "judge": ("numeric", 0.1),
        "quality": ("numeric", 0.1),
        "tone": ("label", None),
    }
    by_name = {e["name"]: e for e in whole["evaluators"]}
    assert by_name["tone"]["labels_changed"] == 1  # s3 (s9 is changed: out of scope)
    assert by_name["quality"]["regressions"] == 3  # s4 missing, s12 missing, s13 within tolerance
    assert by_name["judge"]["missing"] == 1 and by_name["judge"]["new_errors"] == 1
    verdict = whole["verdict"]
    assert verdict["comparable"] and verdict["regressed"]
    crashed = _pages(engine, ids["crashed"], ids["head"], True, thresholds=comparisons.Thresholds())[0]
    assert crashed["verdict"]["not_comparable"]["code"] == "no_successful_runs"


def test_a_threshold_for_no_evaluator_is_refused_on_both_paths(client: TestClient) -> None:
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    ids = every_class(client)
    for in_database in (True, False):
        with pytest.raises(comparisons.Invalid) as refused:
            _pages(
                engine,
                ids["plain"],
                ids["crashed"],
                in_database,
                thresholds=comparisons.parse_thresholds(["judge:1"]),
            )
        assert refused.value.code == "unknown_evaluator"


def test_repetitions_and_partial_experiments_are_computed_whole(client: TestClient) -> None:
    """Where a side has repetitions, or lacks a run of some example, the database path does not
    apply: the full computation answers."""
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    s = scene(client)  # two repetitions a side
    assert not _applies(engine, s["base"], s["head"])
    given = {"thresholds": comparisons.Thresholds(), "order": "regressions_first"}
    assert _pages(engine, s["base"], s["head"], True, **given) == _pages(
        engine, s["base"], s["head"], False, **given
    )
    at = examples_at(client, s["dataset_id"])
    partial = create(client, s["dataset_id"], name="partial")
    first = sorted(at)[0]
    assert (
        post_runs(client, partial["id"], [{"example_id": at[first]["id"], "output": "x"}]).status_code == 201
    )
    other = create(client, s["dataset_id"], name="whole")
    runs = [{"example_id": item["id"], "output": "x"} for item in at.values()]
    assert post_runs(client, other["id"], runs).status_code == 201
    assert not _applies(engine, partial["id"], other["id"])
    assert _applies(engine, other["id"], create_and_run(client, s["dataset_id"], at))
    assert _pages(engine, partial["id"], other["id"], True, **given) == _pages(
        engine, partial["id"], other["id"], False, **given
    )


def create_and_run(client: TestClient, dataset_id: str, at: dict[str, Any]) -> str:
    experiment = create(client, dataset_id, name="again")
    runs = [
        {"example_id": item["id"], "output": "y", "evaluations": [{"name": "n", "score": 2.5}]}
        for item in at.values()
    ]
    assert post_runs(client, experiment["id"], runs).status_code == 201
    return str(experiment["id"])
