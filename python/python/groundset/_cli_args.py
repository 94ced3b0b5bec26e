"""Checks of the CLI's arguments shared by its command modules: a refusal names the argument as
the command line spells it (``VERSION``), never the SDK keyword it becomes (``version_id=``)."""

from __future__ import annotations

import typer

__all__ = ["non_empty", "non_empty_or_none"]


def non_empty(value: str) -> str:
    """A typer callback: an empty argument or option is a usage error (exit status 2) naming it."""
    if not value:
        raise typer.BadParameter("must be a non-empty string")
    return value


def non_empty_or_none(value: str | None) -> str | None:
    """:func:`non_empty` for an optional argument, which may be left out but not given empty."""
    return None if value is None else non_empty(value)
