"""Test configuration: stop at once, with the command to run, when the compiled module is missing."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    try:
        import groundset._native  # noqa: F401
    except ImportError as error:  # only without a build
        raise pytest.UsageError(
            f"groundset's compiled module is not installed ({error}); run `just python build` first"
        ) from error
