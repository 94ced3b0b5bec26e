"""The one-round-trip no-op (issue 19) against a real server: a large sync first sends the digest
of its whole manifest; an unchanged one is answered by that one request, any change is not."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import groundset
from conftest import ServerProcess
from groundset import _upsert
from test_upsert import Recorder

COUNT = _upsert.PLAN_THRESHOLD + 200
UPSERT = "/v1/datasets/upsert"
PLAN = "/v1/datasets/upsert/plan"


def rows(count: int = COUNT) -> list[dict[str, Any]]:
    return [
        {"id": f"ex-{i}", "input": {"q": f"question {i}"}, "output": {"a": i}, "metadata": {"split": "train"}}
        for i in range(count)
    ]


class Session:
    """A client whose requests are recorded (method, path, content type, body)."""

    def __init__(self, server: ServerProcess, transport: Recorder | None = None) -> None:
        self.recorder = transport or Recorder()
        self.client = groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=self.recorder))

    def sync(self, name: str, examples: list[dict[str, Any]], **options: Any) -> groundset.UpsertResult:
        self.recorder.sent.clear()
        return self.client.upsert_dataset(name=name, examples=examples, source_id_key="id", progress=False, **options)

    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.recorder.sent]

    def body(self, index: int) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.recorder.sent[index][3])
        return value


@pytest.fixture
def session(server: ServerProcess) -> Session:
    return Session(server)


def test_unchanged_is_one_request_with_every_option(session: Session, unique_name: str) -> None:
    data = rows()
    first = session.sync(unique_name, data)
    assert session.paths() == [UPSERT, UPSERT]  # digest_differs (no dataset), then every content
    again = session.sync(
        unique_name,
        list(reversed(data)),  # the order is not part of the digest
        mode="mirror",
        tag="gold",
        description="the set",
        metadata={"team": "eval"},
        version_description="not written: no version",
    )
    assert session.paths() == [UPSERT]
    body = session.body(0)
    assert "examples" not in body and body["manifest_digest"] == first.digest and body["tag"] == "gold"
    assert (again.noop, again.version_id, again.digest, again.tag) == (True, first.version_id, first.digest, "gold")
    assert (again.created, again.updated, again.unchanged, again.deleted) == (0, 0, COUNT, 0)
    dataset = session.client.get_dataset(name=unique_name)
    assert (dataset.description, dataset.metadata) == ("the set", {"team": "eval"})
    assert [tag.name for tag in session.client.list_tags(name=unique_name)] == ["gold"]
    assert len(session.client.list_versions(name=unique_name)) == 1
    # The tag is on another version: refused in that one request, then moved by it.
    edited = changes(data)["output"]
    second = session.sync(unique_name, edited)
    with pytest.raises(groundset.ConflictError) as refused:
        session.sync(unique_name, edited, tag="gold")
    assert refused.value.code == "tag_exists" and session.paths() == [UPSERT]
    moved = session.sync(unique_name, edited, tag="gold", move_tag=True)
    assert session.paths() == [UPSERT] and moved.noop and moved.version_id == second.version_id
    assert session.client.list_tags(name=unique_name)[0].version_id == second.version_id


def changes(data: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    first, rest = data[0], data[1:]
    return {
        "input": [{**first, "input": {"q": "question 0 "}}, *rest],
        "output": [{**first, "output": {"a": 1}}, *rest],
        "metadata": [{**first, "metadata": {"split": "trai"}}, *rest],
        "source id": [{**first, "id": "ex-0 "}, *rest],
        "added": [*data, {"id": "new", "input": {"q": "new"}}],
        "removed": data[:-1],
    }


@pytest.mark.parametrize("mode", ["merge", "mirror"])
def test_a_one_byte_change_is_never_a_noop(session: Session, unique_name: str, mode: str) -> None:
    data = rows()
    base = session.sync(unique_name, data)
    for name, changed in changes(data).items():
        result = session.sync(unique_name, changed, mode=mode, dry_run=True)
        assert session.paths()[:2] == [UPSERT, PLAN], name
        if mode == "merge" and name == "removed":
            # A merge of fewer examples deletes nothing: the plan shows it matches already.
            assert result.noop and result.unchanged == COUNT - 1
            continue
        assert result.dry_run and not result.noop, name
        assert (result.created, result.updated, result.deleted) != (0, 0, 0), name
    assert session.client.get_dataset(name=unique_name).digest == base.digest
    # Written: each change makes its version.
    written = session.sync(unique_name, changes(data)["output"], mode=mode)
    assert not written.noop and written.updated == 1 and written.digest != base.digest


def test_dry_run_of_the_unchanged_lists_them(session: Session, unique_name: str) -> None:
    data = rows()
    base = session.sync(unique_name, data)
    dry = session.sync(unique_name, data, dry_run=True, tag="would")
    assert session.paths() == [UPSERT] and session.body(0)["dry_run"] is True
    assert dry.dry_run and dry.noop and dry.version_id == base.version_id and dry.tag == "would"
    assert dry.unchanged_source_ids == [row["id"] for row in data]
    assert dry.created_source_ids == dry.updated_source_ids == dry.deleted_source_ids == []
    assert session.client.list_tags(name=unique_name) == []


def test_a_merge_of_a_subset_and_a_mirror_of_it(session: Session, unique_name: str) -> None:
    data = rows()
    session.sync(unique_name, data)
    subset = data[: COUNT - 5]
    merged = session.sync(unique_name, subset)
    assert session.paths() == [UPSERT, PLAN] and merged.noop and merged.unchanged == COUNT - 5
    mirrored = session.sync(unique_name, subset, mode="mirror")
    assert session.paths() == [UPSERT, PLAN, UPSERT] and mirrored.deleted == 5
    assert session.sync(unique_name, subset, mode="mirror").noop and session.paths() == [UPSERT]


def test_empty_dataset_then_filled(session: Session, unique_name: str) -> None:
    empty = session.sync(unique_name, [])
    assert empty.version_id is None and session.paths() == [UPSERT]
    data = rows()
    # The dataset exists without a version: the digest differs and the plan follows.
    filled = session.sync(unique_name, data)
    assert session.paths() == [UPSERT, PLAN, UPSERT] and filled.created == COUNT
    emptied = session.sync(unique_name, [], mode="mirror", allow_empty=True)
    assert emptied.deleted == COUNT and session.paths() == [UPSERT]


class BetweenCheckAndPlan(Recorder):
    """The recorder, running ``interfere`` once when the digest has been refused, before the plan."""

    def __init__(self, interfere: Callable[[], object]) -> None:
        super().__init__()
        self.interfere: Callable[[], object] | None = interfere

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        interfere = self.interfere
        if interfere is not None and request.url.path == PLAN:
            self.interfere = None
            interfere()
        return super().handle_request(request)


def test_a_writer_between_the_digest_check_and_the_upsert(
    server: ServerProcess, client: groundset.Client, unique_name: str
) -> None:
    data = rows()
    client.upsert_dataset(name=unique_name, examples=data, source_id_key="id", progress=False)
    mine = changes(data)["output"]
    theirs = changes(data)["input"]

    def other_writer() -> None:
        client.upsert_dataset(name=unique_name, examples=theirs, source_id_key="id", progress=False)

    racing = Session(server, BetweenCheckAndPlan(other_writer))
    result = racing.sync(unique_name, mine)
    # The last writer's examples are the dataset's, whatever came between.
    assert racing.paths() == [UPSERT, PLAN, UPSERT] and not result.noop
    assert client.get_dataset(name=unique_name).digest == result.digest == _upsert_digest(mine)
    # With expected_version_id the caller's guard holds: the other writer's version is refused.
    latest = result.version_id
    guarded = Session(server, BetweenCheckAndPlan(other_writer))
    with pytest.raises(groundset.ConflictError) as refused:
        guarded.sync(unique_name, changes(data)["metadata"], expected_version_id=latest)
    assert refused.value.code == "version_conflict"
    # And the other writer making the dataset equal to this sync meanwhile ends in a no-op.
    same = Session(
        server,
        BetweenCheckAndPlan(
            lambda: client.upsert_dataset(
                name=unique_name, examples=data, source_id_key="id", mode="mirror", progress=False
            )
        ),
    )
    matched = same.sync(unique_name, data)
    assert matched.noop and same.paths() == [UPSERT, PLAN]


def _upsert_digest(data: list[dict[str, Any]]) -> str:
    hashes = groundset.hash_examples([{k: v for k, v in row.items() if k != "id"} for row in data])
    return groundset.manifest_digest([(row["id"], h) for row, h in zip(data, hashes, strict=True)])


def test_a_file_and_the_cli_take_the_same_path(session: Session, unique_name: str, tmp_path: Path) -> None:
    path = tmp_path / "examples.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows()), encoding="utf-8")
    first = session.client.upsert_dataset(name=unique_name, path=path, source_id_key="id", progress=False)
    session.recorder.sent.clear()
    again = session.client.upsert_dataset(name=unique_name, path=path, source_id_key="id", progress=False)
    assert session.paths() == [UPSERT] and again.noop and again.digest == first.digest


def test_the_cli_sync_of_an_unchanged_file(run: Any, tmp_path: Path, unique_name: str) -> None:
    path = tmp_path / "examples.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows()), encoding="utf-8")
    first = run("upsert", str(path), "--dataset", unique_name, "--id-key", "id", "--json")
    assert first.exit_code == 0, first.output
    digest = run("hash", str(path), "--id-key", "id", "--digest")
    assert digest.stdout.strip() == json.loads(first.stdout)["digest"]
    again = run("upsert", str(path), "--dataset", unique_name, "--id-key", "id", "--tag", "ci", "--json")
    assert again.exit_code == 0, again.output
    result = json.loads(again.stdout)
    assert result["noop"] and result["unchanged"] == COUNT and result["tag"] == "ci"
    preview = run("upsert", str(path), "-d", unique_name, "--id-key", "id", "--mode", "mirror", "--dry-run")
    assert preview.exit_code == 0 and "dry run, nothing written" in preview.stdout, preview.output
