"""A DataFrame whose columns repeat a name is refused, naming every repeat as a CSV header's
is (``invalid_header``), before anything is sent: a record keeps one value per name, so the
upsert sent only the last column's value."""

from __future__ import annotations

from pathlib import Path

import pytest

import groundset

pandas = pytest.importorskip("pandas")


def test_repeated_columns_are_refused_naming_them(client: groundset.Client, unique_name: str, tmp_path: Path) -> None:
    frame = pandas.DataFrame([["a", "first", "second", 1, 2, "third"]], columns=["id", "q", "q", "n", "n", "q"])
    with pytest.raises(groundset.ExampleError) as refused:
        client.upsert_dataset(name=unique_name, dataframe=frame, source_id_key="id")
    assert refused.value.code == "invalid_header"
    # One cause said once: a name's every repeat in one clause.
    assert str(refused.value) == (
        'columns 3 and 6 ("q") repeat the name of column 2; column 5 ("n") repeats the name of column 4'
    )
    assert client.list_datasets(name=unique_name) == []
    # The CSV reader says the same of the same header.
    with pytest.raises(groundset.ExampleError) as csv:
        sheet = tmp_path / "sheet.csv"
        sheet.write_text("id,q,q\na,first,second\n")
        groundset.read_examples(sheet, source_id_key="id")
    assert csv.value.code == "invalid_header" and 'column 3 ("q") repeats the name of column 2' in str(csv.value)
    # Distinct columns go through, every value kept.
    fine = pandas.DataFrame([["a", "first", "second"]], columns=["id", "q", "r"])
    result = client.upsert_dataset(name=unique_name, dataframe=fine, source_id_key="id")
    example = client.get_dataset(dataset_id=result.dataset_id).examples[0]
    assert example.input == {"q": "first", "r": "second"}
