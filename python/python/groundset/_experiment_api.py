"""The experiment routes of the server as operations (generators of calls, see
:mod:`groundset._http`), and what is built from them without concurrency: resolving the dataset
version, starting, loading and listing experiments. Either client drives them: the blocking one
directly (a synchronous ``load_experiment`` is plain sync HTTP), the async one awaited, and the
runner through :func:`groundset._bridge.drive`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from groundset_core import HashError, canonicalize, source_id

from groundset import _ops, _tags
from groundset._experiment_types import DatasetArg, Experiment, ExperimentArg, ExperimentRun
from groundset._format import shown
from groundset._http import Call, Op, json_call, segment
from groundset._ops import PAGE_SIZE, pages
from groundset.errors import NotFoundError
from groundset.types import Dataset, Example, ExperimentInfo, UpsertResult

__all__ = [
    "COMPARE_PAGE_SIZE",
    "compare",
    "create_experiment",
    "delete_experiment",
    "experiment_id",
    "experiment_rows",
    "find_experiment",
    "get_experiment",
    "incomplete_pairs",
    "list_experiments",
    "list_runs",
    "load_experiment",
    "post_evaluations",
    "post_runs",
    "resolve_dataset",
    "reuse",
    "selected_examples",
    "selection_body",
    "start_experiment",
    "summary",
]

COMPARE_PAGE_SIZE = 10_000
"""Examples per page of a comparison (the server's most)."""
SUMMARY_PAGE_SIZE = 100
"""Experiments per page with their summaries (the server's most)."""
SELECTOR_KEYS = frozenset({"dataset", "experiment_name", "version_id", "tag", "before"})


def create_experiment(
    dataset_id: str,
    *,
    version_id: str,
    name: str | None,
    description: str | None,
    metadata: Mapping[str, Any] | None,
    repetitions: int,
    task_version: str | None = None,
    selection: Mapping[str, Any] | None = None,
) -> Op[dict[str, Any]]:
    """A new experiment pinned to ``version_id`` of the dataset (on the examples ``selection``,
    checked by :func:`selection_body`, selects)."""
    body: dict[str, Any] = {"version_id": version_id, "repetitions": repetitions}
    if task_version is not None:
        body["task_version"] = task_version
    if selection is not None:
        body["selection"] = selection
    if name is not None:
        body["name"] = name
    if description is not None:
        body["description"] = description
    if metadata is not None:
        body["metadata"] = dict(metadata)
    created: dict[str, Any] = yield json_call("POST", f"/v1/datasets/{segment(dataset_id)}/experiments", json=body)
    return created


def get_experiment(experiment_id: str) -> Op[dict[str, Any]]:
    """The experiment with its summary."""
    found: dict[str, Any] = yield json_call("GET", f"/v1/experiments/{segment(experiment_id)}")
    return found


def delete_experiment(experiment_id: str) -> Op[None]:
    """Delete the experiment with its runs and evaluations."""
    yield json_call("DELETE", f"/v1/experiments/{segment(experiment_id)}", expect="none")


def post_runs(experiment_id: str, runs: Sequence[Mapping[str, Any]]) -> Op[dict[str, Any]]:
    """Store a batch of runs with their evaluations; the answer lists the run ids in order."""
    stored: dict[str, Any] = yield json_call(
        "POST", f"/v1/experiments/{segment(experiment_id)}/runs", json={"runs": list(runs)}
    )
    return stored


def post_evaluations(experiment_id: str, evaluations: Sequence[Mapping[str, Any]]) -> Op[dict[str, Any]]:
    """Store (or replace, by run and name) a batch of evaluations."""
    stored: dict[str, Any] = yield json_call(
        "POST", f"/v1/experiments/{segment(experiment_id)}/evaluations", json={"evaluations": list(evaluations)}
    )
    return stored


def list_runs(experiment_id: str) -> Op[list[dict[str, Any]]]:
    """Every run of the experiment with its evaluations, in the order they were stored."""
    return (yield from pages(f"/v1/experiments/{segment(experiment_id)}/runs"))


def incomplete_pairs(experiment_id: str, first: Mapping[str, Any] | None = None) -> Op[list[dict[str, Any]]]:
    """Every example lacking a successful run for some repetition: ``{"example", "repetition_numbers"}``.

    ``first``: the first page already in hand (an ``IncompletePage``, such as the reuse call's
    ``incomplete``): only the pages after it are read."""
    path = f"/v1/experiments/{segment(experiment_id)}/incomplete"
    if first is None:
        return (yield from pages(path))
    items: list[dict[str, Any]] = list(first["data"])
    if first.get("next_cursor"):
        items += yield from pages(path, {"cursor": first["next_cursor"]})
    return items


def summary(experiment_id: str) -> Op[dict[str, Any]]:
    """The server's summary of the experiment (runs, errors, mean score per evaluator)."""
    found = yield from get_experiment(experiment_id)
    result: dict[str, Any] = found["summary"]
    return result


def list_experiments(
    name: str | None,
    dataset_id: str | None,
    *,
    experiment_name: str | None = None,
    version_id: str | None = None,
    tag: str | None = None,
) -> Op[list[ExperimentInfo]]:
    """Every experiment on any version of a dataset, newest first; only those named
    ``experiment_name`` and pinned to ``version_id`` (or the version ``tag`` names) when given."""
    _ops.version_or_tag(version_id, tag)
    info = yield from _ops.dataset_json(name, dataset_id)
    if tag is not None:
        version_id = yield from _tags.tag_target(info, tag)
    rows = yield from experiment_rows(info["id"], experiment_name=experiment_name, version_id=version_id)
    return [ExperimentInfo.from_json(row) for row in rows]


def _matches(row: Mapping[str, Any], experiment_name: str | None, version_id: str | None, before: str | None) -> bool:
    # The server filters too; checked here as well so that the answer is the same from a server
    # that ignores a filter (an older one).
    return (
        (experiment_name is None or row["name"] == experiment_name)
        and (version_id is None or row["version_id"] == version_id)
        and (before is None or _id_order(row["id"]) < _id_order(before))
    )


def _id_order(identifier: str) -> tuple[int, str]:
    # Ids are the server's decimal ids: a smaller one was created before.
    return (int(identifier), "") if identifier.isdigit() else (-1, identifier)


def experiment_rows(
    dataset_id: str,
    *,
    experiment_name: str | None = None,
    version_id: str | None = None,
    before: str | None = None,
    summary: bool = False,
    limit: int | None = None,
) -> Op[list[dict[str, Any]]]:
    """The server's JSON of the dataset's experiments, newest first, filtered by name, pinned
    version and ``before`` (an experiment id: those created before it); ``limit`` at most (the
    pages after are not read). With ``summary``, each carries its summary."""
    page_size = min(limit, PAGE_SIZE) if limit is not None else PAGE_SIZE
    if summary:
        page_size = min(page_size, SUMMARY_PAGE_SIZE)
    query: dict[str, str | int] = {"limit": page_size}
    for key, value in (("name", experiment_name), ("version_id", version_id), ("before", before)):
        if value is not None:
            query[key] = value
    if summary:
        query["summary"] = "true"
    path = f"/v1/datasets/{segment(dataset_id)}/experiments"
    rows: list[dict[str, Any]] = []
    while True:
        page = yield Call("GET", path, params=query)
        rows.extend(row for row in page["data"] if _matches(row, experiment_name, version_id, before))
        if limit is not None and len(rows) >= limit:
            return rows[:limit]
        if not page.get("next_cursor"):
            return rows
        query = {**query, "cursor": page["next_cursor"]}


def resolve_dataset(dataset: DatasetArg) -> Op[Dataset]:
    """The exact dataset version ``dataset`` names, with its examples (a :class:`Dataset` as given).

    Raises :class:`ValueError` for a dataset without a version, a dry-run upsert or a bad selector,
    :class:`TypeError` for anything else, :class:`~groundset.NotFoundError` for a missing dataset."""
    if isinstance(dataset, Dataset):
        if dataset.version_id is None:
            raise ValueError(f"dataset {dataset.name!r} has no version yet: upsert examples first")
        return dataset
    if isinstance(dataset, UpsertResult):
        if dataset.dataset_id is None or dataset.version_id is None or (dataset.dry_run and not dataset.noop):
            raise ValueError("a dry-run upsert wrote no version to run an experiment on")
        return (yield from _ops.get_dataset(None, dataset.dataset_id, dataset.version_id))
    if isinstance(dataset, Mapping):
        unknown = sorted(set(dataset) - {"name", "id", "version_id", "tag"})
        if unknown or ("name" in dataset) == ("id" in dataset):
            raise ValueError(
                "a dataset selector has `name` or `id`, and optionally `version_id` or `tag`; "
                f"got the keys {sorted(dataset)}"
            )
        found = yield from _ops.get_dataset(
            dataset.get("name"), dataset.get("id"), dataset.get("version_id"), dataset.get("tag")
        )
        if found.version_id is None:
            raise ValueError(f"dataset {found.name!r} has no version yet: upsert examples first")
        return found
    raise TypeError(
        "dataset= must be an UpsertResult, a Dataset or a selector {'name' or 'id', 'version_id' or 'tag'?}, "
        f"not {type(dataset).__name__}"
    )


def resolve_version(dataset: DatasetArg) -> Op[tuple[str, str]]:
    """The (dataset id, version id) ``dataset`` names, without reading the version's examples;
    the errors of :func:`resolve_dataset`."""
    if isinstance(dataset, Dataset) and dataset.version_id is not None:
        return dataset.id, dataset.version_id
    if (
        isinstance(dataset, UpsertResult)
        and not (dataset.dry_run and not dataset.noop)
        and dataset.dataset_id is not None
        and dataset.version_id is not None
    ):
        return dataset.dataset_id, dataset.version_id
    if isinstance(dataset, Mapping) and "version_id" not in dataset and set(dataset) in ({"name"}, {"id"}):
        info = yield from _ops.dataset_json(dataset.get("name"), dataset.get("id"))
        if info["latest_version_id"] is None:
            raise ValueError(f"dataset {info['name']!r} has no version yet: upsert examples first")
        return info["id"], info["latest_version_id"]
    if isinstance(dataset, Mapping) and set(dataset) in ({"name", "version_id"}, {"id", "version_id"}):
        info = yield from _ops.dataset_json(dataset.get("name"), dataset.get("id"))
        return info["id"], str(dataset["version_id"])
    if isinstance(dataset, Mapping) and set(dataset) in ({"name", "tag"}, {"id", "tag"}):
        info = yield from _ops.dataset_json(dataset.get("name"), dataset.get("id"))
        version = yield from _tags.tag_target(info, dataset["tag"])
        return info["id"], version
    found = yield from resolve_dataset(dataset)
    assert found.version_id is not None
    return found.id, found.version_id


def start_experiment(
    dataset: DatasetArg,
    *,
    name: str | None,
    description: str | None,
    metadata: Mapping[str, Any] | None,
    repetitions: int,
    dry_run: bool,
    task_version: str | None = None,
    examples: bool = True,
    selection: Mapping[str, Any] | None = None,
) -> Op[tuple[Experiment, Dataset | None]]:
    """A new experiment (without runs) on the version ``dataset`` names, with that version's
    dataset (``None`` when ``examples`` is false: the version is found without reading them);
    created on the server unless ``dry_run`` (then its ``id`` is ``None``)."""
    found: Dataset | None = None
    if examples:
        found = yield from resolve_dataset(dataset)
        assert found.version_id is not None
        dataset_id, version_id = found.id, found.version_id
    else:
        dataset_id, version_id = yield from resolve_version(dataset)
    experiment = Experiment(
        id=None,
        dataset_id=dataset_id,
        version_id=version_id,
        name=name,
        description=description,
        metadata=dict(metadata or {}),
        repetitions=repetitions,
        task_version=task_version,
        selection=None if selection is None else dict(selection),
        dry_run=dry_run,
    )
    if not dry_run:
        created = yield from create_experiment(
            dataset_id,
            version_id=version_id,
            name=name,
            description=description,
            metadata=metadata,
            repetitions=repetitions,
            task_version=task_version,
            selection=selection,
        )
        experiment.id = created["id"]
        experiment.selection = created.get("selection")
    return experiment, found


SELECTION_FORMS = '{"source_ids": [str, ...]} or {"metadata": {KEY: {"eq": VALUE} | {"in": [VALUE, ...]}}}'


def selection_body(selection: Any) -> dict[str, Any] | None:
    """``selection=`` checked as the server's ``Selection`` (its wire shape, nothing else): a
    mapping of exactly one of ``source_ids`` (1 to 100,000 non-empty str, or int: 7 is "7")
    and ``metadata`` (1 to 100 keys, each ``{"eq": value}`` or ``{"in": [values]}`` of JSON values, RFC 8785's
    domain). A plain value or list in ``metadata`` is refused rather than guessed at, so that a
    list-valued equality is never read as membership.

    Raises :class:`TypeError` (not a mapping, an id not a str, a value not JSON) or
    :class:`ValueError` (another key, neither or both, empty), naming the place."""
    if selection is None:
        return None
    if not isinstance(selection, Mapping):
        raise TypeError(f"selection= must be a mapping {SELECTION_FORMS}, not {type(selection).__name__}")
    if len(selection) != 1 or next(iter(selection)) not in ("source_ids", "metadata"):
        raise ValueError(
            f"selection= must have exactly one key, source_ids or metadata: {SELECTION_FORMS}; "
            f"got {sorted(map(str, selection))}"
        )
    if "source_ids" in selection:
        ids = selection["source_ids"]
        if isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence):
            raise TypeError(f"selection['source_ids'] must be a list of source ids (str), not {type(ids).__name__}")
        if not 1 <= len(ids) <= 100_000:
            raise ValueError(f"selection['source_ids'] must hold 1 to 100,000 source ids, not {len(ids)}")
        texts = []
        for index, given in enumerate(ids):
            # The source-id rule of upserts: an integer is its decimal text (7 is "7").
            try:
                text = source_id(given)
            except HashError as error:
                raise TypeError(f"selection['source_ids'][{index}]: {error.reason}") from None
            if not text:
                raise TypeError(f"selection['source_ids'][{index}] must be a non-empty source id, not {given!r}")
            texts.append(text)
        return {"source_ids": texts}
    conditions = selection["metadata"]
    if not isinstance(conditions, Mapping) or not 1 <= len(conditions) <= 100:
        raise ValueError(f"selection['metadata'] must map 1 to 100 metadata keys to conditions: {SELECTION_FORMS}")
    checked: dict[str, Any] = {}
    for key, condition in conditions.items():
        where = f"selection['metadata'][{key!r}]"
        if not isinstance(key, str):
            raise TypeError(f"{where}: a metadata key must be a str")
        if not isinstance(condition, Mapping) or len(condition) != 1 or next(iter(condition)) not in ("eq", "in"):
            raise ValueError(f'{where} must be {{"eq": value}} or {{"in": [values]}}, not {condition!r}')
        if "in" in condition and (
            isinstance(condition["in"], (str, bytes))
            or not isinstance(condition["in"], Sequence)
            or not condition["in"]
        ):
            raise ValueError(f'{where}["in"] must be a non-empty list of values, not {condition["in"]!r}')
        checked[key] = {"eq": condition["eq"]} if "eq" in condition else {"in": list(condition["in"])}
    try:
        canonicalize(checked)
    except ValueError as error:  # the core's HashError, naming the path and the reason
        raise ValueError(f"selection['metadata']: {error}") from None
    return {"metadata": checked}


def selected_examples(examples: Sequence[Example], selection: Mapping[str, Any]) -> list[Example]:
    """The examples (of one version) a checked ``selection`` selects, as the server finds them:
    by source id, or by canonical JSON (RFC 8785) equality of top-level metadata values (an
    example without the key matches no condition on it). For a dry run, which asks the server
    nothing. :class:`ValueError` for source ids not among ``examples`` (the first ten and how
    many) or a selection that selects nothing."""
    if "source_ids" in selection:
        by_id = {example.source_id: example for example in examples}
        wanted = list(dict.fromkeys(selection["source_ids"]))
        unknown = [source_id for source_id in wanted if source_id not in by_id]
        if unknown:
            raise ValueError(f"{len(unknown)} source id(s) of selection= are not in the version: {unknown[:10]}")
        kept = set(wanted)
        chosen = [example for example in examples if example.source_id in kept]
    else:
        allowed = {
            key: {canonicalize(v) for v in ([c["eq"]] if "eq" in c else c["in"])}
            for key, c in selection["metadata"].items()
        }
        chosen = [
            example
            for example in examples
            if isinstance(example.metadata, Mapping)
            and all(
                key in example.metadata and canonicalize(example.metadata[key]) in texts
                for key, texts in allowed.items()
            )
        ]
    if not chosen:
        raise ValueError("selection= selects none of the version's examples")
    return chosen


def reuse(experiment_id: str, base_id: str, evaluators: Sequence[Mapping[str, Any]]) -> Op[dict[str, Any]]:
    """Copy into the experiment the base's successful runs of unchanged examples, with their
    evaluations by the ``evaluators`` (``{"name", "evaluator_version"}``) of the same version:
    the server's ``ReuseResult`` (its ``incomplete``: the first page of what is left to run)."""
    result: dict[str, Any] = yield json_call(
        "POST",
        f"/v1/experiments/{segment(experiment_id)}/reuse",
        json={"base": base_id, "evaluators": [dict(e) for e in evaluators]},
    )
    return result


def experiment_id(experiment: ExperimentArg, what: str = "experiment") -> Op[str]:
    """The id of the experiment ``experiment`` names (a selector is looked up).

    Raises :class:`TypeError` for what is not an experiment, :class:`ValueError` for a dry run or a
    bad selector, :class:`~groundset.NotFoundError` (``experiment_not_found``) when a selector finds
    nothing."""
    if isinstance(experiment, Experiment):
        if experiment.id is None:
            raise ValueError(f"{what}: a dry run was not stored: there is nothing to load, resume or compare")
        return experiment.id
    if isinstance(experiment, ExperimentInfo):
        return experiment.id
    if isinstance(experiment, str):
        if not experiment:
            raise ValueError(f"{what}: an experiment id must be a non-empty string")
        return experiment
    if isinstance(experiment, Mapping):
        found = yield from find_experiment(experiment, what)
        return found
    raise TypeError(
        f"{what} must be an Experiment, an ExperimentInfo, an experiment id (str) or a selector "
        f"{{'dataset', 'experiment_name', 'version_id'?, 'before'?}}, not {type(experiment).__name__}"
    )


def _selector_dataset(value: Any, what: str) -> tuple[str | None, str | None]:
    if isinstance(value, str) and value:
        return value, None
    if isinstance(value, Mapping) and set(value) in ({"name"}, {"id"}):
        return value.get("name"), value.get("id")
    raise ValueError(
        f"{what}: the selector's dataset is a dataset name or {{'name': ...}} or {{'id': ...}}, not {value!r} "
        "(put version_id beside dataset)"
    )


def find_experiment(selector: Mapping[str, Any], what: str = "experiment") -> Op[str]:
    """The id of the latest experiment a selector names (see :data:`ExperimentArg`)."""
    unknown = sorted(str(key) for key in selector if key not in SELECTOR_KEYS)
    if unknown or "dataset" not in selector or "experiment_name" not in selector:
        raise ValueError(
            f"{what}: an experiment selector has dataset and experiment_name, optionally version_id or tag, "
            "and before; "
            f"got the keys {sorted(str(key) for key in selector)}"
        )
    name, dataset_id = _selector_dataset(selector["dataset"], what)
    experiment_name, version_id = selector["experiment_name"], selector.get("version_id")
    for label, value in (("experiment_name", experiment_name), ("version_id", version_id)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"{what}: the selector's {label} must be a non-empty string, not {value!r}")
    tag = selector.get("tag")
    _ops.version_or_tag(version_id, tag)
    before = None
    if selector.get("before") is not None:
        before = yield from experiment_id(selector["before"], f"{what}'s before")
    info = yield from _ops.dataset_json(name, dataset_id)
    if tag is not None:
        version_id = yield from _tags.tag_target(info, tag)
    rows = yield from experiment_rows(
        info["id"], experiment_name=experiment_name, version_id=version_id, before=before, limit=1
    )
    if not rows:
        where = f" on version {version_id}" if version_id is not None else ""
        where += f" (tag {tag!r})" if tag is not None else ""
        when = f" created before experiment {before}" if before is not None else ""
        detail = f"{what}: dataset {info['name']!r} has no experiment named {shown(experiment_name)}{where}{when}"
        problem = {
            "code": "experiment_not_found",
            "detail": detail,
            "dataset_id": info["id"],
            "experiment_name": experiment_name,
            "version_id": version_id,
            "before": before,
        }
        raise NotFoundError(detail, status=404, code="experiment_not_found", problem=problem)
    found: str = rows[0]["id"]
    return found


def compare(
    base_id: str,
    head_id: str,
    *,
    thresholds: Sequence[str],
    include_changed: bool,
    only: Sequence[str],
    max_examples: int | None = None,
    page_size: int = COMPARE_PAGE_SIZE,
) -> Op[dict[str, Any]]:
    """The server's comparison (``GET /v1/experiments/compare``) with the examples of every page
    (or the first ``max_examples``) in ``data``, and ``truncated``: whether examples are left
    beyond those (``next_cursor`` then goes on after the last one in ``data``, else null)."""
    base_query: list[tuple[str, str]] = [("base", base_id), ("head", head_id)]
    base_query += [("threshold", value) for value in thresholds]
    base_query += [("only", value) for value in only]
    if include_changed:
        base_query.append(("include_changed", "true"))
    merged: dict[str, Any] | None = None
    cursor: str | None = None
    while True:
        # The last page asks for what is missing only, so its next_cursor follows the last example kept.
        wanted = page_size if max_examples is None else max(1, min(max_examples - _count(merged), page_size))
        query = [*base_query, ("limit", str(wanted))] + ([("cursor", cursor)] if cursor else [])
        # Repeated parameters (threshold, only) ride in the path: a call's params map one value each.
        page: dict[str, Any] = yield Call("GET", "/v1/experiments/compare?" + urlencode(query))
        if merged is None:
            merged = page
        else:
            merged["data"].extend(page["data"])
        cursor = page.get("next_cursor")
        merged["next_cursor"] = cursor
        merged["truncated"] = cursor is not None
        if not cursor or (max_examples is not None and _count(merged) >= max_examples):
            return merged


def _count(merged: dict[str, Any] | None) -> int:
    return 0 if merged is None else len(merged["data"])


def load_experiment(experiment_id: str) -> Op[Experiment]:
    """The stored experiment with every run, its evaluations and its example (read from the
    experiment's pinned version)."""
    info = yield from get_experiment(experiment_id)
    found = yield from _ops.get_dataset(None, info["dataset_id"], info["version_id"])
    examples = {example.id: example for example in found.examples}
    rows = yield from list_runs(experiment_id)
    return Experiment.from_json(info, [ExperimentRun.from_json(row, examples.get(row["example_id"])) for row in rows])
