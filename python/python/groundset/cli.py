"""The ``groundset`` command for CI pipelines: upsert a file of examples, hash one, list datasets,
versions and diffs. Every error is printed on stderr and exits with status 1 (2 for a usage error).

    groundset upsert examples.jsonl --dataset qa --id-key id
    groundset hash examples.jsonl --id-key id --digest
    groundset datasets | groundset versions qa | groundset diff qa --from 3 --to 4
"""

from __future__ import annotations

import csv
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

from groundset._native import hash_jsonl, manifest_digest
from groundset.client import Client
from groundset.errors import ConflictError, ExampleError, GroundsetError, HashError

__all__ = ["app", "main", "read_records"]

T = TypeVar("T")

app = typer.Typer(
    name="groundset",
    help="Sync datasets of evaluation examples with a groundset server, by content hash.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class ModeChoice(str, enum.Enum):
    """``--mode``."""

    merge = "merge"
    mirror = "mirror"


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


def _unflatten(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row whose columns may be dotted paths (``input.question``) as nested objects."""
    record: dict[str, Any] = {}
    for column, value in row.items():
        parts = column.split(".")
        target = record
        for part in parts[:-1]:
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"CSV column {column!r} nests below {part!r}, which is also a column of its own")
            target = child
        target[parts[-1]] = value
    return record


def read_records(path: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """The records of a JSONL, JSON or CSV file, and the line each starts on.

    JSONL (``.jsonl``, ``.ndjson``): one object per line, blank lines skipped. JSON: an array of
    objects (or an object with ``examples``). CSV: a header row; its values stay strings, and
    columns such as ``input.question`` become nested objects.
    """
    suffix = path.suffix.lower()
    with path.open(encoding="utf-8", newline="") as file:
        if suffix == ".csv":
            rows = list(csv.DictReader(file))
            return [_unflatten(row) for row in rows], list(range(2, len(rows) + 2))
        if suffix == ".json":
            try:
                data = json.load(file)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{error.lineno}:{error.colno}: not JSON: {error.msg}") from None
            if isinstance(data, dict) and isinstance(data.get("examples"), list):
                data = data["examples"]
            if not isinstance(data, list):
                raise ValueError(f"{path}: a JSON file must hold an array of examples (or {{'examples': [...]}})")
            return data, []
        records: list[dict[str, Any]] = []
        lines: list[int] = []
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}:{error.colno}: not JSON: {error.msg}") from None
            lines.append(number)
        return records, lines


def _at_line(error: GroundsetError, path: Path, lines: list[int]) -> str:
    row = getattr(error, "row", None)
    if isinstance(error, (ExampleError, HashError)) and row is not None and row < len(lines):
        return f"{path}:{lines[row]}: {error}"
    if isinstance(error, (ExampleError, HashError)):
        return f"{path}: {error}"
    return str(error)


def _refused_mirror(error: ConflictError, file: Path) -> str:
    """The mirror guard's refusal as a CI log should say it: what would have gone, and the flag."""
    body = error.body
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


@app.command()
def upsert(
    context: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .jsonl, .json or .csv file.")],
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="The dataset's name (created if missing).")],
    id_key: Annotated[
        str | None, typer.Option("--id-key", help="The field holding each example's identity [default: content hash].")
    ] = None,
    input_keys: Annotated[
        list[str] | None, typer.Option("--input-keys", help="Flat records: fields of the input (a,b or repeated).")
    ] = None,
    output_keys: Annotated[list[str] | None, typer.Option("--output-keys", help="Fields of the output.")] = None,
    metadata_keys: Annotated[list[str] | None, typer.Option("--metadata-keys", help="Fields of the metadata.")] = None,
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
    """Make dataset NAME match the examples of FILE; a new version only if something changed."""
    connection: Connection = context.obj
    records, lines = _guarded(lambda: read_records(file))
    try:
        with connection.client() as client:
            result = client.upsert_dataset(
                name=dataset,
                examples=records,
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
    except ConflictError as error:
        _fail(_refused_mirror(error, file).replace("[", "\\["))
    except GroundsetError as error:
        _fail(_at_line(error, file, lines).replace("[", "\\["))
    except (ValueError, TypeError) as error:
        _fail(str(error))
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
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .jsonl file of examples.")],
    id_key: Annotated[str, typer.Option("--id-key", help="The field holding each example's source id.")] = "id",
    digest_only: Annotated[bool, typer.Option("--digest", help="Print only the digest of the whole file.")] = False,
) -> None:
    """Print `source_id<TAB>content_hash` for each example of FILE, then the digest on stderr.

    Records are structured ({"input", "output", "metadata"}); hashed natively in parallel.
    With --digest, print only the digest, on stdout.
    """
    pairs = _guarded(lambda: _hash_jsonl(file, id_key))
    digest = _guarded(lambda: manifest_digest(pairs))
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


def _hash_jsonl(file: Path, id_key: str) -> list[tuple[str, str]]:
    try:
        return hash_jsonl(file, id_key=id_key)
    except HashError as error:
        raise HashError(f"{file}: {error}", code=error.code, path=error.path, line=error.line) from None


def _with_client(connection: Connection, action: Callable[[Client], T]) -> T:
    with connection.client() as client:
        return action(client)


def main() -> None:
    """The console script ``groundset``."""
    app()


if __name__ == "__main__":
    main()
