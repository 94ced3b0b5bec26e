"""The CLI's ``groundset export``, which :mod:`groundset.cli` registers on its app
(:func:`register`); it reaches the CLI's helpers through :mod:`groundset._cli_tags`'s, when it
runs (see that module for why not at import)."""

from __future__ import annotations

import dataclasses
import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from groundset._cli_tags import FLAG, NameArgument, _call, _print, _show
from groundset._export import EXTENSIONS, export_dataset
from groundset._export import export_format as export_format_of

__all__ = ["register"]

STDOUT = "-"
JsonFlag = Annotated[
    bool, typer.Option("--json", metavar=FLAG, help='Print the result as JSON (a refusal as {"error": {...}}).')
]


class ExportChoice(str, enum.Enum):
    jsonl = "jsonl"
    csv = "csv"


def register(app: typer.Typer) -> None:
    """Add ``export`` to ``app``."""
    app.command("export")(export)


def export(
    context: typer.Context,
    name: NameArgument,
    output: Annotated[
        str, typer.Option("--output", "-o", metavar="FILE", help="The file to write; '-' writes to stdout.")
    ],
    version: Annotated[str | None, typer.Option("--version", metavar="ID", help="The version's id.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", metavar="TAG", help="The version by tag.")] = None,
    export_format: Annotated[
        ExportChoice | None,
        typer.Option(
            "--format",
            help="The format [default: the one FILE's extension names: .csv, .jsonl or .ndjson, any case; "
            "another extension needs --format]; one that FILE's extension contradicts is refused.",
        ),
    ] = None,
    id_key: Annotated[
        str, typer.Option("--id-key", metavar="KEY", help="The member (CSV: column) of each example's source id.")
    ] = "id",
    json_output: JsonFlag = False,
) -> None:
    """Write a version of dataset NAME (the latest unless `--version` or `--tag`) to FILE.

    The file reads back to the version's exact content hashes: `groundset upsert FILE --dataset NAME --id-key KEY
    --mode mirror` of it is a no-op. CSV puts each member that is a string in every example in a dotted column
    (`input.question`) and every other value in a `:json` column of JSON text. A failed export leaves no FILE.
    """
    from groundset import cli

    if version is not None and tag is not None:
        raise typer.BadParameter("give --version or --tag, not both", param_hint="'--tag'")
    cli._refuse_digit_tag(json_output, (tag, "--tag", "--version"))
    to_stdout = output == STDOUT
    if not to_stdout and export_format is None and Path(output).suffix.lower() not in EXTENSIONS:
        # The SDK writes JSONL there; on the command line a typo (out.jsnol) or a format the CLI
        # cannot write (out.parquet) is more likely than a wish for JSONL under another name.
        allowed = ", ".join(EXTENSIONS)
        raise typer.BadParameter(
            f"{output!r} does not end in an extension that names a format ({allowed}, any case): rename it, "
            "or give --format jsonl or --format csv",
            param_hint="'--output'",
        )
    if not to_stdout and not Path(output).absolute().parent.is_dir():
        raise typer.BadParameter(
            f"cannot write {output!r}: its folder {str(Path(output).absolute().parent)!r} does not exist",
            param_hint="'--output'",
        )
    try:
        chosen = export_format_of(
            None if to_stdout else output,
            None if export_format is None else export_format.value,
            names=("--format", "FILE"),
        )
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="'--format'") from None
    result = _call(
        context,
        lambda client: export_dataset(
            name=name,
            version_id=version,
            tag=tag,
            format=chosen,
            id_key=id_key,
            path=None if to_stdout else Path(output),
            file=sys.stdout.buffer if to_stdout else None,
            client=client,
        ),
        json_output,
    )
    if json_output and not to_stdout:
        _show(dataclasses.asdict(result))
        return
    summary = f"{name}: version {result.version_id} -> {output} ({chosen}, {result.size:,} bytes)"
    if to_stdout:
        sys.stderr.write(summary + "\n")
        return
    _print(summary)
