"""Version tags through the Python SDK against a real server: tag, move, delete, history, reads
by tag, the upsert's tag (one request and the plan path), and the mistakes caught before sending."""

from __future__ import annotations

import anyio
import pytest

import groundset
from conftest import ServerProcess


def rows(count: int, edited: int = -1) -> list[dict[str, object]]:
    return [{"id": str(i), "input": {"q": f"question {i}" + (" edited" if i == edited else "")}} for i in range(count)]


def test_tag_move_delete_and_history(client: groundset.Client, unique_name: str) -> None:
    first = client.upsert_dataset(name=unique_name, examples=rows(3), source_id_key="id", tag="baseline")
    assert first.tag == "baseline" and "tagged 'baseline'" in first.summary()
    second = client.upsert_dataset(name=unique_name, examples=rows(3, edited=1), source_id_key="id")
    assert second.tag is None
    v1, v2 = first.version_id, second.version_id
    assert v1 is not None and v2 is not None

    with pytest.raises(groundset.ConflictError) as refused:
        client.tag_version(name=unique_name, tag="baseline", version_id=v2)
    assert refused.value.code == "tag_exists" and refused.value.problem["version_id"] == v1
    moved = client.tag_version(name=unique_name, tag="baseline", version_id=v2, move=True)
    assert isinstance(moved, groundset.Tag) and moved.version_id == v2
    assert client.tag_version(name=unique_name, tag="old", version_id=v1).version_id == v1

    assert [(t.name, t.version_id) for t in client.list_tags(name=unique_name)] == [("baseline", v2), ("old", v1)]
    versions = {version.id: version.tags for version in client.list_versions(name=unique_name)}
    assert versions == {v2: ["baseline"], v1: ["old"]}

    client.delete_tag(name=unique_name, tag="baseline")
    with pytest.raises(groundset.NotFoundError) as gone:
        client.delete_tag(name=unique_name, tag="baseline")
    assert gone.value.code == "tag_not_found"
    events = client.tag_history(name=unique_name, tag="baseline")
    assert all(isinstance(event, groundset.TagEvent) for event in events)
    assert [(e.action, e.version_id, e.previous_version_id) for e in events] == [
        ("created", v1, None),
        ("moved", v2, v1),
        ("deleted", None, v2),
    ]
    assert events[0].at <= events[1].at <= events[2].at


def test_reads_by_tag(client: groundset.Client, unique_name: str) -> None:
    first = client.upsert_dataset(name=unique_name, examples=rows(2), source_id_key="id", tag="v-one")
    client.upsert_dataset(name=unique_name, examples=rows(3, edited=0), source_id_key="id", tag="v-two")
    old = client.get_dataset(name=unique_name, tag="v-one")
    assert old.version_id == first.version_id and old.digest == first.digest and len(old.examples) == 2
    assert client.get_dataset(name=unique_name, tag="v-two").examples[0].input == {"q": "question 0 edited"}
    diff = client.diff_versions(name=unique_name, from_tag="v-one", to_tag="v-two")
    assert (diff.created, diff.updated, diff.deleted) == (["2"], ["0"], [])
    mixed = client.diff_versions(name=unique_name, from_version_id=first.version_id, to_tag="v-two")
    assert mixed == diff
    with pytest.raises(groundset.NotFoundError) as unknown:
        client.get_dataset(name=unique_name, tag="nope")
    assert unknown.value.code == "tag_not_found"


def test_upsert_tag_conflict_dry_run_and_plan_path(client: groundset.Client, unique_name: str) -> None:
    # Beyond the plan threshold the SDK plans first: an unchanged re-sync still tags.
    many = rows(groundset.PLAN_THRESHOLD + 1)
    first = client.upsert_dataset(name=unique_name, examples=many, source_id_key="id")
    same = client.upsert_dataset(name=unique_name, examples=many, source_id_key="id", tag="stable")
    assert same.noop and same.tag == "stable" and same.version_id == first.version_id
    assert client.list_tags(name=unique_name)[0].version_id == first.version_id

    edited = rows(groundset.PLAN_THRESHOLD + 1, edited=5)
    with pytest.raises(groundset.ConflictError) as refused:
        client.upsert_dataset(name=unique_name, examples=edited, source_id_key="id", tag="stable")
    assert refused.value.code == "tag_exists"
    assert [version.id for version in client.list_versions(name=unique_name)] == [first.version_id]
    dry = client.upsert_dataset(
        name=unique_name, examples=edited, source_id_key="id", tag="stable", move_tag=True, dry_run=True
    )
    assert dry.dry_run and dry.tag == "stable" and dry.updated == 1
    assert client.list_tags(name=unique_name)[0].version_id == first.version_id
    moved = client.upsert_dataset(name=unique_name, examples=edited, source_id_key="id", tag="stable", move_tag=True)
    assert moved.version_id != first.version_id
    assert client.list_tags(name=unique_name)[0].version_id == moved.version_id


def test_mistakes_caught_before_sending() -> None:
    offline = groundset.Client(base_url="http://127.0.0.1:9", max_retries=0)
    with pytest.raises(ValueError, match="all digits"):
        offline.tag_version(name="qa", tag="12", version_id="12")
    with pytest.raises(ValueError, match="not both"):
        offline.get_dataset(name="qa", version_id="1", tag="x")
    with pytest.raises(ValueError, match="from_version_id= or from_tag="):
        offline.diff_versions(name="qa", to_tag="x")
    with pytest.raises(ValueError, match="goes with tag="):
        offline.upsert_dataset(name="qa", examples=[{"input": {}}], move_tag=True)
    with pytest.raises(TypeError, match="tag= must be a str"):
        offline.upsert_dataset(name="qa", examples=[{"input": {}}], tag=3)  # type: ignore[arg-type]


def test_async_client(server: ServerProcess, unique_name: str) -> None:
    async def main() -> None:
        async with groundset.AsyncClient(base_url=server.base_url) as client:
            result = await client.upsert_dataset(name=unique_name, examples=rows(1), source_id_key="id")
            assert result.version_id is not None
            tag = await client.tag_version(name=unique_name, tag="a", version_id=result.version_id)
            assert (await client.list_tags(name=unique_name)) == [tag]
            assert (await client.get_dataset(name=unique_name, tag="a")).version_id == result.version_id
            await client.delete_tag(name=unique_name, tag="a")
            assert [e.action for e in await client.tag_history(name=unique_name, tag="a")] == ["created", "deleted"]

    anyio.run(main)


def test_experiments_on_a_tagged_version(client: groundset.Client, unique_name: str) -> None:
    first = client.upsert_dataset(name=unique_name, examples=rows(2), source_id_key="id", tag="baseline")
    client.upsert_dataset(name=unique_name, examples=rows(3, edited=0), source_id_key="id")

    def task(input: dict[str, object]) -> dict[str, object]:
        return {"echo": input["q"]}

    pinned = groundset.run_experiment(
        {"name": unique_name, "tag": "baseline"}, task, experiment_name="nightly", client=client, print_summary=False
    )
    assert pinned.version_id == first.version_id and len(pinned.runs) == 2
    latest = groundset.run_experiment(
        {"name": unique_name}, task, experiment_name="nightly", client=client, print_summary=False
    )
    assert latest.version_id != first.version_id
    assert [info.id for info in client.list_experiments(name=unique_name, tag="baseline")] == [pinned.id]
    named = client.list_experiments(name=unique_name, experiment_name="nightly", version_id=latest.version_id)
    assert [info.id for info in named] == [latest.id]
    by_tag = groundset.load_experiment(
        {"dataset": unique_name, "experiment_name": "nightly", "tag": "baseline"}, client=client
    )
    assert by_tag.id == pinned.id
    with pytest.raises(ValueError, match="not both"):
        groundset.load_experiment(
            {"dataset": unique_name, "experiment_name": "nightly", "tag": "baseline", "version_id": "1"},
            client=client,
        )
    with pytest.raises(groundset.NotFoundError) as unknown:
        groundset.run_experiment({"name": unique_name, "tag": "nope"}, task, client=client, print_summary=False)
    assert unknown.value.code == "tag_not_found"
