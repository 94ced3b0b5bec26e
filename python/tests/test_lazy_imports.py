"""``import groundset`` loads the native core and nothing heavy: httpx, anyio, rich, typer, tqdm
and pandas come when the code that needs them runs (PEP 562 in ``groundset/__init__.py``).
Each check runs in a fresh interpreter, since this one has imported everything already; the
time it saves is measured by ``just bench-import``, not here."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import groundset
import groundset.client
import groundset.errors
import groundset.experiments
import groundset.types

HEAVY = ("httpx", "anyio", "rich", "typer", "tqdm", "pandas")


def loaded_after(code: str) -> list[str]:
    """Which of HEAVY a fresh interpreter has imported once it ran ``code``."""
    probe = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import json, sys
        print(json.dumps(sorted({{name.partition(".")[0] for name in sys.modules}} & {set(HEAVY)!r})))
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_import_groundset_loads_nothing_heavy() -> None:
    assert loaded_after("import groundset") == []


def test_hashing_and_reading_files_load_nothing_heavy(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"id": "a", "input": {"q": 1}}\n{"id": "b", "input": {"q": 2}}\n', encoding="utf-8")
    code = f"""
        import groundset
        from groundset import Client, DatasetSchema, HashError, NotFoundError, canonicalize, hash_file
        assert canonicalize({{"b": 1, "a": 2.0}}) == b'{{"a":2,"b":1}}'
        assert len(hash_file({str(rows)!r}, source_id_key="id")) == 2
        try:
            groundset.hash_value(float("nan"))
        except HashError:
            pass
        """
    assert loaded_after(code) == []


@pytest.mark.parametrize(
    ("code", "brings"),
    [
        ("import groundset; groundset.Client(base_url='http://127.0.0.1:9')", "httpx"),
        ("import groundset; groundset.AsyncClient(base_url='http://127.0.0.1:9')", "httpx"),
        ("import groundset.cli", "typer"),
        ("import groundset.cli", "rich"),
    ],
)
def test_what_is_used_is_loaded(code: str, brings: str) -> None:
    """The counterpart: the modules are there once the code that needs them runs (the test above
    would pass as well if they were not installed)."""
    assert brings in loaded_after(code)


def test_every_public_name_is_its_module_object() -> None:
    # __all__ itself is pinned by test_errors.test_public_api.
    defined_in = {
        "Client": groundset.client,
        "AsyncClient": groundset.client,
        "NotFoundError": groundset.errors,
        "HashError": groundset.errors,
        "GroundsetError": groundset.errors,
        "UnsupportedTypeError": groundset.errors,
        "run_experiment": groundset.experiments,
        "BATCH_SIZE": groundset.experiments,
        "Example": groundset.types,
    }
    for name, module in defined_in.items():
        assert getattr(groundset, name) is getattr(module, name), name
    assert set(groundset.__all__) <= set(dir(groundset))
    assert {"client", "errors", "experiments", "types"} <= set(dir(groundset))


def test_submodules_are_attributes_of_the_package() -> None:
    code = "import groundset; print(groundset.types.Example.__module__, groundset.errors.APIError.__module__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["groundset.types", "groundset.errors"]


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="module 'groundset' has no attribute 'Clinet'"):
        _ = groundset.Clinet  # type: ignore[attr-defined]
    with pytest.raises(ImportError, match="Clinet"):
        exec("from groundset import Clinet", {})
