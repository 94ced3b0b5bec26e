"""The CLI's tag commands (``groundset tag``, ``untag``, ``tags``), which :mod:`groundset.cli`
registers on its app (:func:`register`).

The commands reach the CLI's helpers when they run, not at import: ``python -m groundset.cli``
runs that module as ``__main__``, and the app to register on is that one's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from groundset._cli_args import non_empty, non_empty_or_none
from groundset.client import Client

__all__ = ["register"]

T = TypeVar("T")
FLAG = " "
NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="The dataset's name.", callback=non_empty)]
JsonFlag = Annotated[bool, typer.Option("--json", metavar=FLAG, help="Print JSON instead of a table.")]


def register(app: typer.Typer) -> None:
    """Add ``tag``, ``untag`` and ``tags`` to ``app``."""
    app.command("tag")(tag)
    app.command("untag")(untag)
    app.command("tags")(tags)


def _call(context: typer.Context, action: Callable[[Client], T], json_output: bool) -> T:
    """``action`` with a client of the CLI's connection; a refusal printed as every command prints it."""
    from groundset import cli

    connection: Any = context.obj
    return cli._guarded(lambda: cli._with_client(connection, action), json_output)


def _show(value: Any) -> None:
    from groundset import cli

    cli._print_json(value)


def _print(value: Any) -> None:
    from groundset import cli

    cli.out.print(value)


def tag(
    context: typer.Context,
    name: NameArgument,
    tag_name: Annotated[
        str, typer.Argument(metavar="TAG", help="The tag (not all digits, no '/').", callback=non_empty)
    ],
    version: Annotated[str, typer.Argument(metavar="VERSION", help="The version's id.", callback=non_empty)],
    move: Annotated[
        bool, typer.Option("--move", metavar=FLAG, help="Move the tag if it names another version now.")
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Name VERSION of dataset NAME with TAG, which `--tag` then takes wherever `--version` is.

    A tag on another version is refused (tag_exists) unless `--move` moves it; every move is kept in its
    history (`groundset tags NAME TAG`).
    """
    from groundset import cli

    cli._refuse_digit_tag(json_output, (tag_name, "TAG", None))
    found = _call(
        context, lambda client: client.tag_version(name=name, tag=tag_name, version_id=version, move=move), json_output
    )
    if json_output:
        _show(dataclasses.asdict(found))
        return
    _print(f"{name}: tag {found.name!r} -> version {found.version_id}")


def untag(
    context: typer.Context,
    name: NameArgument,
    tag_name: Annotated[str, typer.Argument(metavar="TAG", help="The tag to delete.", callback=non_empty)],
    json_output: JsonFlag = False,
) -> None:
    """Delete TAG of dataset NAME (its history stays)."""
    _call(context, lambda client: client.delete_tag(name=name, tag=tag_name), json_output)
    if json_output:
        _show({"deleted": tag_name})
        return
    _print(f"{name}: tag {tag_name!r} deleted")


def tags(
    context: typer.Context,
    name: NameArgument,
    tag_name: Annotated[
        str | None,
        typer.Argument(
            metavar="[TAG]", help="Show this tag's history instead.", show_default=False, callback=non_empty_or_none
        ),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """List the tags of dataset NAME with their versions; with TAG, that tag's history, oldest first."""
    if tag_name is not None:
        events = _call(context, lambda client: client.tag_history(name=name, tag=tag_name), json_output)
        if json_output:
            _show([dataclasses.asdict(event) for event in events])
            return
        history = Table("at", "action", "version", "before")
        for event in events:
            history.add_row(event.at[:19], event.action, event.version_id or "-", event.previous_version_id or "-")
        _print(history)
        return
    found = _call(context, lambda client: client.list_tags(name=name), json_output)
    if json_output:
        _show([dataclasses.asdict(item) for item in found])
        return
    table = Table("tag", "version", "updated")
    for item in found:
        table.add_row(item.name, item.version_id, item.updated_at[:19])
    _print(table)
