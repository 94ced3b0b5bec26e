"""A caller's very long value is not printed back whole, and one too long for a URL is refused
naming its parameter (httpx raised InvalidURL, a traceback), against a real server."""

from __future__ import annotations

from typing import Any

import pytest

import groundset
from test_cli import plain


def test_long_names_are_cut_in_messages(client: groundset.Client, run: Any, unique_name: str) -> None:
    client.upsert_dataset(name=unique_name, examples=[{"input": {"q": 1}}])
    long = "x" * 20_000
    with pytest.raises(groundset.NotFoundError) as missing:
        client.get_dataset(name=long)
    assert str(missing.value).endswith(f"no dataset is named {'x' * 40!r}… (20000 characters)")
    with pytest.raises(groundset.NotFoundError) as none:
        groundset.load_experiment({"dataset": unique_name, "experiment_name": long}, client=client)
    assert f"has no experiment named {'x' * 40!r}… (20000 characters)" in str(none.value)
    listed = run("experiments", unique_name, "--name", long)
    assert listed.exit_code == 0 and len(listed.output) < 200, listed.output[:300]
    assert "… (20000 characters)" in plain(listed.output)


def test_a_value_too_long_for_a_url_is_refused_naming_it(client: groundset.Client, run: Any, unique_name: str) -> None:
    client.upsert_dataset(name=unique_name, examples=[{"input": {"q": 1}}])
    huge = "x" * 100_000
    with pytest.raises(ValueError, match=r"^name= has 100000 characters: too long for a URL's query"):
        client.list_datasets(name=huge)
    refused = run("experiments", unique_name, "--name", huge)
    assert refused.exit_code == 1, refused.output[:300]
    lines = [line for line in refused.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "name= has 100000 characters" in lines[0], refused.output[:300]
