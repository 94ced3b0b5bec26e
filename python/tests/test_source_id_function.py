"""A ``source_id=`` function that raises: an ExampleError naming the record's row, the
function's error as its cause, nothing sent (TypeScript's sourceId says the same)."""

from __future__ import annotations

from typing import Any

import pytest

import groundset


def test_a_raising_source_id_function_names_the_record(client: groundset.Client, unique_name: str) -> None:
    def ids(record: Any) -> str:
        return str(1 // record["input"]["a"])

    examples = [{"input": {"a": 1}}, {"input": {"a": 2}}, {"input": {"a": 0}}]
    with pytest.raises(groundset.ExampleError) as refused:
        client.upsert_dataset(name=unique_name, examples=examples, source_id=ids)
    error = refused.value
    assert (
        str(error)
        == "row 2: invalid_source_id at $: source_id= raised ZeroDivisionError: integer division or modulo by zero"
    )
    assert (error.code, error.row) == ("invalid_source_id", 2)
    assert isinstance(error.__cause__, ZeroDivisionError)
    assert client.list_datasets(name=unique_name) == []


def test_a_source_id_function_returning_nothing(client: groundset.Client, unique_name: str) -> None:
    with pytest.raises(groundset.ExampleError) as refused:
        client.upsert_dataset(name=unique_name, examples=[{"input": {}}], source_id=lambda record: None)  # type: ignore[arg-type,return-value]
    assert str(refused.value) == (
        "row 0: invalid_source_id at $: source_id= returned NoneType None: "
        "a source id must be a string or an integer, found null"
    )
    assert client.upsert_dataset(name=unique_name, examples=[{"input": {}}], source_id=lambda record: 7).created == 1
