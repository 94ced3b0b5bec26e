"""The ``groundset`` command for CI pipelines: upsert a file of examples, hash one, list datasets,
versions and diffs. Every error is printed on stderr and exits with status 1 (2 for a usage error).

    groundset upsert examples.jsonl --dataset qa --id-key id
    groundset hash examples.jsonl --id-key id --digest   # the digest the server reports after that upsert
    groundset datasets | groundset versions qa | groundset diff qa --from 3 --to 4
"""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from groundset._native import manifest_digest
from groundset._read import hash_file as hash_records
from groundset.client import Client
from groundset.errors import ConflictError, ExampleError, GroundsetError

__all__ = ["app", "main"]

T = TypeVar("T")

app = typer.Typer(
    name="groundset",
    help="Sync datasets of evaluation examples with a groundset server, by content hash.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# emoji=False: rich would print a line ":100:" (FILE:100: ...) or a name such as "a:fire:b" as emoji.
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


class ModeChoice(str, enum.Enum):
    """``--mode``."""

    merge = "merge"
    mirror = "mirror"


class FormatChoice(str, enum.Enum):
    """``--format``."""

    jsonl = "jsonl"
    json = "json"
    csv = "csv"


@dataclasses.dataclass(frozen=True, slots=True)
class Connection:
    base_url: str | None
    api_key: str | None

    def client(self) -> Client:
        return Client(base_url=self.base_url, api_key=self.api_key)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.callback()
def _connection(
    context: typer.Context,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", envvar="GROUNDSET_BASE_URL", help="The server (default http://127.0.0.1:6060)."),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option("--api-key", envvar="GROUNDSET_API_KEY", help="Sent as a Bearer token.")
    ] = None,
) -> None:
    context.obj = Connection(base_url=base_url, api_key=api_key)


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(1)


def _guarded(action: Callable[[], T]) -> T:
    """``action()``; an SDK error or a bad argument is printed and exits with status 1."""
    try:
        return action()
    except (GroundsetError, ValueError, TypeError, OSError) as error:
        _fail(str(error).replace("[", "\\["))


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _keys(values: list[str] | None) -> list[str] | None:
    """Keys given as repeated options and/or comma-separated lists."""
    if not values:
        return None
    return [key.strip() for value in values for key in value.split(",") if key.strip()]


def _bad_records(error: ExampleError, file: Path) -> NoReturn:
    """Every bad record on its own line, ``FILE:LINE: CODE at PATH [source id ID]: message``,
    then ``... and N more``; exit status 1."""
    for issue in error.errors:
        err.print(issue.describe(file), markup=False, highlight=False)
    if error.more_errors:
        err.print(f"... and {error.more_errors} more", markup=False, highlight=False)
    count = len(error.errors) + error.more_errors
    _fail(f"{file}: {count} bad record{'s' if count != 1 else ''}; nothing was sent")


def _refused_mirror(error: ConflictError, file: Path) -> str:
    """The mirror guard's refusal as a CI log should say it: what would have gone, and the flag."""
    body = error.problem
    if error.code not in ("mirror_would_empty", "max_deletes_exceeded"):
        return str(error)
    listed = ", ".join(body.get("source_ids") or [])
    more = body.get("deleted", 0) - len(body.get("source_ids") or [])
    listed += f" and {more} more" if more > 0 else ""
    if error.code == "mirror_would_empty":
        return (
            f"{file}: mirror_would_empty: this mirror would delete all {body.get('deleted')} examples of the "
            f"dataset ({listed}) and leave it empty; nothing was written. If {file} is meant to be empty, "
            "pass --allow-empty"
        )
    return (
        f"{file}: max_deletes_exceeded: this mirror would delete {body.get('deleted')} examples ({listed}), "
        f"more than --max-delete {body.get('max_deletes')}; nothing was written. Raise --max-delete to allow it"
    )


FileArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, help="A .jsonl (.ndjson), .json or .csv file.")
]
IdKeyOption = Annotated[
    str | None, typer.Option("--id-key", help="The field holding each example's identity [default: content hash].")
]
InputKeysOption = Annotated[
    list[str] | None, typer.Option("--input-keys", help="Flat records: fields of the input (a,b or repeated).")
]
OutputKeysOption = Annotated[list[str] | None, typer.Option("--output-keys", help="Fields of the output.")]
MetadataKeysOption = Annotated[list[str] | None, typer.Option("--metadata-keys", help="Fields of the metadata.")]
FormatOption = Annotated[
    FormatChoice | None, typer.Option("--format", help="The file's format [default: from its extension].")
]


@app.command()
def upsert(
    context: typer.Context,
    file: FileArgument,
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="The dataset's name (created if missing).")],
    id_key: IdKeyOption = None,
    input_keys: InputKeysOption = None,
    output_keys: OutputKeysOption = None,
    metadata_keys: MetadataKeysOption = None,
    file_format: FormatOption = None,
    mode: Annotated[
        ModeChoice, typer.Option("--mode", help="merge keeps other examples; mirror deletes them.")
    ] = ModeChoice.merge,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Classify without writing.")] = False,
    allow_empty: Annotated[
        bool, typer.Option("--allow-empty", help="Mirror: allow deleting every example (e.g. from an empty file).")
    ] = False,
    max_delete: Annotated[
        int | None,
        typer.Option("--max-delete", min=0, metavar="N", help="Mirror: refuse to delete more than N examples."),
    ] = None,
    version_description: Annotated[
        str | None, typer.Option("--version-description", help="Describe the new version.")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Make dataset NAME match the examples of FILE; a new version only if something changed.

    FILE is read by the same core as `groundset hash`, so `groundset hash FILE --digest` (same
    options) prints the digest this reports. Every bad record is listed; then nothing is sent.
    """
    connection: Connection = context.obj
    try:
        with connection.client() as client:
            result = client.upsert_dataset(
                name=dataset,
                path=file,
                format=None if file_format is None else file_format.value,
                source_id_key=id_key,
                input_keys=_keys(input_keys),
                output_keys=_keys(output_keys),
                metadata_keys=_keys(metadata_keys),
                mode=mode.value,
                dry_run=dry_run,
                allow_empty=allow_empty,
                max_deletes=max_delete,
                version_description=version_description,
            )
    except ExampleError as error:
        _bad_records(error, file)
    except ConflictError as error:
        _fail(_refused_mirror(error, file).replace("[", "\\["))
    except (GroundsetError, ValueError, TypeError, OSError) as error:
        _fail(str(error).replace("[", "\\["))
    if json_output:
        _print_json(dataclasses.asdict(result))
        return
    table = Table(title=result.summary(), title_justify="left", show_header=True)
    for column in ("created", "updated", "unchanged", "deleted"):
        table.add_column(column, justify="right")
    table.add_row(str(result.created), str(result.updated), str(result.unchanged), str(result.deleted))
    out.print(table)
    out.print(f"digest {result.digest}")
    if result.dry_run:
        for label in ("created", "updated", "deleted"):
            ids = getattr(result, f"{label}_source_ids") or []
            if ids:
                out.print(f"{label}: {', '.join(ids[:20])}" + (f" … ({len(ids)} in all)" if len(ids) > 20 else ""))


@app.command("hash")
def hash_file(
    file: FileArgument,
    id_key: IdKeyOption = None,
    input_keys: InputKeysOption = None,
    output_keys: OutputKeysOption = None,
    metadata_keys: MetadataKeysOption = None,
    file_format: FormatOption = None,
    digest_only: Annotated[bool, typer.Option("--digest", help="Print only the digest of the whole file.")] = False,
) -> None:
    """Print `source_id<TAB>content_hash` for each example of FILE, then the digest on stderr.

    Takes the options of `groundset upsert` and reads FILE the same way (natively, in
    parallel), so the digest equals the one the server reports after that upsert.
    With --digest, print only the digest, on stdout.
    """
    try:
        pairs = hash_records(
            file,
            format=None if file_format is None else file_format.value,
            source_id_key=id_key,
            input_keys=_keys(input_keys),
            output_keys=_keys(output_keys),
            metadata_keys=_keys(metadata_keys),
        )
    except ExampleError as error:
        _bad_records(error, file)
    except (GroundsetError, ValueError, TypeError, OSError) as error:
        _fail(str(error).replace("[", "\\["))
    digest = manifest_digest(pairs)
    if digest_only:
        sys.stdout.write(digest + "\n")
        return
    sys.stdout.write("".join(f"{source_id}\t{content_hash}\n" for source_id, content_hash in pairs))
    sys.stdout.flush()
    err.print(f"digest {digest} ({len(pairs)} examples)")


@app.command()
def datasets(context: typer.Context, json_output: JsonFlag = False) -> None:
    """List the datasets."""
    connection: Connection = context.obj
    found = _guarded(lambda: _with_client(connection, lambda client: client.list_datasets()))
    if json_output:
        _print_json([dataclasses.asdict(info) for info in found])
        return
    table = Table("id", "name", "latest version", "updated", "description")
    for info in found:
        table.add_row(info.id, info.name, info.latest_version_id or "-", info.updated_at[:19], info.description or "")
    for column in table.columns[:2]:
        column.no_wrap = True
    out.print(table)


@app.command()
def versions(
    context: typer.Context,
    name: Annotated[str, typer.Argument(help="The dataset's name.")],
    json_output: JsonFlag = False,
) -> None:
    """List the versions of dataset NAME, newest first."""
    connection: Connection = context.obj
    found = _guarded(lambda: _with_client(connection, lambda client: client.list_versions(name=name)))
    if json_output:
        _print_json([dataclasses.asdict(version) for version in found])
        return
    table = Table("id", "created at", "examples", "changes", "digest", "description")
    for v in found:
        changes = f"+{v.created} ~{v.updated} -{v.deleted}"
        table.add_row(v.id, v.created_at[:19], str(v.example_count), changes, v.digest[:12], v.description or "")
    for column in table.columns[:5]:
        column.no_wrap = True
    out.print(table)


@app.command()
def diff(
    context: typer.Context,
    name: Annotated[str, typer.Argument(help="The dataset's name.")],
    from_version: Annotated[str, typer.Option("--from", help="The older version's id.")],
    to_version: Annotated[str, typer.Option("--to", help="The newer version's id.")],
    json_output: JsonFlag = False,
) -> None:
    """The source ids created, updated and deleted between two versions of dataset NAME."""
    connection: Connection = context.obj
    found = _guarded(
        lambda: _with_client(
            connection,
            lambda client: client.diff_versions(name=name, from_version_id=from_version, to_version_id=to_version),
        )
    )
    if json_output:
        _print_json(dataclasses.asdict(found))
        return
    out.print(f"{name}: version {found.from_version_id} -> {found.to_version_id}")
    for label, ids in (("created", found.created), ("updated", found.updated), ("deleted", found.deleted)):
        out.print(f"{label} ({len(ids)}): {', '.join(ids)}" if ids else f"{label} (0)")


def _with_client(connection: Connection, action: Callable[[Client], T]) -> T:
    with connection.client() as client:
        return action(client)


def main() -> None:
    """The console script ``groundset``."""
    app()


if __name__ == "__main__":
    main()
