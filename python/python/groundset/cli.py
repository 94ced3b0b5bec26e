"""The ``groundset`` command for CI pipelines: upsert a file of examples, hash one, list datasets,
versions and diffs, list and read experiments, and compare two of them as a regression gate.
Every error is printed on stderr and exits with status 1 (2 for a usage error); ``compare`` exits
0 (no regression), 1 (regressed, with ``--fail-on-regression``) or 2 (could not compare).

    groundset upsert examples.jsonl --dataset qa --id-key id
    groundset hash examples.jsonl --id-key id --digest   # the digest the server reports after that upsert
    groundset datasets | groundset versions qa | groundset diff qa --from 3 --to 4
    groundset experiments qa | groundset experiment 12
    groundset compare --dataset qa nightly nightly --fail-on-regression   # the latest nightly against the one before
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import enum
import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from groundset_core import manifest_digest
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from groundset import _cli_export, _cli_schema, _cli_tags, _tags
from groundset import _experiment_api as experiment_api
from groundset._cli_args import non_empty
from groundset._experiment_types import Experiment, cost_lines, selection_line
from groundset._format import counted, fixed, number, shown
from groundset._http import Op
from groundset._ops import dataset_json
from groundset._read import check_parts
from groundset._read import hash_file as hash_records
from groundset._upsert import GUARD_CODES, guard_message
from groundset.client import Client, drive_op
from groundset.comparisons import Comparison
from groundset.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    ConflictError,
    ExampleError,
    GroundsetError,
    HashError,
    bad_records,
)
from groundset.types import Diff, Version

__all__ = ["app", "main"]

T = TypeVar("T")

FLAG = " "
"""The metavar of a flag: none (typer would show ``<bool>`` as if it took a value)."""


class _Group(TyperGroup):
    """The command group, whose ``--help`` (its own and each command's) shows no value: typer
    renders the help flag's type as ``<bool>`` as if it took one."""

    def get_help_option(self, ctx: Any) -> Any:
        return _without_metavar(super().get_help_option(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            # The command's context inherits the group's help option names, so ctx serves.
            _without_metavar(command.get_help_option(ctx))
        return command

    def invoke(self, ctx: Any) -> Any:
        # Before typer's own handler, which exits 1 without a word (a failure a script cannot
        # tell from a real one).
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _pipe_closed()
        except typer.BadParameter as error:
            # typer converts a value with pydantic, whose refusals start so.
            error.message = error.message.removeprefix("Value error, ")
            raise


PIPE_CLOSED = 141
"""The exit status when stdout's reader went away (``groundset experiments qa | head -1``):
128 + SIGPIPE, what a shell reports for ``yes | head -1``'s ``yes``, so ``set -o pipefail``
still tells a cut output from a whole one (and a gate's 0 is never faked); nothing is printed."""


def _pipe_closed() -> NoReturn:
    """Exit quietly with :data:`PIPE_CLOSED`; stdout goes to /dev/null first, so the flush at
    exit does not fail again ("Exception ignored ... BrokenPipeError")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # a stdout without a file descriptor (a test's runner)
        pass
    sys.exit(PIPE_CLOSED)


def _without_metavar(option: Any) -> Any:
    if option is not None:
        option.metavar = FLAG
    return option


app = typer.Typer(
    cls=_Group,
    name="groundset",
    help="Sync datasets of evaluation examples with a groundset server, by content hash.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Markdown: a docstring's paragraphs are wrapped to the terminal, not cut where the source is.
    rich_markup_mode="markdown",
)


class _Console(Console):
    """rich's console, which exits 1 when stdout's reader went away; the CLI exits as
    :func:`_pipe_closed` says."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        _pipe_closed()


# emoji=False: rich would print a line ":100:" (FILE:100: ...) or a name such as "a:fire:b" as emoji.
out = _Console(highlight=False, soft_wrap=True, emoji=False)
err = _Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


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


JsonFlag = Annotated[bool, typer.Option("--json", metavar=FLAG, help="Print JSON instead of a table.")]


def _print_version(wanted: bool) -> None:
    if wanted:
        import importlib.metadata

        import groundset_core

        out.print(f"groundset {importlib.metadata.version('groundset')} (groundset-core {groundset_core.__version__})")
        raise typer.Exit()


@app.callback()
def _connection(
    context: typer.Context,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="GROUNDSET_BASE_URL",
            metavar="URL",
            help="The server [default: http://127.0.0.1:6060].",
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", envvar="GROUNDSET_API_KEY", metavar="KEY", help="Sent as a Bearer token."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", metavar=FLAG, is_eager=True, callback=_print_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    context.obj = Connection(base_url=base_url, api_key=api_key)
    _KEY_SENT.set(bool(api_key))


def _fail(message: str, status: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(status)


_KEY_SENT: contextvars.ContextVar[bool] = contextvars.ContextVar("groundset_cli_key_sent", default=False)
"""Whether this invocation sends an API key (--api-key or GROUNDSET_API_KEY), for a 401's hint."""


def _refuse(
    json_output: bool,
    message: str,
    *,
    code: str,
    details: dict[str, Any] | None = None,
    lines: list[str] | None = None,
    status: int = 1,
) -> NoReturn:
    """A refusal: ``lines`` then ``error: message`` on stderr; with ``--json`` also
    ``{"error": {"code", "detail", ...details}}`` on stdout, so a script reading stdout sees it.
    Exit ``status``."""
    if json_output:
        _print_json({"error": {"code": code, "detail": message, **(details or {})}})
    for line in lines or []:
        err.print(line, markup=False, highlight=False)
    _fail(message.replace("[", "\\["), status)


CLI_NAMES = (
    ("send `move_tag: true`", "pass --move-tag"),
    ("send `move: true`", "pass --move"),
    ("move_tag=True goes with tag=", "--move-tag goes with --tag"),
    ("send `force: true`", "pass --force"),
)
"""What a refusal names in the SDK's or the wire's terms, and the CLI's option for it."""


def _refuse_error(error: Exception, json_output: bool, file: Path | None = None, status: int = 1) -> NoReturn:
    """An SDK error or a bad argument, refused as :func:`_refuse` says."""
    if isinstance(error, ConflictError) and error.code in GUARD_CODES and file is not None:
        message = f"{file}: {error.code}: " + guard_message(
            error.problem, error.code, "--allow-empty", "--max-delete", " "
        )
    elif isinstance(error, HashError) and error.code == "io_error":
        message = error.reason.replace("(give the format)", "(pass --format jsonl, json or csv)")
    elif isinstance(error, OSError) and error.strerror and error.filename and "[Errno" in str(error):
        # The system's own wording names the file but not what to do; say it as a sentence.
        message = f"{error.filename}: {error.strerror[0].lower()}{error.strerror[1:]}"
    else:
        message = str(error)
    # The server and the SDK name their own members and arguments; the CLI's are options.
    for sdk_name, option in CLI_NAMES:
        message = message.replace(sdk_name, option)
    details: dict[str, Any] = {}
    code = "error"
    lines: list[str] = []
    if isinstance(error, APIError):
        code = error.code
        details = {"status": error.status, "problem": error.problem}
        lines = _problem_lines(error.problem)
        if isinstance(error, AuthenticationError):
            message += _key_hint()
    elif isinstance(error, (HashError, APIConnectionError)):
        code = error.code
    elif isinstance(error, (ValueError, TypeError)):
        code = "invalid_argument"
    elif isinstance(error, OSError):
        code = "io_error"
    _refuse(json_output, message, code=code, details=details, lines=lines, status=status)


def _problem_lines(problem: dict[str, Any] | None) -> list[str]:
    """Each record a server's problem lists in ``errors`` (up to its limit, 100) on its own line,
    ``[line N: |index N: ]CODE at PATH [source id ID]: detail``, then ``... and N more``: a
    refusal names every bad example, not the first (as a local check's :func:`_bad_records`)."""
    listed = (problem or {}).get("errors")
    if not isinstance(listed, list):
        return []
    lines = []
    for item in listed:
        if not isinstance(item, dict):
            continue
        where = (
            f"line {item['line']}: "
            if item.get("line") is not None
            else f"index {item['index']}: "
            if item.get("index") is not None
            else ""
        )
        known = f" [source id {item['source_id']}]" if item.get("source_id") is not None else ""
        lines.append(f"{where}{item.get('code', 'error')} at {item.get('path', '$')}{known}: {item.get('detail', '')}")
    more = (problem or {}).get("more_errors")
    if isinstance(more, int) and more > 0:
        lines.append(f"... and {more} more")
    return lines


def _key_hint() -> str:
    """What to do about a 401: give a key when none was sent, else check the one that was."""
    if _KEY_SENT.get():
        return (
            " (the server refused the API key sent, from --api-key or GROUNDSET_API_KEY: check it is "
            "the key the server runs with)"
        )
    return " (hint: set GROUNDSET_API_KEY, or pass --api-key KEY before the command)"


def _guarded(action: Callable[[], T], json_output: bool = False, status: int = 1) -> T:
    """``action()``; an SDK error or a bad argument is printed and exits with ``status``."""
    try:
        return action()
    except BrokenPipeError:  # writing to stdout (groundset export -o - | head)
        _pipe_closed()
    except (GroundsetError, ValueError, TypeError, OSError) as error:
        _refuse_error(error, json_output, status=status)


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _keys(values: list[str] | None) -> list[str] | None:
    """Keys given as repeated options and/or comma-separated lists."""
    if not values:
        return None
    return [key.strip() for value in values for key in value.split(",") if key.strip()]


def _bad_records(error: ExampleError, file: Path, json_output: bool, *, sends: bool) -> NoReturn:
    """Every bad record on its own line, ``FILE:LINE[:COLUMN]: CODE at PATH [source id ID]: message``,
    then ``... and N more`` and the CLI's option names for the fixes the messages name; exit status 1."""
    issues = [dataclasses.replace(issue, message=_option_names(issue.message)) for issue in error.errors]
    lines = [issue.describe(file) for issue in issues]
    if error.more_errors:
        lines.append(f"... and {error.more_errors} more")
    hints = _hints(error)
    lines += [f"hint: {hint}" for hint in hints]
    # A small sync is checked by the server: its refusal (the ExampleError raised while handling
    # the server's APIError) was sent, and nothing was written.
    said = "; nothing was written" if isinstance(error.__context__, APIError) else "; nothing was sent"
    message = f"{file}: {bad_records(error.errors, error.more_errors)}" + (said if sends else "")
    details = {
        "errors": [dataclasses.asdict(issue) for issue in issues],
        "more_errors": error.more_errors,
        "hints": hints,
    }
    _refuse(json_output, message, code=error.code, details=details, lines=lines)


def _option_names(message: str) -> str:
    """The core's message with the CLI's option names for the key lists it names
    (``named in output_keys`` is ``named in --output-keys`` here)."""
    for part in ("input", "output", "metadata"):
        message = message.replace(f"(named in {part}_keys)", f"(named in --{part}-keys)")
    return message


def _hints(error: ExampleError) -> list[str]:
    """The CLI's names for the options the core's messages name in an SDK's words ("input keys",
    "the id key"). The core says the rest (flat columns, another delimiter, spaced header names,
    did you mean), in the same words for ``groundset`` and ``upsert_dataset(path=...)``, so the
    CLI does not repeat it."""
    messages = [issue.message for issue in error.errors]
    hints = []
    if any("input keys" in message for message in messages):
        hints.append(
            "on the command line, the input, output and metadata keys are --input-keys, --output-keys and "
            "--metadata-keys (e.g. --output-keys answer; the input defaults to every field not named elsewhere)"
        )
    if any("give it as the id key" in message for message in messages):
        hints.append("on the command line, the id key is --id-key NAME (e.g. --id-key id)")
    return hints


def _digit_tag(*options: tuple[str | None, str, str | None]) -> str | None:
    """Why a tag given is refused, when it is all digits (it would read as a version id), in the
    CLI's flags where the SDK's message names its arguments (``tag=``, ``version_id=``): each
    option is (its value, its flag, the flag that takes a version id instead, if any)."""
    for value, flag, version_flag in options:
        if value is not None and value.isascii() and value.isdigit():
            fix = f"pass {version_flag} {value} for that" if version_flag else "a tag needs another character"
            return f"{flag} {value!r} is all digits, which reads as a version id: {fix}"
    return None


def _refuse_digit_tag(json_output: bool, *options: tuple[str | None, str, str | None]) -> None:
    """:func:`_digit_tag`'s refusal (code ``invalid_tag``): a usage mistake found before any
    request, so exit status 2 as for every other (``compare --head-tag 7`` too)."""
    message = _digit_tag(*options)
    if message is not None:
        _refuse(json_output, message, code="invalid_tag", status=2)


def _check_key_options(id_key: str | None, parts: dict[str, list[str] | None]) -> None:
    """Usage errors (exit 2) for key options that contradict each other."""
    if id_key is not None and not id_key:
        raise typer.BadParameter("must be a non-empty string", param_hint="'--id-key'")
    try:
        check_parts(parts)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


FileArgument = Annotated[
    Path,
    # Not exists=True: typer then refuses "-" too (it compares the Path to the string "-").
    typer.Argument(
        dir_okay=False,
        metavar="FILE",
        help="A .jsonl (.ndjson), .json or .csv file; - reads standard input (with --format).",
    ),
]
STDIN = Path("-")


@contextlib.contextmanager
def _readable(file: Path, file_format: FormatChoice | None) -> Iterator[tuple[Path, Path]]:
    """``(path to read, name to show)``: the file itself, or for ``-`` standard input copied to
    a temporary file (the core reads files, in parallel), shown as ``<stdin>``."""
    if file != STDIN:
        if not file.exists():
            raise typer.BadParameter(f"file {str(file)!r} does not exist", param_hint="'FILE'")
        yield file, file
        return
    if file_format is None:
        raise typer.BadParameter("reading standard input (-) needs --format jsonl, json or csv", param_hint="'FILE'")
    with tempfile.TemporaryDirectory(prefix="groundset-stdin-") as directory:
        path = Path(directory) / f"stdin.{file_format.value}"
        with path.open("wb") as copy:
            shutil.copyfileobj(sys.stdin.buffer, copy)
        yield path, Path("<stdin>")


IdKeyOption = Annotated[
    str | None,
    typer.Option(
        "--id-key",
        metavar="KEY",
        help="The field holding each example's identity (a string, or an integer) [default: the content hash].",
    ),
]
InputKeysOption = Annotated[
    list[str] | None,
    typer.Option(
        "--input-keys",
        metavar="KEYS",
        help="Flat records (a spreadsheet's columns): the fields of the input, as a,b or repeated "
        "[default: every field not named elsewhere].",
    ),
]
OutputKeysOption = Annotated[
    list[str] | None, typer.Option("--output-keys", metavar="KEYS", help="Flat records: the fields of the output.")
]
MetadataKeysOption = Annotated[
    list[str] | None,
    typer.Option("--metadata-keys", metavar="KEYS", help="Flat records: the fields of the metadata."),
]
FormatOption = Annotated[
    FormatChoice | None,
    # In any case, as a file's extension is read (.JSONL is JSON Lines too).
    typer.Option("--format", case_sensitive=False, help="The file's format [default: from its extension]."),
]


@app.command()
def upsert(
    context: typer.Context,
    file: FileArgument,
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset", "-d", metavar="NAME", callback=non_empty, help="The dataset's name (created if missing)."
        ),
    ],
    id_key: IdKeyOption = None,
    input_keys: InputKeysOption = None,
    output_keys: OutputKeysOption = None,
    metadata_keys: MetadataKeysOption = None,
    file_format: FormatOption = None,
    mode: Annotated[
        ModeChoice,
        typer.Option("--mode", case_sensitive=False, help="merge keeps other examples; mirror deletes them."),
    ] = ModeChoice.merge,
    dry_run: Annotated[bool, typer.Option("--dry-run", metavar=FLAG, help="Classify without writing.")] = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty", metavar=FLAG, help="Mirror: allow deleting every example (e.g. from an empty file)."
        ),
    ] = False,
    max_delete: Annotated[
        int | None,
        typer.Option("--max-delete", min=0, metavar="N", help="Mirror: refuse to delete more than N examples."),
    ] = None,
    version_description: Annotated[
        str | None, typer.Option("--version-description", metavar="TEXT", help="Describe the new version.")
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option("--json", metavar=FLAG, help='Print the result as JSON (a refusal as {"error": {...}}).'),
    ] = False,
    tag: Annotated[
        str | None,
        typer.Option("--tag", metavar="TAG", help="Tag the version the sync produced (or the latest, unchanged)."),
    ] = None,
    move_tag: Annotated[
        bool, typer.Option("--move-tag", metavar=FLAG, help="Move --tag if it names another version now.")
    ] = False,
) -> None:
    """Make dataset NAME match the examples of FILE; a new version only if something changed.

    FILE is read by the same core as `groundset hash`, so `groundset hash FILE --digest` with the same options
    prints the digest this reports. Every bad record is listed; then nothing is sent.
    """
    _check_key_options(
        id_key,
        {
            "--input-keys": _keys(input_keys),
            "--output-keys": _keys(output_keys),
            "--metadata-keys": _keys(metadata_keys),
        },
    )
    if mode is ModeChoice.merge and (allow_empty or max_delete is not None):
        flag = "--allow-empty" if allow_empty else "--max-delete"
        raise typer.BadParameter(
            "applies to --mode mirror only (a merge never deletes examples)", param_hint=f"'{flag}'"
        )
    connection: Connection = context.obj
    try:
        with connection.client() as client, _readable(file, file_format) as (path, file):
            result = client.upsert_dataset(
                name=dataset,
                path=path,
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
                tag=tag,
                move_tag=move_tag,
            )
    except ExampleError as error:
        _bad_records(error, file, json_output, sends=True)
    except (GroundsetError, ValueError, TypeError, OSError) as error:
        _refuse_error(error, json_output, file)
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
    digest_only: Annotated[
        bool, typer.Option("--digest", metavar=FLAG, help="Print only the digest of the whole file.")
    ] = False,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            metavar=FLAG,
            help='Print {"digest", "count", "pairs"} as JSON ("pairs" left out with --digest); '
            'a refusal as {"error": {...}}.',
        ),
    ] = False,
) -> None:
    """Print the source id and content hash of each example of FILE (tab-separated), then the digest on stderr.

    Takes the options of `groundset upsert` and reads FILE the same way (natively, in parallel), so the digest
    equals the one the server reports after that upsert. Nothing is sent. With --digest, print only the digest,
    on stdout.
    """
    _check_key_options(
        id_key,
        {
            "--input-keys": _keys(input_keys),
            "--output-keys": _keys(output_keys),
            "--metadata-keys": _keys(metadata_keys),
        },
    )
    try:
        with _readable(file, file_format) as (path, file):
            pairs = hash_records(
                path,
                format=None if file_format is None else file_format.value,
                source_id_key=id_key,
                input_keys=_keys(input_keys),
                output_keys=_keys(output_keys),
                metadata_keys=_keys(metadata_keys),
            )
    except ExampleError as error:
        _bad_records(error, file, json_output, sends=False)
    except (GroundsetError, ValueError, TypeError, OSError) as error:
        _refuse_error(error, json_output)
    digest = manifest_digest(pairs)
    if json_output:
        shown: dict[str, Any] = {"digest": digest, "count": len(pairs)}
        if not digest_only:
            shown["pairs"] = [list(pair) for pair in pairs]
        _print_json(shown)
        return
    if digest_only:
        sys.stdout.write(digest + "\n")
        return
    sys.stdout.write("".join(f"{source_id}\t{content_hash}\n" for source_id, content_hash in pairs))
    sys.stdout.flush()
    err.print(f"digest {digest} ({counted(len(pairs), 'example')})")


@app.command()
def datasets(context: typer.Context, json_output: JsonFlag = False) -> None:
    """List the datasets."""
    connection: Connection = context.obj
    found = _guarded(lambda: _with_client(connection, lambda client: client.list_datasets()), json_output)
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
    name: Annotated[str, typer.Argument(metavar="NAME", help="The dataset's name.", callback=non_empty)],
    json_output: JsonFlag = False,
) -> None:
    """List the versions of dataset NAME, newest first."""
    connection: Connection = context.obj
    found = _guarded(lambda: _with_client(connection, lambda client: client.list_versions(name=name)), json_output)
    if json_output:
        _print_json([dataclasses.asdict(version) for version in found])
        return
    _print_table(_versions_table(found))


def _versions_table(found: list[Version]) -> Table:
    """The versions as a table whose ids, times, example counts and digests are never cut nor
    wrapped: at 80 columns the changes, tags and description wrap instead."""
    table = Table("id", "created at", "examples", "changes", "digest", "tags", "description")
    for v in found:
        changes = f"+{v.created} ~{v.updated} -{v.deleted}"
        shown = ", ".join(v.tags)
        created = v.created_at[:16].replace("T", " ")
        table.add_row(v.id, created, str(v.example_count), changes, v.digest[:12], shown, v.description or "")
    for index, column in enumerate(table.columns):
        if index in (0, 1, 2, 4):  # id, created at, examples, digest
            # no_wrap alone is not enough: when the wrapping columns cannot shrink further, rich
            # shrinks every column, no_wrap ones too; a min_width of the content keeps them whole.
            column.no_wrap = True
            column.min_width = max(len(str(cell)) for cell in [column.header, *column.cells])
        else:
            column.overflow = "fold"
    return table


@app.command()
def diff(
    context: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The dataset's name.", callback=non_empty)],
    from_version: Annotated[
        str | None,
        typer.Option("--from", metavar="ID", help="The older version's id [default: the version before --to]."),
    ] = None,
    to_version: Annotated[
        str | None, typer.Option("--to", metavar="ID", help="The newer version's id [default: the latest].")
    ] = None,
    json_output: JsonFlag = False,
    from_tag: Annotated[str | None, typer.Option("--from-tag", metavar="TAG", help="The older version by tag.")] = None,
    to_tag: Annotated[str | None, typer.Option("--to-tag", metavar="TAG", help="The newer version by tag.")] = None,
) -> None:
    """The source ids created, updated and deleted between two versions of dataset NAME (each by
    id or tag; by default the latest and the version before it, as the web UI's diff)."""
    _refuse_digit_tag(json_output, (from_tag, "--from-tag", "--from"), (to_tag, "--to-tag", "--to"))
    connection: Connection = context.obj

    def between(client: Client) -> Diff:
        to_id, from_id = to_version, from_version
        if from_id is None and from_tag is None:
            to_id, from_id = _latest_and_before(client, name, to_id, to_tag)
        elif to_id is None and to_tag is None:
            to_id = _latest_and_before(client, name, None, None, before=False)[0]
        return client.diff_versions(
            name=name,
            from_version_id=from_id,
            to_version_id=to_id,
            from_tag=from_tag,
            to_tag=None if to_id is not None else to_tag,
        )

    found = _guarded(lambda: _with_client(connection, between), json_output)
    if json_output:
        _print_json(dataclasses.asdict(found))
        return
    out.print(f"{name}: version {found.from_version_id} -> {found.to_version_id}")
    for label, ids in (("created", found.created), ("updated", found.updated), ("deleted", found.deleted)):
        out.print(f"{label} ({len(ids)}): {', '.join(ids)}" if ids else f"{label} (0)")


def _latest_and_before(
    client: Client, name: str, to_id: str | None, to_tag: str | None, *, before: bool = True
) -> tuple[str, str | None]:
    """``(to, from)`` as the web UI's diff fills them in: ``to`` the version given (by id or
    tag), else the latest; ``from`` (with ``before``) the version before it. A dataset's first
    version has none before it: a refusal that says so."""
    versions = client.list_versions(name=name)  # newest first
    if not versions:
        raise ValueError(f"the dataset {name!r} has no version yet")
    if to_id is None:
        tagged = [version.id for version in versions if to_tag is None or to_tag in version.tags]
        if not tagged:
            raise ValueError(f"the dataset {name!r} has no tag {to_tag!r}")
        to_id = tagged[0]
    if not before:
        return to_id, None
    at = next((index for index, version in enumerate(versions) if version.id == to_id), None)
    if at is None:
        raise ValueError(f"the dataset {name!r} has no version {to_id}")
    if at + 1 == len(versions):
        raise ValueError(
            f"version {to_id} is the dataset's first: all its examples were created with it, and "
            "there is no version before it to diff against"
        )
    return to_id, versions[at + 1].id


# ---------------------------------------------------------------- experiments


def _print_table(table: Table) -> None:
    """``table`` as wide as its content when stdout is not a terminal (a CI log, a pipe), where
    rich would otherwise cut it to 80 columns."""
    if out.is_terminal:
        out.print(table)
    else:
        _Console(file=sys.stdout, width=WIDE, highlight=False, emoji=False).print(table)


WIDE = 1000
"""The width of a table printed to a pipe: its content's, up to this."""


def _mean(value: float | None) -> str:
    return number(value)


def _delta(value: float | None) -> str:
    return number(value, sign=True)


def _ms_delta(value: float | None) -> str:
    return "-" if value is None else f"{fixed(value, 1, sign=True, grouping=True)} ms"


def _experiment_rows(
    connection: Connection, dataset: str, name: str | None, version: str | None, limit: int, tag: str | None = None
) -> list[dict[str, Any]]:
    def op() -> Op[list[dict[str, Any]]]:
        info = yield from dataset_json(dataset, None)
        pinned = version if tag is None else (yield from _tags.tag_target(info, tag))
        rows = yield from experiment_api.experiment_rows(
            info["id"], experiment_name=name, version_id=pinned, summary=True, limit=limit
        )
        for row in rows:
            if row.get("summary") is None:  # a server without the list's summary= (before 0.4)
                row["summary"] = (yield from experiment_api.get_experiment(row["id"]))["summary"]
        return rows

    return _with_client(connection, lambda client: drive_op(client, op()))


@app.command()
def experiments(
    context: typer.Context,
    dataset: Annotated[str, typer.Argument(metavar="DATASET", help="The dataset's name.", callback=non_empty)],
    name: Annotated[str | None, typer.Option("--name", metavar="NAME", help="Only experiments of this name.")] = None,
    version: Annotated[
        str | None, typer.Option("--version", metavar="ID", help="Only experiments pinned to this version.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, metavar="N", help="The newest N at most.")] = 20,
    json_output: JsonFlag = False,
    tag: Annotated[
        str | None, typer.Option("--tag", metavar="TAG", help="Only experiments pinned to the version of this tag.")
    ] = None,
) -> None:
    """List the experiments of dataset DATASET, newest first: version, task version, runs (successful, errored,
    reused), the selection of an experiment on part of its version, and the mean score of each evaluator."""
    if version is not None and tag is not None:
        raise typer.BadParameter("give --version or --tag, not both", param_hint="'--tag'")
    _refuse_digit_tag(json_output, (tag, "--tag", "--version"))
    connection: Connection = context.obj
    rows = _guarded(lambda: _experiment_rows(connection, dataset, name, version, limit, tag), json_output)
    if json_output:
        _print_json(rows)
        return
    if not rows:
        what = "" if name is None else f" named {shown(name)}"
        out.print(
            f"dataset {dataset!r} has no experiment{what}" + ("" if version is None else f" on version {version}")
        )
        return
    header = ("id", "name", "version", "task version", "created", "runs ok/err/reused", "selection", "mean scores")
    cells = []
    for row in rows:
        s = row["summary"]
        runs = f"{s['successful_runs']}/{s['errored_runs']}/{s.get('reused_runs', 0)}"
        means = ", ".join(f"{e['name']} {_mean(e['mean_score'])}" for e in s["evaluations"])
        cells.append(
            (
                row["id"],
                row["name"] or "",
                row["version_id"],
                row["task_version"] or "",
                row["created_at"][:19],
                runs,
                "" if row.get("selection") is None else selection_line(row["selection"]).removeprefix("selection: "),
                means,
            )
        )
    table = Table(*header)
    for row_cells in cells:
        table.add_row(*row_cells)
    for column in table.columns[:6]:
        column.no_wrap = True
    _print_table(table)


@app.command()
def experiment(
    context: typer.Context,
    experiment_id: Annotated[str, typer.Argument(metavar="ID", help="The experiment's id.", callback=non_empty)],
    json_output: JsonFlag = False,
) -> None:
    """Print the summary of experiment ID: runs, errors, reused runs, latency, usage, mean score per evaluator."""
    connection: Connection = context.obj
    found = _guarded(
        lambda: _with_client(connection, lambda client: drive_op(client, experiment_api.get_experiment(experiment_id))),
        json_output,
    )
    if json_output:
        _print_json(found)
        return
    out.print(Experiment.from_json(found, []).summary_table(), markup=False)


def _thresholds(values: list[str] | None) -> list[str]:
    """``--threshold 0.2`` (every evaluator) and ``--threshold NAME=0.2`` as the server's values."""
    parsed = []
    for value in values or []:
        name, equals, number = value.rpartition("=")
        try:
            amount = float(number)
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount) or amount < 0 or (equals and not name):
            raise typer.BadParameter(
                f"{value!r} is not X or NAME=X with X a number >= 0 (e.g. 0.2 or exact=0.5)", param_hint="'--threshold'"
            )
        parsed.append(f"{name}:{amount!r}" if equals else repr(amount))
    return parsed


def _comparison_json(
    connection: Connection,
    base: str,
    head: str,
    *,
    dataset: str | None,
    versions: tuple[str | None, str | None],
    tags: tuple[str | None, str | None] = (None, None),
    thresholds: list[str],
    include_changed: bool,
    only: list[str],
    max_examples: int | None,
) -> dict[str, Any]:
    def op() -> Op[dict[str, Any]]:
        head_ref: Any = head
        base_ref: Any = base
        if dataset is not None:
            head_ref = {"dataset": dataset, "experiment_name": head, "version_id": versions[1], "tag": tags[1]}
        head_id = yield from experiment_api.experiment_id(head_ref, "HEAD")
        if dataset is not None:
            base_ref = {
                "dataset": dataset,
                "experiment_name": base,
                "version_id": versions[0],
                "tag": tags[0],
                "before": head_id,
            }
        base_id = yield from experiment_api.experiment_id(base_ref, "BASE")
        return (
            yield from experiment_api.compare(
                base_id,
                head_id,
                thresholds=thresholds,
                include_changed=include_changed,
                only=only,
                max_examples=max_examples,
            )
        )

    return _with_client(connection, lambda client: drive_op(client, op()))


def _print_comparison(comparison: Comparison, limit: int) -> None:
    def side(e: Any) -> str:
        task = "" if e.task_version is None else f", task_version {e.task_version!r}"
        reused = f", {e.reused_runs} reused" if e.reused_runs else ""
        return (
            f"experiment {e.id} {e.name!r} (version {e.version_id}{task}): "
            f"{counted(e.runs, 'run')}, {counted(e.errored_runs, 'error')}{reused}"
        )

    c = comparison.counts
    out.print(f"base {side(comparison.base)}", markup=False)
    out.print(f"head {side(comparison.head)}", markup=False)
    out.print(
        f"examples {c.examples}: {c.same_content} same content, {c.changed} changed, {c.only_head} added, "
        f"{c.only_base} removed; {c.output_changed} with changed outputs, {c.new_run_errors} with new run errors, "
        f"{c.missing_runs} with no successful head run",
        markup=False,
    )
    if comparison.evaluators:
        labels = any(e.kind == "label" for e in comparison.evaluators)
        table = Table(
            "evaluator", "kind", "threshold", "base", "head", "delta", "like base", "like head", "like delta",
            "like n", "regressions", "improvements", *(["labels changed"] if labels else []),
        )  # fmt: skip
        for e in comparison.evaluators:
            like = e.like_for_like
            # A label evaluator has no threshold nor means: its figure is the labels changed.
            changed = ["-" if e.labels_changed is None else str(e.labels_changed)] if labels else []
            # Neither side scored (every evaluation errored): no kind nor threshold to show.
            unscored = e.kind != "label" and e.all.base.count == 0 and e.all.head.count == 0
            table.add_row(
                e.name, "no scores" if unscored else e.kind,
                "-" if e.threshold is None or unscored else f"{e.threshold:g}",
                _mean(e.all.base.mean), _mean(e.all.head.mean), _delta(e.all.delta),
                _mean(like.base_mean), _mean(like.head_mean), _delta(like.delta), str(like.count),
                str(e.regressions), str(e.improvements), *changed,
            )  # fmt: skip
        _print_table(table)
    d = comparison.deltas
    for label, figures in (("base", comparison.base), ("head", comparison.head)):
        for line in cost_lines(_plain(figures.latency_ms), _plain(figures.usage)):
            out.print(f"{label} {line}", markup=False)
    if d.latency_ms.p50 is not None or d.tokens_in or d.tokens_out or d.costs:
        parts = [f"latency p50 {_ms_delta(d.latency_ms.p50)}, p95 {_ms_delta(d.latency_ms.p95)}"]
        if d.tokens_in or d.tokens_out:
            parts.append(f"tokens in {d.tokens_in:+,}, out {d.tokens_out:+,}")
        parts += [f"cost {cost.amount:+.6g} {cost.currency or '(no currency)'}" for cost in d.costs]
        out.print("head - base: " + "; ".join(parts), markup=False)
    v = comparison.verdict
    scope = " and ".join(v.scope)
    if v.regressed:
        out.print(
            f"REGRESSED: {v.regressed_examples} of the {scope} examples regressed "
            f"({v.new_run_errors} with new run errors, {v.missing_runs} with no successful head run), "
            f"{v.improved_examples} improved",
            markup=False,
        )
        out.print(comparison.table(limit), markup=False)
    elif not comparison.comparable:
        out.print(f"NOT COMPARED: {_not_comparable(comparison)}", markup=False)
    else:
        out.print(f"no regression among the {scope} examples; {v.improved_examples} improved", markup=False)


def _not_comparable(comparison: Comparison) -> str:
    """Why nothing was compared, in the CLI's option names."""
    reason = comparison.verdict.not_comparable
    detail = "nothing could be compared" if reason is None else reason.detail
    return detail.replace("compare with include_changed", "pass --include-changed")


def _plain(value: Any) -> dict[str, Any]:
    plain: dict[str, Any] = dataclasses.asdict(value)
    return plain


@app.command()
def compare(
    context: typer.Context,
    base: Annotated[
        str,
        typer.Argument(metavar="BASE", help="The base experiment's id (with --dataset: its name).", callback=non_empty),
    ],
    head: Annotated[
        str,
        typer.Argument(metavar="HEAD", help="The head experiment's id (with --dataset: its name).", callback=non_empty),
    ],
    dataset: Annotated[
        str | None,
        typer.Option(
            "--dataset",
            "-d",
            metavar="NAME",
            help="BASE and HEAD are experiment names on dataset NAME: HEAD the latest of its name, BASE the latest "
            "of its name created before HEAD.",
        ),
    ] = None,
    base_version: Annotated[
        str | None, typer.Option("--base-version", metavar="ID", help="With --dataset: BASE is pinned to this version.")
    ] = None,
    head_version: Annotated[
        str | None, typer.Option("--head-version", metavar="ID", help="With --dataset: HEAD is pinned to this version.")
    ] = None,
    base_tag: Annotated[
        str | None,
        typer.Option("--base-tag", metavar="TAG", help="With --dataset: BASE's version, by tag."),
    ] = None,
    head_tag: Annotated[
        str | None,
        typer.Option("--head-tag", metavar="TAG", help="With --dataset: HEAD's version, by tag."),
    ] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            metavar="[NAME=]X",
            help="The score drop that counts as a regression: X for every evaluator, NAME=X for one; repeatable "
            "[default: any drop of a boolean evaluator, 0.1 of a numeric one].",
        ),
    ] = None,
    include_changed: Annotated[
        bool,
        typer.Option(
            "--include-changed",
            metavar=FLAG,
            help="The verdict counts examples edited between the versions too [default: like for like only].",
        ),
    ] = False,
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", metavar=FLAG, help="Exit with status 1 when HEAD regressed.")
    ] = False,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            metavar=FLAG,
            help='Print the server\'s comparison as JSON, every example in "data" (a refusal as {"error": {...}}).',
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            metavar="N",
            help="At most N regressed rows in the table, N examples in --json's data (N >= 1; "
            "`truncated` true and `next_cursor` set when more are left) [default: 50 rows, every example].",
        ),
    ] = None,
) -> None:
    """Compare experiment HEAD with experiment BASE on one dataset (on any two of its versions), example by example.

    Prints each evaluator's means on all and on like-for-like examples ("like": those whose content did not change), the
    counts per class, latency and usage deltas, the verdict and the regressed examples. An example with a
    successful BASE run and no successful HEAD run is a regression, with or without evaluators. Exit status: 0 no
    regression (or no --fail-on-regression), 1 regressed with --fail-on-regression, 2 could not compare (a bad
    option, a missing experiment, BASE and HEAD one experiment, a refusal of the server, no connection; with
    --fail-on-regression also nothing to compare: no like-for-like example, or no successful run on either side),
    so a CI job tells a regression from a broken gate.
    """
    pins = {
        "--base-version": base_version,
        "--head-version": head_version,
        "--base-tag": base_tag,
        "--head-tag": head_tag,
    }
    given = [flag for flag, value in pins.items() if value is not None]
    try:
        if dataset is None and given:
            raise typer.BadParameter(
                "needs --dataset (BASE and HEAD are then experiment names)", param_hint=f"'{given[0]}'"
            )
        if limit is not None and limit < 1:
            raise typer.BadParameter(f"{limit} is not >= 1", param_hint="'--limit'")
        digits = _digit_tag((base_tag, "--base-tag", "--base-version"), (head_tag, "--head-tag", "--head-version"))
        if digits is not None:
            raise typer.BadParameter(digits)
        thresholds = _thresholds(threshold)
    except typer.BadParameter as error:
        if json_output:
            # A script reading stdout sees why, as for any other refusal (the usage goes to stderr).
            _print_json({"error": {"code": "usage_error", "detail": error.format_message()}})
        raise
    connection: Connection = context.obj
    found = _guarded(
        lambda: _comparison_json(
            connection,
            base,
            head,
            dataset=dataset,
            versions=(base_version, head_version),
            tags=(base_tag, head_tag),
            thresholds=thresholds,
            include_changed=include_changed,
            only=[] if json_output else ["regressions"],
            max_examples=limit if json_output else (limit or TABLE_ROWS),
        ),
        json_output,
        status=2,
    )
    comparison = Comparison.from_json(found)
    if json_output:
        _print_json(found)
    else:
        _print_comparison(comparison, limit or TABLE_ROWS)
    if fail_on_regression and comparison.regressed:
        raise typer.Exit(1)
    if not comparison.comparable:
        # "No regression" over nothing is no pass: a gate fails as when it cannot compare.
        if fail_on_regression:
            _fail(f"could not compare: {_not_comparable(comparison)}", 2)
        err.print(f"warning: nothing was compared: {_not_comparable(comparison)}", markup=False, highlight=False)


TABLE_ROWS = 50
"""Regressed rows ``compare`` prints by default."""


def _with_client(connection: Connection, action: Callable[[Client], T]) -> T:
    with connection.client() as client:
        return action(client)


_cli_tags.register(app)
_cli_export.register(app)
_cli_schema.register(app)


def main() -> None:
    """The console script ``groundset``."""
    try:
        app()
    finally:
        # What is still buffered goes out now, where a closed pipe can be told quietly.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _pipe_closed()


if __name__ == "__main__":
    main()
