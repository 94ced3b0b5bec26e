"""Every difference between SQLite and PostgreSQL the services meet, in one place.

The services call these and never look at ``conn.dialect`` themselves:

- text in code point order (:func:`code_point_order`): PostgreSQL's collation otherwise;
- row locks (:func:`for_update`, :func:`for_key_share`): PostgreSQL locks the rows read
  (``SELECT ... FOR UPDATE``, ``FOR KEY SHARE``);
  SQLite has none, and its write transactions already hold the database's one writer lock
  (``BEGIN IMMEDIATE``, :func:`groundset_server.db.engine.write_transaction`);
- ``INSERT ... ON CONFLICT`` (:func:`insert_ignoring`, :func:`insert_replacing`): the same SQL,
  built by each dialect's own ``insert``;
- raw driver SQL (:func:`driver_sql`, :func:`driver_rows`): written with ``?`` placeholders,
  psycopg's ``%s`` on PostgreSQL;
- bulk writes (:func:`bulk`, :func:`insert_columns`): PostgreSQL's ``COPY`` for inserts, the
  driver's executemany otherwise;
- an insert fed by another's new rows (:func:`insert_feeding`): one statement on PostgreSQL
  (a data-modifying ``WITH``), two on SQLite;
- ids taken before inserting (:class:`ReservedIds`): PostgreSQL's sequence, or on SQLite the
  next ids after any ever used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, repeat
from operator import methodcaller
from typing import Any, NamedTuple, cast

import groundset_core
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def is_sqlite(conn: sa.Connection | sa.Engine) -> bool:
    return conn.dialect.name == "sqlite"


def bulk_statement_settings(conn: sa.Connection, work_mem: str | None = None) -> None:
    """PostgreSQL, for the rest of the transaction: no JIT compilation, and ``work_mem`` (such
    as ``"64MB"``) when given; nothing on SQLite. For a statement over ~100,000 rows whose
    estimated cost crosses ``jit_above_cost``: compiling took 200 ms of a 430 ms read of an
    experiment's incomplete pairs on a loaded machine, and an ``ORDER BY`` of 100,000 copied
    runs (~20 MB) sorted on disk in the default 4 MB."""
    if is_sqlite(conn):
        return
    conn.exec_driver_sql("SET LOCAL jit = off")
    if work_mem is not None:
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{work_mem}'")


BULK_CACHE_KIB = 16 << 10
"""SQLite's page cache for a bulk write (16 MiB), instead of the connection's 64 MiB: it writes
each page once, in order, and a load of 200,000 examples peaked 46 MB higher with the larger one."""


@contextmanager
def bulk_write_cache(conn: sa.Connection) -> Iterator[None]:
    """On SQLite, the connection's page cache at :data:`BULK_CACHE_KIB` while inside, then as
    it was; nothing on PostgreSQL, whose buffers are the server's."""
    if not is_sqlite(conn):
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def code_point_order(conn: sa.Connection, column: Any) -> Any:
    """``column`` (text) compared by code point, as Python sorts strings and on both databases:
    SQLite's BINARY compares UTF-8 bytes, which order as code points; PostgreSQL's database
    collation would not, its ``"C"`` does."""
    return column if is_sqlite(conn) else column.collate("C")


def for_update(conn: sa.Connection, query: sa.Select[Any], of: sa.Table | None = None) -> sa.Select[Any]:
    """``query`` locking the rows it reads (of the table ``of`` only, when given) on PostgreSQL;
    unchanged on SQLite, whose write transactions already exclude every other writer."""
    if is_sqlite(conn):
        return query
    return query.with_for_update(of=of) if of is not None else query.with_for_update()


def for_key_share(conn: sa.Connection, query: sa.Select[Any], of: sa.Table) -> sa.Select[Any]:
    """``query`` taking PostgreSQL's ``FOR KEY SHARE`` lock on the rows of ``of`` it reads, the
    lock a foreign key check takes: a delete of them waits for the transaction's end, readers
    and other key shares do not; unchanged on SQLite (its writers exclude each other)."""
    if is_sqlite(conn):
        return query
    return query.with_for_update(of=of, read=True, key_share=True)


def _insert(conn: sa.Connection, table: sa.Table) -> Any:
    return sqlite.insert(table) if is_sqlite(conn) else postgresql.insert(table)


def insert_ignoring(
    conn: sa.Connection, table: sa.Table, values: dict[str, Any], index_elements: list[str]
) -> None:
    """Insert one row unless one with the same ``index_elements`` exists (a concurrent writer's)."""
    conn.execute(_insert(conn, table).values(values).on_conflict_do_nothing(index_elements=index_elements))


def insert_replacing(conn: sa.Connection, table: sa.Table, index_elements: list[str]) -> Any:
    """An insert statement (for executemany) whose rows replace the stored row with the same
    ``index_elements``, every other column but ``id`` taken from the new row."""
    statement = _insert(conn, table)
    kept = {"id", *index_elements}
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in index_elements],
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in kept},
    )


def driver_sql(conn: sa.Connection, sql: str) -> str:
    """``sql`` written with ``?`` placeholders in the driver's own style."""
    return sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def driver_rows(conn: sa.Connection, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (``?`` placeholders) as the driver gives them, plain tuples: for
    scans of a row per example, where a Row object per row costs more than the scan."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(driver_sql(conn, sql), params)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def bulk(conn: sa.Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Execute ``sql`` (``?`` placeholders) once per row through the driver's executemany;
    on PostgreSQL an ``INSERT INTO table (columns) VALUES ...`` goes through ``COPY``, the
    driver's bulk path."""
    if not rows:
        return
    if not is_sqlite(conn) and sql.startswith("INSERT INTO "):
        target = sql[len("INSERT INTO ") : sql.index(" VALUES")]
        driver_connection: Any = conn.connection.driver_connection
        with driver_connection.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.exec_driver_sql(driver_sql(conn, sql), rows)


class Same(NamedTuple):
    """A column of :func:`insert_columns` whose every row holds ``value``."""

    value: str | int | bool


Column = Sequence[str] | Sequence[bytes | str] | Sequence[int] | Same
"""A column of :func:`insert_columns`: a value per row (all ``int``, or text: ``str`` or UTF-8
``bytes``, mixed or not), or :class:`Same`."""

_COPY_ESCAPES = ((b"\\", b"\\\\"), (b"\t", b"\\t"), (b"\n", b"\\n"), (b"\r", b"\\r"))
"""The bytes ``COPY``'s text format escapes in a field (backslash first)."""


def _copy_escaped(fields: list[bytes]) -> list[bytes]:
    """``fields`` escaped for ``COPY``'s text format, at C level: fields without a byte to
    escape (canonical JSON has no raw tab or line break, a backslash only in an escape) are
    found so by one search of their joined bytes, and given back as they are."""
    joined = b"".join(fields)
    for plain, escaped in _COPY_ESCAPES:
        if plain in joined:
            fields = list(map(methodcaller("replace", plain, escaped), fields))
    return fields


def _copy_column(column: Column, count: int) -> Iterable[bytes]:
    """A column's fields in ``COPY``'s text format, UTF-8."""
    if isinstance(column, Same):
        value = column.value
        text = ("t" if value else "f") if isinstance(value, bool) else str(value)
        return repeat(_copy_escaped([text.encode()])[0], count)
    if column and isinstance(column[0], int):
        return "\t".join(map(str, column)).encode().split(b"\t")
    return _copy_escaped(_utf8(column))


def _kinds(column: Column) -> set[type]:
    """The types of a column's values (one C-level pass)."""
    return set() if isinstance(column, Same) else set(map(type, column))


def _utf8(column: Column) -> list[bytes]:
    """A text column's values as UTF-8 ``bytes``: as they are when they are (the decoder's
    content), encoded when ``str`` (text read back from the database)."""
    kinds = _kinds(column)
    if kinds <= {bytes}:
        return list(cast(Sequence[bytes], column))
    if kinds == {str}:
        return list(map(str.encode, cast(Sequence[str], column)))
    return [value if isinstance(value, bytes) else str(value).encode() for value in column]


def _sqlite_value(column: Column) -> str:
    """A column's term in SQLite's ``VALUES``: the literal of a :class:`Same` column's value,
    or a parameter; a column holding ``bytes`` is cast to text, which keeps its bytes (SQLite
    would store a bound ``bytes`` as a BLOB)."""
    if not isinstance(column, Same):
        return "CAST(? AS TEXT)" if bytes in _kinds(column) else "?"
    literal = _sqlite_literal(column)
    return "?" if literal is None else literal


def _sqlite_literal(column: Column) -> str | None:
    """The SQL literal of a :class:`Same` column's value, ``None`` for a column to bind."""
    if not isinstance(column, Same):
        return None
    value = column.value
    if isinstance(value, bool | int):
        return str(int(value))
    return None if "\0" in value else "'" + value.replace("'", "''") + "'"


def column_rows(columns: Sequence[Column], count: int) -> Iterator[tuple[Any, ...]]:
    """The ``count`` rows of :func:`insert_columns`' ``columns``, as tuples."""
    return zip(*(repeat(c.value, count) if isinstance(c, Same) else c for c in columns), strict=True)


def insert_columns(conn: sa.Connection, table: str, names: Sequence[str], columns: Sequence[Column]) -> int:
    """Insert rows into ``table`` given column by column (``names[i]``'s values in
    ``columns[i]``, no NULL; text as ``str`` or UTF-8 ``bytes``, stored as text either way), at C
    level whatever their number: SQLite's executemany of statements of many rows; on PostgreSQL
    one binary ``COPY`` (:func:`_binary_rows`; the text format where a column's type has no
    binary form here). ``write_row`` cost a Python-level call per row, a third of a million-row
    load's writing. The number of rows inserted. :class:`BulkInsert` holds rows back for a
    larger ``COPY``."""
    insert = BulkInsert(conn, table, names)
    count = insert.add(columns)
    insert.flush()
    return count


COPY_ROWS = 10_000
"""Rows a :class:`BulkInsert` holds back on PostgreSQL before it copies them (~11 MB of ~1 KB
examples): a ``COPY`` sets up a slot per row of its first 1,000 and drops them at its end, so
one a batch of ~1,000 examples paid that for each row; 10,000 rows a ``COPY`` cost the backend
15% less CPU."""


class BulkInsert:
    """Rows of ``table`` (its columns ``names``) added column by column (:func:`insert_columns`'
    columns): on SQLite inserted at once; on PostgreSQL written into a ``COPY`` body as bytes and
    copied once ``rows`` of them are held, and by :meth:`flush`, which must come before anything
    reads the table in the transaction (and before its commit)."""

    def __init__(self, conn: sa.Connection, table: str, names: Sequence[str], rows: int = COPY_ROWS) -> None:
        self.conn = conn
        self.table = table
        self.names = list(names)
        self.rows = rows
        self.held = 0
        self.parts: list[bytes] = []
        self.kinds: list[str] | None = None
        if not is_sqlite(conn):
            types = _column_types(conn, table)
            kinds = [types.get(name) for name in names]
            if all(kind in _BINARY for kind in kinds):
                self.kinds = cast(list[str], kinds)

    def add(self, columns: Sequence[Column]) -> int:
        """Add the rows of ``columns``; their number."""
        count = next((len(column) for column in columns if not isinstance(column, Same)), 0)
        if count == 0:
            return 0
        if is_sqlite(self.conn):
            _sqlite_insert(self.conn, self.table, self.names, columns, count)
            return count
        if self.kinds is not None:
            self.parts.append(_binary_rows(columns, self.kinds, count))
        else:
            fields = zip(*(_copy_column(c, count) for c in columns), strict=True)
            self.parts.append(b"\n".join(map(b"\t".join, fields)) + b"\n")
        self.held += count
        if self.held >= self.rows:
            self.flush()
        return count

    def flush(self) -> None:
        """Copy the rows held back, if any."""
        if not self.parts:
            return
        parts = [_SIGNATURE, *self.parts, _TRAILER] if self.kinds is not None else self.parts
        options = " (FORMAT BINARY)" if self.kinds is not None else ""
        self.parts = []
        self.held = 0
        driver_connection: Any = self.conn.connection.driver_connection
        with (
            driver_connection.cursor() as cursor,
            cursor.copy(f"COPY {self.table} ({', '.join(self.names)}) FROM STDIN{options}") as copy,
        ):
            for part in parts:
                copy.write(part)


_COLUMN_TYPES: dict[tuple[str, str], dict[str, str]] = {}
_COLUMN_TYPES_LOCK = threading.Lock()


def _column_types(conn: sa.Connection, table: str) -> dict[str, str]:
    """The PostgreSQL type name (``pg_type.typname``) of each column of ``table``, read once per
    database and table: a binary ``COPY`` must send each value in its column's own form."""
    key = (conn.engine.url.render_as_string(hide_password=True), table)
    with _COLUMN_TYPES_LOCK:
        found = _COLUMN_TYPES.get(key)
    if found is None:
        rows = conn.exec_driver_sql(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            (table,),
        ).all()
        found = {name: type_name for name, type_name in rows}
        with _COLUMN_TYPES_LOCK:
            _COLUMN_TYPES[key] = found
    return found


_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
"""A binary ``COPY``'s header: its signature, then 32-bit flags and header extension length (0)."""
_TRAILER = b"\xff\xff"
_BINARY = frozenset({"int4", "int8", "bool", "text", "varchar"})
"""The column types :func:`_binary_rows` writes; a table with any other is copied as text."""


def _binary_rows(columns: Sequence[Column], kinds: Sequence[str], count: int) -> bytes:
    """``count`` rows in binary ``COPY``'s form (PostgreSQL's documented format: per row its
    field count, then each field's 32-bit length and bytes; a body is its signature, rows and
    trailer), written by the core in one pass (``groundset_core.copy_binary_rows``): made in
    Python, a bytes object per field and their join were a sixth of the server's CPU in a load.

    The backend reads each field by its length: a text ``COPY`` costs it a pass over every byte
    to split and unescape the fields, about a sixth of its CPU in a load of ~1 KB examples."""
    lists = [column if isinstance(column, Same | list) else list(column) for column in columns]
    return groundset_core.copy_binary_rows(lists, list(kinds), count)


SQLITE_ROWS_PER_STATEMENT = 100
"""Rows of one SQLite ``INSERT`` of :func:`insert_columns`: each statement run costs its own
start and end (with ``AUTOINCREMENT``, a read and a write of ``sqlite_sequence``) and the
driver releases and takes the GIL around it; 100 rows a statement cost the revisions of a load
~18% less CPU than one."""
_SQLITE_PARAMETERS = 999
"""The most parameters a statement of :func:`insert_columns` binds: SQLite's limit before 3.32."""


def _sqlite_insert(
    conn: sa.Connection, table: str, names: Sequence[str], columns: Sequence[Column], count: int
) -> None:
    """:func:`insert_columns` on SQLite: statements of up to :data:`SQLITE_ROWS_PER_STATEMENT`
    rows, run by executemany, their parameters cut from the columns at C level."""
    # The same values are written into the statement: binding them again for every row
    # cost ~5% of a load's inserts.
    row = f"({', '.join(_sqlite_value(c) for c in columns)})"
    bound = [c for c in columns if not isinstance(c, Same) or _sqlite_literal(c) is None]
    # A column that is not constant is bound, and one is (count > 0).
    per = max(1, min(SQLITE_ROWS_PER_STATEMENT, _SQLITE_PARAMETERS // len(bound), count))
    into = f"INSERT INTO {table} ({', '.join(names)}) VALUES "
    whole = count - count % per
    if whole:
        values = chain.from_iterable(column_rows(bound, count))
        # Each statement's parameters: the next per * len(bound) values (one iterator zipped
        # with itself, which stops before the rows of the last statement, one row each).
        groups = list(zip(*[values] * (per * len(bound)), strict=False))
        conn.exec_driver_sql(into + ", ".join([row] * per), groups)
    if whole < count:
        rest = [c if isinstance(c, Same) else c[whole:] for c in bound]
        conn.exec_driver_sql(into + row, list(column_rows(rest, count - whole)))


class ReservedIds:
    """Ids for new rows of ``table``, taken before inserting them so that rows referring to
    them need no read-back: PostgreSQL's sequence, or on SQLite (whose write lock the
    transaction holds) the next ids after any ever used, counted on from there."""

    def __init__(self, conn: sa.Connection, table: str) -> None:
        self.conn = conn
        self.table = table
        self.next_id: int | None = None
        self.sequence: str | None = None
        """PostgreSQL: the name of the table's ``id`` sequence, looked up by the first take."""

    def take(self, count: int) -> list[int]:
        if count == 0:
            return []
        if not is_sqlite(self.conn):
            if self.sequence is None:
                self.sequence = self.conn.exec_driver_sql(
                    "SELECT pg_get_serial_sequence(%s, 'id')", (self.table,)
                ).scalar_one()
            # One array, not a row per id: the rows cost more than the sequence. The sequence
            # named once: pg_get_serial_sequence in the select list ran for every id, 2.9 s of
            # the backend's CPU per million ids against 0.45 s.
            ids: list[int] = self.conn.exec_driver_sql(
                "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
                (self.sequence, count),
            ).scalar_one()
            return ids
        if self.next_id is None:
            used = self.conn.exec_driver_sql(
                f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{self.table}'), 0), "
                f"coalesce((SELECT max(id) FROM {self.table}), 0))"
            ).scalar_one()
            self.next_id = int(used) + 1
        first = self.next_id
        self.next_id += count
        return list(range(first, first + count))


def insert_feeding(
    conn: sa.Connection,
    first: sa.Insert,
    returning: Sequence[sa.ColumnElement[Any]],
    inserted: sa.Select[Any],
    second: Callable[[sa.FromClause], sa.Insert],
) -> tuple[int, int]:
    """Run the ``INSERT ... SELECT`` ``first``, then ``second(rows)``, an ``INSERT ... SELECT``
    that reads the rows ``first`` inserted as ``rows`` (their ``returning`` columns); the
    number of rows each inserted.

    PostgreSQL: one statement, ``first`` a data-modifying ``WITH`` whose ``RETURNING`` rows
    ``second`` joins, so its plan starts from the rows just made; a query of the table instead
    is planned by statistics taken before them, and may repeat an index scan of every new row
    once per row. SQLite: two statements, the new rows read back by ``inserted`` (a select of
    the same columns that only they match, such as ids above those taken before ``first``)."""
    if is_sqlite(conn):
        counts = [
            conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount
            for statement in (first, second(inserted.subquery("inserted")))
        ]
        return int(counts[0]), int(counts[1])
    rows = first.returning(*returning).cte("inserted")
    fed = second(rows).returning(sa.literal(1).label("one")).cte("fed")
    made, fed_count = conn.execute(
        sa.select(
            sa.select(sa.func.count()).select_from(rows).scalar_subquery(),
            sa.select(sa.func.count()).select_from(fed).scalar_subquery(),
        )
    ).one()
    return int(made), int(fed_count)
