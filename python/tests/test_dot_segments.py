"""No value given to the SDK becomes a dot segment or a '/' that reaches another route: a tag
`..` in `delete_tag` was `DELETE /v1/datasets/1` (httpx folds `tags/..`), deleting the
dataset. Against a real server: the dataset and its tags are intact after every try."""

from __future__ import annotations

from typing import Any

import pytest

import groundset
from test_cli import plain


def _intact(client: groundset.Client, name: str, version_id: str) -> None:
    assert [d.name for d in client.list_datasets(name=name)] == [name]
    assert [(t.name, t.version_id) for t in client.list_tags(name=name)] == [("keep", version_id)]
    assert len(client.get_dataset(name=name).examples) == 1


@pytest.mark.parametrize("tag", [".", ".."])
def test_dot_tags_are_refused_before_sending(client: groundset.Client, unique_name: str, tag: str) -> None:
    made = client.upsert_dataset(
        name=unique_name, examples=[{"id": "a", "input": {"q": 1}}], source_id_key="id", tag="keep"
    )
    assert made.version_id is not None
    dataset_id = made.dataset_id
    calls: list[Any] = [
        lambda: client.delete_tag(name=unique_name, tag=tag),
        lambda: client.delete_tag(dataset_id=dataset_id, tag=tag),
        lambda: client.tag_version(name=unique_name, tag=tag, version_id=made.version_id),
        lambda: client.tag_history(name=unique_name, tag=tag),
        lambda: client.get_dataset(name=unique_name, tag=tag),
        lambda: client.upsert_dataset(
            name=unique_name, examples=[{"id": "a", "input": {"q": 1}}], source_id_key="id", tag=tag
        ),
    ]
    for call in calls:
        with pytest.raises(groundset.ValidationError) as refused:
            call()
        assert refused.value.code == "invalid_tag" and refused.value.status == 422
        # The server's own words (server/tests/test_name_shapes.py holds them).
        assert refused.value.detail == f"`tag`: a tag must not be {tag!r}, which a URL reads as a path step"
    _intact(client, unique_name, made.version_id)


@pytest.mark.parametrize("value", [".", "..", "1/.."])
def test_no_id_becomes_a_dot_segment(client: groundset.Client, unique_name: str, value: str) -> None:
    made = client.upsert_dataset(
        name=unique_name, examples=[{"id": "a", "input": {"q": 1}}], source_id_key="id", tag="keep"
    )
    assert made.version_id is not None
    calls: list[Any] = [
        lambda: client.delete_dataset(dataset_id=value),
        lambda: client.get_dataset(dataset_id=value),
        lambda: client.delete_schema(dataset_id=value),
        lambda: client.list_tags(dataset_id=value),
        lambda: groundset.load_experiment(value, client=client),
    ]
    for call in calls:
        with pytest.raises((ValueError, TypeError)):
            call()
    # The server routes an escaped '/' as '/': `1%2Fschema` would be the schema's route.
    for slashed in (f"{made.dataset_id}/schema", f"{made.dataset_id}/tags/keep", "../datasets"):
        with pytest.raises(ValueError, match="cannot be one segment of a URL path"):
            client.delete_dataset(dataset_id=slashed)
    with pytest.raises(groundset.ValidationError) as refused:
        client.delete_tag(name=unique_name, tag="keep/..")
    assert refused.value.detail == "`tag`: a tag must not contain '/' (character 4)"
    _intact(client, unique_name, made.version_id)


def test_the_cli_refuses_a_dot_tag_in_one_line(run: Any, client: groundset.Client, unique_name: str) -> None:
    made = client.upsert_dataset(
        name=unique_name, examples=[{"id": "a", "input": {"q": 1}}], source_id_key="id", tag="keep"
    )
    assert made.version_id is not None
    for args in (
        ("untag", unique_name, ".."),
        ("untag", unique_name, "."),
        ("tag", unique_name, "..", made.version_id),
    ):
        refused = run(*args)
        assert refused.exit_code == 1, refused.output
        lines = [line for line in refused.output.splitlines() if line.strip()]
        assert len(lines) == 1, refused.output
        assert "invalid_tag" in lines[0] and "which a URL reads as a path step" in plain(lines[0]), lines
    _intact(client, unique_name, made.version_id)
