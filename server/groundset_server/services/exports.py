"""Export of a dataset version as a file of examples (JSONL or CSV) that the core reader reads
back to the same source ids and content hashes, so that a mirror upsert of the file is a no-op.

Both formats are streamed in pages of :data:`EXPORT_PAGE` examples, each page in its own short
read transaction (a version's content never changes, so pages read apart agree): memory is
bounded by a page, whatever the version's size.

- JSONL: one line per example, ``{"<id_key>": source_id, "input": …, "output": …, "metadata":
  …}``, the stored canonical text spliced in without a parse. ``output`` and ``metadata`` are
  always written (``{}`` when the example has none): a missing, null or empty one hashes the
  same (docs/hashing.md, section 3), and a file whose every line has the same members is
  easier to process.
- CSV (RFC 4180, CRLF line ends): the id column, then columns planned in a first pass over the
  version (:class:`Plan`): a member becomes a dotted string column (``input.question``) when it
  is a string in every example and every key on its way is a plain name; any other value goes
  in a typed column (``input.score:json``, the reader's convention, docs/hashing.md section 5)
  whose empty cell means "absent". An object becomes one typed column when it is not an object
  in every example, has a key the reader could not take as a column name (empty, with ``.`` or
  ``:``, with white space at its ends), has no key at all, or has more than
  :data:`MAX_OBJECT_COLUMNS` distinct keys. The second pass writes the rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import orjson
import sqlalchemy as sa

from groundset_server.db.engine import read_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import dataset_versions as versions
from groundset_server.services.errors import Invalid
from groundset_server.services.queries import dataset_by_id, example_set_page, resolve_version
from groundset_server.services.values import EMPTY_OBJECT, render_id
from groundset_server.validation import MAX_NAME_CHARS

ExportFormat = Literal["jsonl", "csv"]
MEDIA_TYPES: dict[str, str] = {"jsonl": "application/jsonl", "csv": "text/csv; charset=utf-8"}
PARTS = ("input", "output", "metadata")
EXPORT_PAGE = 5000
"""Examples read per short read transaction."""
MAX_OBJECT_COLUMNS = 1000
"""The most distinct keys an object is spread over as columns; beyond, it is one typed column
(so that a member with a different key in every example keeps the plan, and the file, small)."""
JSON_SUFFIX = ":json"
_COLUMNS = [examples.c.id, examples.c.source_id, revisions.c.input, revisions.c.output, revisions.c.metadata]


@dataclass(frozen=True, slots=True)
class Export:
    """An export ready to stream: refusals were raised before it was made."""

    filename: str
    media_type: str
    version_id: str
    chunks: Iterator[bytes]

    @property
    def content_disposition(self) -> str:
        """``attachment`` with the name as ASCII and, when it is not, as UTF-8 (RFC 6266, RFC 8187)."""
        ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", self.filename)
        header = f'attachment; filename="{ascii_name}"'
        if ascii_name != self.filename:
            header += f"; filename*=UTF-8''{quote(self.filename, safe='')}"
        return header


def check_id_key(id_key: str, export_format: ExportFormat) -> None:
    """Refuses (422 ``invalid_id_key``, member ``parameter``) an id key the reader could not read
    back as the id: one of ``input``, ``output``, ``metadata``, empty, longer than a name, or
    holding U+0000; in CSV also one holding ``.`` or ``:`` or white space at its ends (a
    header name with them is a dotted, typed or refused column)."""
    reason = None
    if id_key in PARTS:
        reason = f"the id key must not be {id_key!r}, a part of every example"
    elif not id_key or len(id_key) > MAX_NAME_CHARS or "\x00" in id_key:
        reason = f"the id key is 1 to {MAX_NAME_CHARS} characters without U+0000"
    elif export_format == "csv" and not _plain_name(id_key):
        reason = f"a CSV id column's name has no '.' or ':' and no white space at its ends, not {id_key!r}"
    if reason is not None:
        raise Invalid("invalid_id_key", reason, parameter="id_key")


def open_export(
    engine: sa.Engine,
    dataset_id: str,
    version_id: str | None,
    tag: str | None,
    export_format: ExportFormat,
    id_key: str,
) -> Export:
    """The export of a version named by id or tag (the latest by default). Refusals, before any
    byte: ``invalid_id``, ``invalid_tag``, ``version_and_tag``, ``invalid_id_key``,
    ``dataset_has_no_version`` (422), ``dataset_not_found``, ``version_not_found``,
    ``tag_not_found`` (404)."""
    check_id_key(id_key, export_format)
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        version = resolve_version(conn, dataset.id, version_id, tag)
    if version is None:
        raise Invalid(
            "dataset_has_no_version",
            f"dataset {dataset.id} has no version yet: there is nothing to export",
            dataset_id=render_id(dataset.id),
        )
    pages = _Pages(engine, dataset.id, version)
    chunks = _jsonl(pages, id_key) if export_format == "jsonl" else _csv(pages, id_key)
    filename = f"{dataset.name}-v{version}.{export_format}"
    return Export(filename, MEDIA_TYPES[export_format], str(version), chunks)


@dataclass(frozen=True, slots=True)
class _Pages:
    """The version's examples in pages, by example id. Each page is read in one snapshot
    (:func:`~groundset_server.db.engine.read_transaction`), so that a sync committed while it
    is read (which moves the latest version) cannot mix two states in a page."""

    engine: sa.Engine
    dataset_id: int
    version_id: int

    def __iter__(self) -> Iterator[list[sa.Row[Any]]]:
        last: int | None = None
        while True:
            with read_transaction(self.engine) as conn:
                query = example_set_page(conn, self.dataset_id, self.version_id, _COLUMNS, last, EXPORT_PAGE)
                rows = conn.execute(query).all()
                version = sa.select(versions.c.id).where(versions.c.id == self.version_id)
                gone = len(rows) < EXPORT_PAGE and conn.execute(version).first() is None
            if gone:
                # The dataset was deleted while it was exported: end the answer with an error
                # (an incomplete body) rather than as a complete, shorter file.
                raise RuntimeError(f"version {self.version_id} was deleted during its export")
            if rows:
                yield list(rows)
            if len(rows) < EXPORT_PAGE:
                return
            last = rows[-1].id


def _jsonl(pages: _Pages, id_key: str) -> Iterator[bytes]:
    start = b"{" + orjson.dumps(id_key) + b":"
    for rows in pages:
        yield b"".join(
            b"".join(
                (
                    start,
                    orjson.dumps(row.source_id),
                    b',"input":',
                    row.input.encode(),
                    b',"output":',
                    (row.output or EMPTY_OBJECT).encode(),
                    b',"metadata":',
                    (row.metadata or EMPTY_OBJECT).encode(),
                    b"}\n",
                )
            )
            for row in rows
        )


def _plain_name(key: str) -> bool:
    """Whether a key can be a dotted column name's part as it is."""
    return (
        bool(key)
        and not any(character in key for character in ".:\x00")
        and key.strip() == key
        and not key.startswith("\ufeff")
    )


@dataclass(slots=True)
class _Member:
    """What pass 1 saw of one member of an object, over the examples where the object is one."""

    strings: int = 0
    objects: int = 0
    node: _Node | None = None


@dataclass(slots=True)
class _Node:
    """An object position (a part, or a member that was an object): its members by key, until
    it is known to be one typed column (``whole``)."""

    members: dict[str, _Member] = field(default_factory=dict)
    whole: bool = False

    def see(self, value: dict[str, Any]) -> None:
        # The hot loop of pass 1, once per member of every example: exact type checks and
        # local names, since a plan needs only "a string", "an object" or "anything else".
        if self.whole:
            return
        members = self.members
        for key, item in value.items():
            member = members.get(key)
            if member is None:
                if not _plain_name(key) or len(members) >= MAX_OBJECT_COLUMNS:
                    self.whole, self.members = True, {}
                    return
                member = members[key] = _Member()
            kind = type(item)
            if kind is str:
                member.strings += 1
            elif kind is dict:
                member.objects += 1
                node = member.node
                if node is None:
                    node = member.node = _Node()
                node.see(item)


Cell = Callable[[dict[str, Any]], str]
"""Gives a row's cell from its part (an object) at a column's path."""


class Plan:
    """The CSV columns of a version: from pass 1's :class:`_Node` of each part, a header and, per
    column, how to take its cell from an example's parts."""

    def __init__(self, count: int, parts: dict[str, _Node]) -> None:
        self.names: list[str] = []
        self.cells: list[tuple[int, Cell]] = []
        for index, part in enumerate(PARTS):
            node = parts[part]
            if node.members or part == "input" or node.whole:
                self._object(index, (part,), node, count)

    def _object(self, part: int, path: tuple[str, ...], node: _Node, count: int) -> None:
        if node.whole or not node.members:
            self._typed(part, path)
            return
        for key, member in node.members.items():
            where = (*path, key)
            if member.objects == count and member.node is not None:
                self._object(part, where, member.node, count)
            elif member.strings == count:
                self.names.append(".".join(where))
                self.cells.append((part, _string_at(where[1:])))
            else:
                self._typed(part, where)

    def _typed(self, part: int, path: tuple[str, ...]) -> None:
        self.names.append(".".join(path) + JSON_SUFFIX)
        self.cells.append((part, _json_at(path[1:])))


def _string_at(path: tuple[str, ...]) -> Cell:
    def cell(value: dict[str, Any]) -> str:
        found: Any = value
        for key in path:
            found = found[key]
        if not isinstance(found, str):
            raise RuntimeError(f"the version changed during its export at {path}")
        return found

    return cell


def _json_at(path: tuple[str, ...]) -> Cell:
    def cell(value: dict[str, Any]) -> str:
        found: Any = value
        for key in path:
            if key not in found:
                return ""
            found = found[key]
        return _json_text(found)

    return cell


def _json_text(value: Any) -> str:
    # orjson reads an integer beyond 64 bits as a double, which it writes back; either way the
    # reader parses the text to the same double, so the content hash is kept.
    return orjson.dumps(value).decode()


def _parts(row: sa.Row[Any]) -> list[dict[str, Any]]:
    return [orjson.loads(text or EMPTY_OBJECT) for text in (row.input, row.output, row.metadata)]


def _csv(pages: _Pages, id_key: str) -> Iterator[bytes]:
    nodes = {part: _Node() for part in PARTS}
    count = 0
    for rows in pages:
        for row in rows:
            count += 1
            for part, value in zip(PARTS, _parts(row), strict=True):
                nodes[part].see(value)
    plan = Plan(count, nodes)
    del nodes
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([id_key, *plan.names])
    for rows in pages:
        for row in rows:
            parts = _parts(row)
            writer.writerow([row.source_id, *(cell(parts[part]) for part, cell in plan.cells)])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
