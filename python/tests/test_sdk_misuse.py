"""What ``upsert_dataset`` says when it is used wrongly: a misspelt member of a structured record,
a flat record given as structured, a function where a key goes, one key in two parts, the
mirror's options with a merge. Each is refused before anything is sent (the session's server
never sees the dataset)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import groundset


def assert_not_created(client: groundset.Client, name: str) -> None:
    assert [info.name for info in client.list_datasets() if info.name == name] == []


def test_an_unknown_member_of_a_structured_record_is_refused(client: groundset.Client, unique_name: str) -> None:
    rows: list[dict[str, Any]] = [
        {"id": "1", "input": {"q": "2+2?"}, "ouput": {"a": "4"}},
        {"id": "2", "input": {"q": "1+1?"}, "output": {"a": "2"}},
        {"id": "3", "input": {"q": "3+3?"}, "output": {"a": "6"}, "metdata": {}, "note": "x"},
    ]
    with pytest.raises(groundset.ExampleError) as refused:
        client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
    # The core's rule, as for a file: one issue per record, at its first unknown member, naming
    # each with the member it likely misspells, with the record's source id.
    found = [(issue.row, issue.code, issue.path, issue.source_id) for issue in refused.value.errors]
    assert found == [(0, "unknown_field", "$.ouput", "1"), (2, "unknown_field", "$.metdata", "3")]
    assert '"ouput" (did you mean "output"?)' in refused.value.errors[0].message
    assert '"metdata" (did you mean "metadata"?), "note";' in refused.value.errors[1].message
    assert "name them (input keys, output keys, metadata keys)" in refused.value.errors[1].message
    assert str(refused.value).startswith("2 bad records:\n  row 0: unknown_field at $.ouput [source id 1]: ")
    assert_not_created(client, unique_name)

    # Without a key the id is no member either; with a source_id= function the record's other
    # members are the function's to read.
    with pytest.raises(groundset.ExampleError, match=r"row 0: unknown_field at \$\.id: "):
        client.upsert_dataset(name=unique_name, examples=[{"id": "1", "input": {}}])
    done = client.upsert_dataset(name=unique_name, examples=rows[1:2], source_id=lambda row: f"k{row['id']}")
    assert done.created == 1


def test_the_member_rule_holds_across_the_batches_of_a_large_set(client: groundset.Client, unique_name: str) -> None:
    """Records of several member orders over many of the core's batches; every 997th has a
    misspelt member: exactly those are refused, each with its source id."""
    rows: list[dict[str, Any]] = []
    for i in range(12_000):
        if i % 997 == 5:
            rows.append({"id": f"r{i}", "input": {"i": i}, "outptu": {"i": i}})
        elif i % 2:
            rows.append({"output": {"i": i}, "input": {"i": i}, "id": f"r{i}"})
        else:
            rows.append({"id": f"r{i}", "input": {"i": i}, "output": {"i": i}})
    with pytest.raises(groundset.ExampleError) as refused:
        client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
    bad = [i for i in range(12_000) if i % 997 == 5]
    found = [(issue.row, issue.code, issue.path, issue.source_id) for issue in refused.value.errors]
    assert found == [(row, "unknown_field", "$.outptu", f"r{row}") for row in bad]
    assert '"outptu" (did you mean "output"?)' in refused.value.errors[0].message
    assert_not_created(client, unique_name)


def test_a_flat_record_without_key_lists_says_how_to_read_it(client: groundset.Client, unique_name: str) -> None:
    rows = [{"id": 1, "question": "2+2?", "answer": "4"}]
    with pytest.raises(groundset.ExampleError) as refused:
        client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
    found = [(issue.code, issue.path) for issue in refused.value.errors]
    assert found == [("not_an_object", "$.input")]
    missing = refused.value.errors[0].message
    assert 'its members are ["id", "question", "answer"]' in missing and "name its input fields (input keys)" in missing
    assert_not_created(client, unique_name)


def test_a_function_given_as_source_id_key(client: groundset.Client, unique_name: str) -> None:
    rows = [{"k": "a", "input": {"q": 1}}]
    with pytest.raises(TypeError, match=r"for a function of the record, pass source_id= instead"):
        client.upsert_dataset(name=unique_name, examples=rows, source_id_key=lambda r: r["k"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"source_id_key= must be a str, not int 3"):
        client.upsert_dataset(name=unique_name, examples=rows, source_id_key=3)  # type: ignore[arg-type]
    assert_not_created(client, unique_name)


def test_one_key_in_two_parts_is_refused(client: groundset.Client, unique_name: str, tmp_path: Path) -> None:
    rows = [{"id": 1, "question": "q", "answer": "a"}]
    with pytest.raises(ValueError, match=r"the key 'question' is named in both input_keys= and output_keys="):
        client.upsert_dataset(
            name=unique_name, examples=rows, input_keys=["question"], output_keys=["question", "answer"]
        )
    with pytest.raises(ValueError, match=r"the key 'answer' is named in both output_keys= and metadata_keys="):
        client.upsert_dataset(name=unique_name, examples=rows, output_keys=["answer"], metadata_keys=["answer"])
    file = tmp_path / "qa.csv"
    file.write_text("id,question,answer\n1,q,a\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"the key 'question' is named in both"):
        groundset.hash_file(file, source_id_key="id", input_keys=["question"], output_keys=["question"])
    with pytest.raises(ValueError, match=r"the key 'question' is named in both"):
        groundset.read_examples(file, source_id_key="id", input_keys=["question"], metadata_keys=["question"])
    assert_not_created(client, unique_name)


def test_the_mirror_guard_with_a_merge_is_refused(client: groundset.Client, unique_name: str) -> None:
    rows = [{"input": {"q": 1}}]
    with pytest.raises(ValueError, match=r"max_deletes=3 applies to mode='mirror' only"):
        client.upsert_dataset(name=unique_name, examples=rows, max_deletes=3)
    with pytest.raises(ValueError, match=r"allow_empty=True applies to mode='mirror' only"):
        client.upsert_dataset(name=unique_name, examples=rows, mode="merge", allow_empty=True)
    assert_not_created(client, unique_name)
    assert client.upsert_dataset(name=unique_name, examples=rows, mode="mirror", max_deletes=0).created == 1


def test_a_merge_of_nothing_into_a_new_dataset_says_so(client: groundset.Client, unique_name: str) -> None:
    result = client.upsert_dataset(name=unique_name, examples=[])
    assert result.noop and result.version_id is None
    assert "no change, no version yet" in result.summary() and "None" not in result.summary()


@pytest.mark.parametrize("given", ["qa.jsonl", b"qa.jsonl", Path("qa.jsonl")])
def test_a_path_given_as_examples_is_refused_whole(client: groundset.Client, unique_name: str, given: Any) -> None:
    """A string would iterate as its characters, one bad record each ("8 bad records"): the
    path is named once, with the argument that reads a file."""
    with pytest.raises(TypeError) as refused:
        client.upsert_dataset(name=unique_name, examples=given, source_id_key="id")
    assert str(refused.value) == (
        "examples= takes records, not the path 'qa.jsonl': to read a file, pass path='qa.jsonl'"
    )
    assert_not_created(client, unique_name)
