"""The CLI's ``groundset schema`` command, which :mod:`groundset.cli` registers on its app
(:func:`register`): print, set or delete a dataset's JSON Schemas (draft 2020-12).

The command reaches the CLI's helpers when it runs, not at import: ``python -m groundset.cli``
runs that module as ``__main__``, and the app to register on is that one's."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from groundset._cli_args import non_empty
from groundset.client import Client

__all__ = ["register"]

T = TypeVar("T")
FLAG = " "


def _file_option(part: str) -> Any:
    return typer.Option(
        f"--{part}",
        metavar="FILE",
        help=f"A JSON file holding the schema of {part}.",
        show_default=False,
        exists=True,
        dir_okay=False,
        readable=True,
    )


def register(app: typer.Typer) -> None:
    """Add ``schema`` to ``app``."""
    app.command("schema")(schema)


def _call(context: typer.Context, action: Callable[[Client], T], json_output: bool) -> T:
    from groundset import cli

    connection: Any = context.obj
    return cli._guarded(lambda: cli._with_client(connection, action), json_output)


def _load(path: Path | None, part: str, json_output: bool) -> Any:
    """The schema in ``path``; a file that cannot be read or is not JSON is refused naming it."""
    from groundset import cli

    if path is None:
        return None

    def read() -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"--{part} {path}:{error.lineno}:{error.colno}: not JSON: {error.msg}") from None

    return cli._guarded(read, json_output)


def schema(
    context: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The dataset's name.", callback=non_empty)],
    input_file: Annotated[Path | None, _file_option("input")] = None,
    output_file: Annotated[Path | None, _file_option("output")] = None,
    metadata_file: Annotated[Path | None, _file_option("metadata")] = None,
    force: Annotated[
        bool, typer.Option("--force", metavar=FLAG, help="Set it even though the latest version violates it.")
    ] = False,
    delete: Annotated[bool, typer.Option("--delete", metavar=FLAG, help="Remove the dataset's schemas.")] = False,
    json_output: Annotated[bool, typer.Option("--json", metavar=FLAG, help="Print JSON.")] = False,
) -> None:
    """Print the JSON Schemas (draft 2020-12) of dataset NAME; with --input/--output/--metadata FILE, set them.

    Every later upsert is checked against them, all violations listed (schema_violation) and nothing written.
    A schema the latest version violates is refused with the same list unless --force. --delete removes them.
    """
    from groundset import cli

    files = {"input": input_file, "output": output_file, "metadata": metadata_file}
    given = any(path is not None for path in files.values())
    if delete and (given or force):
        cli._guarded(lambda: _refuse("--delete goes alone (no --input, --output, --metadata or --force)"), json_output)
    if delete:
        _call(context, lambda client: client.delete_schema(name=name), json_output)
        if json_output:
            cli._print_json({"deleted": name})
        else:
            cli.out.print(f"{name}: schema deleted")
        return
    if force and not given:
        cli._guarded(lambda: _refuse("--force goes with --input, --output or --metadata"), json_output)
    if given:
        parts = {part: _load(path, part, json_output) for part, path in files.items()}
        found = _call(context, lambda client: client.set_schema(name=name, force=force, **parts), json_output)
    else:
        current = _call(context, lambda client: client.get_schema(name=name), json_output)
        if current is None:
            if json_output:
                cli._print_json(None)
            else:
                cli.out.print(f"{name}: no schema")
            return
        found = current
    if json_output:
        cli._print_json(dataclasses.asdict(found))
        return
    forced = " (forced)" if found.forced else ""
    cli.out.print(f"{name}: schema of {found.updated_at[:19]}{forced}", highlight=False)
    for part in ("input", "output", "metadata"):
        value = getattr(found, part)
        shown = "none" if value is None else json.dumps(value, ensure_ascii=False, indent=2)
        cli.out.print(f"{part}: {shown}", highlight=False, markup=False)


def _refuse(message: str) -> None:
    raise ValueError(message)
