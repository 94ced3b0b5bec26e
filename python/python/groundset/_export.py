"""Export of a dataset version as a file: :func:`export_dataset`, the server's
``GET /v1/datasets/{id}/export`` streamed to a path or a binary file object."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from groundset._http import Call, segment
from groundset._ops import dataset_json
from groundset.client import AsyncClient, Client, drive_op, stream_call

__all__ = ["ExportFormat", "ExportResult", "export_dataset", "export_format"]

ExportFormat = Literal["jsonl", "csv"]
CHUNK_BYTES = 1 << 20
EXTENSIONS: dict[str, ExportFormat] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
"""The extensions that name a format (any case); a path with another one is JSONL by default."""


def export_format(
    path: str | os.PathLike[str] | None, format: str | None, *, names: tuple[str, str] = ("format=", "path=")
) -> ExportFormat:
    """The format an export writes: ``format`` when given, else the one ``path``'s extension
    names (``.csv``: CSV; ``.jsonl``, ``.ndjson``: JSONL; any case), else JSONL. ``ValueError``
    for a format other than ``"jsonl"`` and ``"csv"``, or one the extension contradicts
    (``format="jsonl"`` to ``x.csv``): the file would be misread by whatever reads it by its
    name (and by the CLI's ``upsert``). ``names`` name the two arguments in the messages."""
    if format is not None and format not in ("jsonl", "csv"):
        raise ValueError(f"{names[0]} must be 'jsonl' or 'csv', not {format!r}")
    named = None if path is None else EXTENSIONS.get(os.path.splitext(os.fspath(path))[1].lower())
    if format is None:
        return named or "jsonl"
    if named is not None and named != format:
        raise ValueError(
            f"{names[0]} {format!r} contradicts the extension of {names[1]} {os.fspath(path or '')!r}, "
            f"which names {named}: give a path ending in .{format}, or leave {names[0]} out"
        )
    return "csv" if format == "csv" else "jsonl"


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What :func:`export_dataset` wrote.

    Attributes:
        dataset_id, version_id: the version exported (the latest when none was named).
        format: ``"jsonl"`` or ``"csv"``.
        path: the file written, ``None`` when a file object was given.
        size: the bytes written.
    """

    dataset_id: str
    version_id: str
    format: ExportFormat
    path: str | None
    size: int


def export_dataset(
    *,
    name: str | None = None,
    dataset_id: str | None = None,
    version_id: str | None = None,
    tag: str | None = None,
    format: ExportFormat | None = None,
    id_key: str = "id",
    path: str | os.PathLike[str] | None = None,
    file: BinaryIO | None = None,
    client: Client | None = None,
) -> ExportResult:
    """Write a version of a dataset (``version_id`` or ``tag``, else the latest) to ``path`` or
    ``file`` as the server exports it, streamed (memory stays bounded however large the version).
    A CSV export's first bytes come after the server's pass over the version that plans the
    columns (minutes for 1,000,000 examples: bench-results/server-export.md), so its chunks
    are waited for without the client's ``timeout``.

    The file reads back to the version's exact content hashes: ``hash_file(path,
    source_id_key=id_key)`` gives its manifest, and ``upsert_dataset(path=..., source_id_key=id_key,
    mode="mirror")`` of it is a no-op.

    Args:
        name, dataset_id: the dataset, by exactly one of them.
        version_id, tag: the version, by at most one of them; neither: the latest.
        format: default: the one ``path``'s extension names (``.csv``: CSV; ``.jsonl``,
            ``.ndjson``: JSONL), else JSONL; refused when the extension names the other one
            (:func:`export_format`, the CLI's rule too).
            ``"jsonl"``: one ``{id_key, "input", "output", "metadata"}`` object per line;
            ``"csv"``: the id column, then dotted string columns (``input.question``) and
            ``….:json`` columns of JSON text for every other value (an empty cell: absent), RFC
            4180 with CRLF line ends (docs/hashing.md, section 5).
        id_key: the member (CSV: the column) of each example's source id; not ``input``,
            ``output`` or ``metadata`` (in CSV also without ``.`` and ``:``).
        path: the file to write: written under a temporary name in its directory, then renamed,
            so that a failed export leaves no file and never half of one.
        file: or a binary file object, written as the bytes arrive.
        client: the :class:`~groundset.Client` to use; default: a new one (closed after).

    Returns:
        An :class:`ExportResult`: the version exported, the path and the size.

    Raises:
        NotFoundError: no such dataset, version (``version_not_found``) or tag (``tag_not_found``).
        ValidationError: ``invalid_id_key``, ``version_and_tag``, ``invalid_tag``,
            ``dataset_has_no_version``.
        ValueError, TypeError: a bad argument, before anything is sent.
        OSError: ``path`` cannot be written, named in the message: its folder missing
            (``FileNotFoundError``, before anything is sent), or the temporary file or the
            rename refused by the system.

    >>> export_dataset(name="qa", path="qa.csv")  # doctest: +SKIP
    ExportResult(dataset_id='1', version_id='2', format='csv', path='qa.csv', size=5230)
    """
    if (path is None) == (file is None):
        raise ValueError("give exactly one of path= and file=")
    chosen = export_format(path, format)
    if version_id is not None and tag is not None:
        raise ValueError("give at most one of version_id= and tag=")
    if isinstance(client, AsyncClient):
        raise TypeError("export_dataset takes a groundset.Client, not an AsyncClient")
    if client is None:
        with Client() as made:
            return _export(made, name, dataset_id, version_id, tag, chosen, id_key, path, file)
    if not isinstance(client, Client):
        raise TypeError(f"client= must be a groundset.Client, not {type(client).__name__}")
    return _export(client, name, dataset_id, version_id, tag, chosen, id_key, path, file)


def _export(
    client: Client,
    name: str | None,
    dataset_id: str | None,
    version_id: str | None,
    tag: str | None,
    export_format: ExportFormat,
    id_key: str,
    path: str | os.PathLike[str] | None,
    file: BinaryIO | None,
) -> ExportResult:
    if file is None:
        _check_target(Path(os.fspath(path or "")))
    info = drive_op(client, dataset_json(name, dataset_id))
    params: dict[str, str | int] = {"format": export_format, "id_key": id_key}
    if version_id is not None:
        params["version_id"] = version_id
    if tag is not None:
        params["tag"] = tag
    call = Call("GET", f"/v1/datasets/{segment(info['id'])}/export", params=params, expect="none")
    with stream_call(client, call, patient=export_format == "csv") as response:
        exported = response.headers.get("x-version-id", "")
        if file is not None:
            size = _copy(response.iter_bytes(CHUNK_BYTES), file)
            return ExportResult(info["id"], exported, export_format, None, size)
        target = Path(os.fspath(path or ""))
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
        # Created as open() would create it (0o666 less the umask), unlike a mkstemp file (0o600).
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(handle, "wb") as written:
                size = _copy(response.iter_bytes(CHUNK_BYTES), written)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    return ExportResult(info["id"], exported, export_format, str(target), size)


def _check_target(target: Path) -> None:
    """Refuse, before anything is asked of the server, a ``path`` that cannot be written: its
    folder missing (``FileNotFoundError``) or not a folder (``NotADirectoryError``), or the path
    a folder itself (``IsADirectoryError``); each names ``target`` as given."""
    folder = target.parent
    refusal: OSError | None = None
    if not folder.exists():
        refusal = FileNotFoundError(f"cannot write {target}: its folder {folder} does not exist")
        refusal.errno = errno.ENOENT
    elif not folder.is_dir():
        refusal = NotADirectoryError(f"cannot write {target}: {folder} is not a folder")
        refusal.errno = errno.ENOTDIR
    elif target.is_dir():
        refusal = IsADirectoryError(f"cannot write {target}: it is a folder")
        refusal.errno = errno.EISDIR
    if refusal is not None:
        # errno set after: given to the constructor it makes the message "[Errno 2] ...".
        raise refusal


def _copy(chunks: Iterator[bytes], file: BinaryIO) -> int:
    size = 0
    for chunk in chunks:
        file.write(chunk)
        size += len(chunk)
    return size
