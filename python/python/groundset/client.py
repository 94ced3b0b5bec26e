"""The clients of a groundset server: :class:`Client` (blocking) and :class:`AsyncClient`.

Both run the same operations (:mod:`groundset._http`): every request is retried with backoff on
a connection error, 429 and 503 (every call is idempotent, upserts included; not a 503 of
``UNRETRIED_CODES``, ``database_gone``, which no retry can help), and an error answer raises
the :class:`~groundset.errors.APIError` subclass of its status. What the two share (settings,
their checks, the retry decision) is written once, in :class:`_ClientBase` and the module's
functions; only sending and sleeping differ.

Other modules of the package run an operation with a client through :func:`drive_op` and
:func:`adrive_op` (a download too large to hold through :func:`stream_call`), never through
the clients' private members.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from groundset import _experiment_api, _ops, _schemas, _tags
from groundset._constants import MAX_RETRIES, TIMEOUT_SECONDS
from groundset._http import (
    CONNECTION_RETRY,
    Call,
    ClientOptions,
    Op,
    answer_of,
    connection_error,
    is_retried,
    json_call,
)
from groundset._read import FileFormat
from groundset._schemas import DatasetSchema
from groundset._upsert import UpsertArgs, upload_new, upsert
from groundset.errors import APIError
from groundset.types import Dataset, DatasetInfo, Diff, ExperimentInfo, Mode, Tag, TagEvent, UpsertResult, Version

if TYPE_CHECKING:
    # httpx (with its command line's rich and click, more than the rest of ``import groundset``)
    # and anyio are imported by the code that sends and by a client's constructor, not with the
    # module, so that ``from groundset import Client`` stays cheap for code that only hashes.
    import httpx
    import pandas

__all__ = ["AsyncClient", "Client", "adrive_op", "drive_op", "stream_call"]

T = TypeVar("T")
SourceIdFunction = Callable[[Mapping[str, Any]], str | int]


def drive_op(client: Client, op: Op[T]) -> T:
    """Package-internal: ``op`` (an operation, :mod:`groundset._http`) run to its result by the
    blocking ``client``, each call retried as the client's settings say; an error answer is
    thrown into ``op`` as its :class:`~groundset.errors.APIError`, and raised if ``op`` does
    not catch it."""
    return client._run(op)


async def adrive_op(client: AsyncClient, op: Op[T]) -> T:
    """Package-internal: :func:`drive_op` with an :class:`AsyncClient`, awaited."""
    return await client._run(op)


@contextlib.contextmanager
def stream_call(client: Client, call: Call, *, patient: bool = False) -> Iterator[httpx.Response]:
    """Package-internal: the answer of ``call`` unread, for a body too large to hold (read it
    with ``iter_bytes``). Tried as every call is (again after a connection error, 429 or 503,
    with backoff) until a success's headers arrive; an error answer raises its
    :class:`~groundset.errors.APIError`, spent retries :class:`~groundset.errors.APIConnectionError`.
    ``patient``: no bound on the wait for each chunk of the body, for an answer whose server
    works long before its first byte (a CSV export plans its columns in a pass of its own)."""
    import httpx

    attempt = 0
    while True:
        sent: httpx.Response | httpx.TransportError
        arguments = client._request_args(call)
        if patient:
            arguments["timeout"] = httpx.Timeout(client.timeout, read=None)
        try:
            sent = client._http.send(client._http.build_request(**arguments), stream=True)
        except httpx.TransportError as error:
            sent = error
        if isinstance(sent, httpx.Response):
            if sent.status_code < 400:
                with contextlib.closing(sent):
                    yield sent
                return
            sent.read()
            sent.close()
        delay, _ = _outcome(client._options, call, attempt, sent)
        # An error answer raised above unless it is worth another try.
        time.sleep(delay or 0)
        attempt += 1


def _resume(op: Op[T], answer: Any, error: APIError | None) -> Call:
    """The next call of ``op``, given the last one's answer or error (``StopIteration`` at its end)."""
    return op.send(answer) if error is None else op.throw(error)


def _outcome(
    options: ClientOptions, call: Call, attempt: int, sent: httpx.Response | httpx.TransportError
) -> tuple[float | None, Any]:
    """What try number ``attempt + 1`` of ``call`` came to (``sent``: an answer, or the
    transport's error): ``(seconds, None)`` to wait before trying again, or ``(None, answer)``,
    the decoded answer. Raises the :class:`~groundset.errors.APIError` of an error answer, or
    :class:`~groundset.errors.APIConnectionError` when the retries are spent."""
    import httpx

    if isinstance(sent, httpx.TransportError):
        delay = options.retry_delay(attempt, None)
        if delay is None:
            raise connection_error(options, call, sent) from sent
        retrying = CONNECTION_RETRY.get()
        if retrying is not None:
            retrying()
        return delay, None
    delay = options.retry_delay(attempt, sent) if is_retried(sent) else None
    return (delay, None) if delay is not None else (None, answer_of(call, sent))


class _ClientBase:
    """What both clients hold: their settings, checked once here, and their description."""

    def __init__(self, *, base_url: str | None, api_key: str | None, timeout: float, max_retries: int) -> None:
        self._options = ClientOptions.resolve(
            base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries
        )

    @property
    def base_url(self) -> str:
        """The server's URL."""
        return self._options.base_url

    @property
    def timeout(self) -> float:
        """Seconds the client waits for the server at any one step (``timeout=``)."""
        return self._options.timeout

    @property
    def max_retries(self) -> int:
        """Further tries after a connection error, a timeout, 429 or 503 (``max_retries=``)."""
        return self._options.max_retries

    def __repr__(self) -> str:
        return f"<groundset.{type(self).__name__} {self._options.base_url}>"

    def _request_args(self, call: Call) -> dict[str, Any]:
        """The keywords of ``httpx`` ``request`` for one try of ``call``, its body aside."""
        options = self._options
        return {
            "method": call.method,
            "url": options.url(call),
            "params": call.params,
            "headers": options.headers(call),
            "timeout": options.timeout,
        }


class Client(_ClientBase):
    """A blocking client of a groundset server.

    Args:
        base_url: the server, else ``GROUNDSET_BASE_URL``, else ``http://127.0.0.1:6060``.
        api_key: sent as ``Authorization: Bearer``; else ``GROUNDSET_API_KEY``; else none.
        timeout: seconds to wait for the server at any one step (connecting, each write of the
            body, each read of the answer), not for a whole request; default 60
            (``TIMEOUT_SECONDS`` of contract/sdk.json, the TypeScript SDK's ``timeoutMs`` 60,000).
        max_retries: further tries after a connection error, a timeout, a 429 or a 503 (not
            ``database_gone``); default 2.
        http_client: an ``httpx.Client`` to send with (proxies, transports, event hooks); the
            client does not close one it was given.

    >>> with groundset.Client() as client:  # doctest: +SKIP
    ...     result = client.upsert_dataset(name="qa", examples=rows, source_id_key="id")
    ...     print(result.summary())
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
        max_retries: int = MAX_RETRIES,
        http_client: httpx.Client | None = None,
    ) -> None:
        import httpx

        super().__init__(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries)
        self._http = http_client if http_client is not None else httpx.Client()
        self._owns_http = http_client is None

    def close(self) -> None:
        """Close the connections (not those of an ``http_client`` given to the constructor)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _send(self, call: Call) -> Any:
        """One call, retried on a connection error, 429 and 503; its decoded answer."""
        import httpx

        attempt = 0
        while True:
            sent: httpx.Response | httpx.TransportError
            try:
                sent = self._http.request(**self._request_args(call), content=call.content())
            except httpx.TransportError as error:
                sent = error
            delay, answer = _outcome(self._options, call, attempt, sent)
            if delay is None:
                return answer
            time.sleep(delay)
            attempt += 1

    def _run(self, op: Op[T]) -> T:
        """Runs an operation (a generator of calls, see :mod:`groundset._http`) to its result;
        other modules call :func:`drive_op`."""
        answer: Any = None
        error: APIError | None = None
        try:
            while True:
                call = _resume(op, answer, error)
                answer, error = None, None
                try:
                    answer = self._send(call)
                except APIError as raised:
                    error = raised
        except StopIteration as stop:
            result: T = stop.value
            return result

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        expect: Literal["json", "ndjson", "none"] = "json",
    ) -> Any:
        """One request with a JSON body (or none): its decoded answer. For SDK modules that add
        routes: ``client._request("POST", "/v1/experiments", json={...})``."""
        return self._send(json_call(method, path, params=params, json=json, expect=expect))

    def upsert_dataset(
        self,
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        examples: Iterable[Mapping[str, Any]] | None = None,
        dataframe: pandas.DataFrame | None = None,
        path: str | os.PathLike[str] | None = None,
        format: FileFormat | None = None,
        threads: int | None = None,
        source_id_key: str | None = None,
        source_id: SourceIdFunction | None = None,
        input_keys: Iterable[str] | None = None,
        output_keys: Iterable[str] | None = None,
        metadata_keys: Iterable[str] | None = None,
        mode: Mode = "merge",
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        version_description: str | None = None,
        version_metadata: Mapping[str, Any] | None = None,
        dry_run: bool = False,
        expected_version_id: str | None = None,
        allow_empty: bool = False,
        max_deletes: int | None = None,
        progress: bool | None = None,
        tag: str | None = None,
        move_tag: bool = False,
        validate: bool = True,
    ) -> UpsertResult:
        """Make the dataset match ``examples`` (or ``dataframe``, or the file at ``path``); a new
        version only if something changed.

        Every example is hashed here (natively, in one batch); only the content the server does
        not hold yet is sent. Every bad record is reported at once, before anything is sent.
        Beyond ``PLAN_THRESHOLD`` examples the digest of the whole manifest goes first, alone:
        when the dataset's latest version has it, that one request is the no-op (``tag``,
        ``description`` and ``metadata`` applied in it), whatever the dataset's size.
        From ``STREAM_THRESHOLD`` (200,000) records with ``name`` and ``source_id_key`` (not
        ``path``), the client first asks whether the dataset exists; a new one's upload starts
        while its records are hashed, a chunk at a time. A bad record found then still stops
        everything: the upload is cut off before its end, so nothing is written, and every bad
        record is reported.

        Args:
            name: the dataset's name (created if missing); or ``dataset_id`` of an existing one.
            examples: mappings, structured (``{"input": {...}, "output": {...}, "metadata": {...}}``
                and the ``source_id_key`` member, nothing else: any other member is
                ``unknown_field``, a record without ``input`` is ``not_an_object``, by the core's
                rule for files) or flat (then name ``input_keys``, ``output_keys``,
                ``metadata_keys``; the input defaults to every key not named elsewhere, less
                ``source_id_key``). Or ``dataframe``, a pandas DataFrame whose rows are flat records
                (with no key option, the input is every column but ``source_id_key``; a frame
                whose columns are ``input`` and optionally ``output``, ``metadata`` and the id
                key holds structured records; numpy values become Python ones, NaN and NA
                become ``None``). Or ``path``, a
                JSONL, JSON or CSV file read and hashed by the core exactly as
                :func:`groundset.hash_file` reads it (``format``: ``"jsonl"``, ``"json"`` or
                ``"csv"``, else from the extension), without building Python values for its
                content. Exactly one of ``examples``, ``dataframe`` and ``path``.
            threads: with ``path``, the threads reading and hashing the file (``None`` or 0:
                every core), as :func:`groundset.hash_file` takes them.
            source_id_key: the key holding each record's identity: a ``str`` (1 to 512
                characters, no U+0000) or an integral number of magnitude at most 2^53 - 1
                (``7`` and ``7.0`` give ``"7"``; RFC 7493's range, the same in every language).
                Or ``source_id``, a function from the record to such a value (not with ``path``).
                With neither, an example's identity is its content hash, so an edited example
                shows up as one deleted and one created (in mirror mode), and identical examples
                are sent once.
            mode: ``"merge"`` keeps the dataset's examples that are not given; ``"mirror"``
                deletes them.
            description, metadata: set the dataset's description and metadata.
            version_description, version_metadata: describe the new version.
            dry_run: classify without writing; the result lists the source ids of each class.
            expected_version_id: fail with :class:`~groundset.ConflictError` unless the dataset's
                latest version is this one.
            allow_empty: in mirror mode, allow deleting every example of a dataset that has
                some; else such a sync (an empty file, a failed export) raises
                :class:`~groundset.ConflictError` ``mirror_would_empty`` and nothing is written.
                A dataset that is new or already empty is never refused for this.
            max_deletes: in mirror mode, the most examples the sync may delete (``0``: none);
                more raises :class:`~groundset.ConflictError` ``max_deletes_exceeded``
                (``.problem["deleted"]`` says how many it would have deleted) and nothing is
                written. ``None``: no bound. Both guards are checked by the server, with
                ``dry_run`` too, and by the plan of a large sync, so nothing is uploaded
                when they refuse; merge mode never deletes.
            progress: tqdm progress bars for hashing and upload on large sets; by default only
                when stderr is a terminal.
            tag: tag the version the sync produced, or the latest when nothing changed, in the
                same transaction (``result.tag``); a tag on another version raises
                :class:`~groundset.ConflictError` ``tag_exists`` and nothing is written, unless
                ``move_tag=True`` moves it (recorded in its history). A dry run checks the same.
            validate: check the examples against the dataset's JSON Schema (see
                :meth:`set_schema`) here, before uploading (one more GET); the server checks
                them anyway, with the same validator and the same issues.

        Raises:
            ExampleError: bad records: without a usable identity or key, with a value outside
                JSON, or (in a file) unreadable, or (``schema_violation``, ``.errors[i].schema_path``)
                against the dataset's JSON Schema; ``.errors`` lists each (row, line, path, code,
                source id), up to 100, and ``.more_errors`` counts the rest. Nothing is sent.
            HashError: ``io_error`` when ``path`` cannot be read (``cannot open PATH: REASON (os error N)``,
                as the TypeScript SDK raises it; also an instance of the system's ``OSError`` subclass).
            ConflictError: ``version_conflict`` (``expected_version_id``), a mirror refused by
                ``allow_empty`` / ``max_deletes`` (``mirror_would_empty``,
                ``max_deletes_exceeded``; never retried), or ``tag_exists`` (``tag``).
            APIError: the server refused (a subclass per status), after retries.
            APIConnectionError: the server could not be reached.

        >>> client.upsert_dataset(  # doctest: +SKIP
        ...     name="qa",
        ...     examples=[{"id": 1, "question": "2+2?", "answer": "4"}],
        ...     source_id_key="id",
        ...     input_keys=["question"],
        ...     output_keys=["answer"],
        ... )
        """
        # Every keyword argument, as given, checked before any work.
        args = UpsertArgs.from_call(locals())
        uploaded = self._run(upload_new(args))
        return uploaded if uploaded is not None else self._run(upsert(args.prepare()))

    def get_dataset(
        self,
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        version_id: str | None = None,
        tag: str | None = None,
    ) -> Dataset:
        """The dataset with every example of ``version_id``, or of the version ``tag`` names
        (not both), else of its latest version; :class:`~groundset.NotFoundError`
        ``tag_not_found``.

        >>> dataset = client.get_dataset(name="qa", tag="baseline")  # doctest: +SKIP
        >>> len(dataset), dataset.version_id, dataset.examples[0].input
        """
        return self._run(_ops.get_dataset(name, dataset_id, version_id, tag))

    def list_datasets(self, *, name: str | None = None) -> list[DatasetInfo]:
        """Every dataset, oldest first (without examples); with ``name``, only the dataset of
        that name (a list of one, or empty when there is none: never :class:`NotFoundError`)."""
        return self._run(_ops.list_datasets(name))

    def list_versions(self, *, name: str | None = None, dataset_id: str | None = None) -> list[Version]:
        """Every version of a dataset, newest first, with its counts and digest."""
        return self._run(_ops.list_versions(name, dataset_id))

    def list_experiments(
        self,
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        experiment_name: str | None = None,
        version_id: str | None = None,
        tag: str | None = None,
    ) -> list[ExperimentInfo]:
        """Every experiment on any version of a dataset, newest first (without runs; pass an
        ``id`` to :func:`groundset.load_experiment` for those); only those named
        ``experiment_name``, and only those pinned to ``version_id`` or to the version ``tag``
        names (not both), when given.

        >>> latest = client.list_experiments(name="qa", experiment_name="nightly")[0]  # doctest: +SKIP
        >>> latest.name, latest.version_id
        """
        return self._run(
            _experiment_api.list_experiments(
                name, dataset_id, experiment_name=experiment_name, version_id=version_id, tag=tag
            )
        )

    def diff_versions(
        self,
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        from_version_id: str | None = None,
        to_version_id: str | None = None,
        from_tag: str | None = None,
        to_tag: str | None = None,
    ) -> Diff:
        """The source ids created, updated and deleted from one version of a dataset to another,
        each given by id or by tag (``from_version_id=`` or ``from_tag=``, ``to_version_id=`` or
        ``to_tag=``)."""
        return self._run(_ops.diff_versions(name, dataset_id, from_version_id, to_version_id, from_tag, to_tag))

    def delete_dataset(self, *, name: str | None = None, dataset_id: str | None = None) -> None:
        """Delete a dataset with all its versions and examples."""
        self._run(_ops.delete_dataset(name, dataset_id))

    def tag_version(
        self, *, name: str | None = None, dataset_id: str | None = None, tag: str, version_id: str, move: bool = False
    ) -> Tag:
        """Point the dataset's ``tag`` at ``version_id`` (created if new) and return it.

        A tag names one version of a dataset (``"baseline"``, ``"release-2026-11"``): 1 to 512
        characters, not all digits (that is a version id), no ``/`` or U+0000; unique in the
        dataset. Wherever a version is read (``get_dataset``, ``diff_versions``, experiments),
        ``tag=`` names it too.

        Raises:
            ConflictError: ``tag_exists``: it points at another version (``.problem["version_id"]``)
                and ``move`` is false; ``move=True`` moves it, recorded in :meth:`tag_history`.
            NotFoundError: ``dataset_not_found``, ``version_not_found``.
            ValidationError: ``invalid_tag``.

        >>> client.tag_version(name="qa", tag="baseline", version_id="3")  # doctest: +SKIP
        """
        return self._run(_tags.tag_version(name, dataset_id, tag, version_id, move))

    def delete_tag(self, *, name: str | None = None, dataset_id: str | None = None, tag: str) -> None:
        """Delete the dataset's ``tag`` (its history stays); :class:`~groundset.NotFoundError`
        ``tag_not_found``."""
        self._run(_tags.delete_tag(name, dataset_id, tag))

    def list_tags(self, *, name: str | None = None, dataset_id: str | None = None) -> list[Tag]:
        """Every tag of the dataset, by name (code point order), each with its version."""
        return self._run(_tags.list_tags(name, dataset_id))

    def tag_history(self, *, name: str | None = None, dataset_id: str | None = None, tag: str) -> list[TagEvent]:
        """Every change of the tag, oldest first (``created``, ``moved`` with the version before,
        ``deleted``), a deleted tag's too; :class:`~groundset.NotFoundError` ``tag_not_found``
        for a tag the dataset never had."""
        return self._run(_tags.tag_history(name, dataset_id, tag))

    def set_schema(
        self,
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        input: Any = None,
        output: Any = None,
        metadata: Any = None,
        force: bool = False,
    ) -> DatasetSchema:
        """Set the dataset's JSON Schemas (draft 2020-12) for ``input``, ``output``, ``metadata``
        (each a dict or a bool; ``None``: no schema for that part); every later upsert is checked
        against them. An absent output or metadata is checked as ``{}``; ``format`` is an
        annotation only; a ``$ref`` must stay inside the schema (nothing is fetched).

        Raises:
            groundset_core.InvalidSchemaError: not a valid 2020-12 schema (``.issues``: each part,
                path and message), found here before sending.
            ValidationError: ``schema_violation``: examples of the latest version violate it
                (``.problem["errors"]``: source id, path, schema path; the first 100 and
                ``more_errors``); nothing is stored unless ``force=True`` (then ``forced``).
            NotFoundError: ``dataset_not_found``.

        >>> client.set_schema(name="qa", input={"type": "object", "required": ["question"]})  # doctest: +SKIP
        """
        parts = {"input": input, "output": output, "metadata": metadata}
        return self._run(_schemas.set_schema(name, dataset_id, parts, force))

    def get_schema(self, *, name: str | None = None, dataset_id: str | None = None) -> DatasetSchema | None:
        """The dataset's JSON Schemas, ``None`` when it has none."""
        return self._run(_schemas.get_schema(name, dataset_id))

    def delete_schema(self, *, name: str | None = None, dataset_id: str | None = None) -> None:
        """Remove the dataset's JSON Schemas (kept in its history); :class:`~groundset.NotFoundError`
        ``schema_not_found`` when it has none."""
        self._run(_schemas.delete_schema(name, dataset_id))


async def _chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """The chunks, each made in a worker thread: a new dataset's body hashes its examples as
    it goes (``upload_new``), which must not hold up the event loop."""
    import anyio.to_thread

    end = object()
    while (chunk := await anyio.to_thread.run_sync(next, chunks, end)) is not end:
        yield cast(bytes, chunk)


class AsyncClient(_ClientBase):
    """The asyncio (or trio) client: the same methods as :class:`Client`, to be awaited.

    Hashing runs in a worker thread, so a large upsert does not block the event loop.

    >>> async with groundset.AsyncClient() as client:  # doctest: +SKIP
    ...     result = await client.upsert_dataset(name="qa", examples=rows, source_id_key="id")
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
        max_retries: int = MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        import httpx

        super().__init__(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries)
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self._owns_http = http_client is None

    async def close(self) -> None:
        """Close the connections (not those of an ``http_client`` given to the constructor)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    async def _send(self, call: Call) -> Any:
        """One call, retried on a connection error, 429 and 503; its decoded answer."""
        import anyio
        import httpx

        attempt = 0
        while True:
            content = call.content()
            sent: httpx.Response | httpx.TransportError
            try:
                sent = await self._http.request(
                    **self._request_args(call),
                    content=content if content is None or isinstance(content, bytes) else _chunks(content),
                )
            except httpx.TransportError as error:
                sent = error
            delay, answer = _outcome(self._options, call, attempt, sent)
            if delay is None:
                return answer
            await anyio.sleep(delay)
            attempt += 1

    async def _run(self, op: Op[T]) -> T:
        """As :meth:`Client._run`, awaited; other modules call :func:`adrive_op`."""
        answer: Any = None
        error: APIError | None = None
        try:
            while True:
                call = _resume(op, answer, error)
                answer, error = None, None
                try:
                    answer = await self._send(call)
                except APIError as raised:
                    error = raised
        except StopIteration as stop:
            result: T = stop.value
            return result

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        expect: Literal["json", "ndjson", "none"] = "json",
    ) -> Any:
        """Async :meth:`Client._request`."""
        return await self._send(json_call(method, path, params=params, json=json, expect=expect))

    async def upsert_dataset(
        self,
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        examples: Iterable[Mapping[str, Any]] | None = None,
        dataframe: pandas.DataFrame | None = None,
        path: str | os.PathLike[str] | None = None,
        format: FileFormat | None = None,
        threads: int | None = None,
        source_id_key: str | None = None,
        source_id: SourceIdFunction | None = None,
        input_keys: Iterable[str] | None = None,
        output_keys: Iterable[str] | None = None,
        metadata_keys: Iterable[str] | None = None,
        mode: Mode = "merge",
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        version_description: str | None = None,
        version_metadata: Mapping[str, Any] | None = None,
        dry_run: bool = False,
        expected_version_id: str | None = None,
        allow_empty: bool = False,
        max_deletes: int | None = None,
        progress: bool | None = None,
        tag: str | None = None,
        move_tag: bool = False,
        validate: bool = True,
    ) -> UpsertResult:
        """Async :meth:`Client.upsert_dataset`; the hashing runs in a worker thread."""
        args = UpsertArgs.from_call(locals())
        import anyio.to_thread

        uploaded = await self._run(upload_new(args))
        if uploaded is not None:
            return uploaded
        prepared = await anyio.to_thread.run_sync(args.prepare)
        return await self._run(upsert(prepared))

    async def get_dataset(
        self,
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        version_id: str | None = None,
        tag: str | None = None,
    ) -> Dataset:
        """Async :meth:`Client.get_dataset`."""
        return await self._run(_ops.get_dataset(name, dataset_id, version_id, tag))

    async def list_datasets(self, *, name: str | None = None) -> list[DatasetInfo]:
        """Async :meth:`Client.list_datasets`."""
        return await self._run(_ops.list_datasets(name))

    async def list_versions(self, *, name: str | None = None, dataset_id: str | None = None) -> list[Version]:
        """Async :meth:`Client.list_versions`."""
        return await self._run(_ops.list_versions(name, dataset_id))

    async def list_experiments(
        self,
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        experiment_name: str | None = None,
        version_id: str | None = None,
        tag: str | None = None,
    ) -> list[ExperimentInfo]:
        """Async :meth:`Client.list_experiments`."""
        return await self._run(
            _experiment_api.list_experiments(
                name, dataset_id, experiment_name=experiment_name, version_id=version_id, tag=tag
            )
        )

    async def diff_versions(
        self,
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        from_version_id: str | None = None,
        to_version_id: str | None = None,
        from_tag: str | None = None,
        to_tag: str | None = None,
    ) -> Diff:
        """Async :meth:`Client.diff_versions`."""
        return await self._run(_ops.diff_versions(name, dataset_id, from_version_id, to_version_id, from_tag, to_tag))

    async def delete_dataset(self, *, name: str | None = None, dataset_id: str | None = None) -> None:
        """Async :meth:`Client.delete_dataset`."""
        await self._run(_ops.delete_dataset(name, dataset_id))

    async def tag_version(
        self, *, name: str | None = None, dataset_id: str | None = None, tag: str, version_id: str, move: bool = False
    ) -> Tag:
        """Async :meth:`Client.tag_version`."""
        return await self._run(_tags.tag_version(name, dataset_id, tag, version_id, move))

    async def delete_tag(self, *, name: str | None = None, dataset_id: str | None = None, tag: str) -> None:
        """Async :meth:`Client.delete_tag`."""
        await self._run(_tags.delete_tag(name, dataset_id, tag))

    async def list_tags(self, *, name: str | None = None, dataset_id: str | None = None) -> list[Tag]:
        """Async :meth:`Client.list_tags`."""
        return await self._run(_tags.list_tags(name, dataset_id))

    async def tag_history(self, *, name: str | None = None, dataset_id: str | None = None, tag: str) -> list[TagEvent]:
        """Async :meth:`Client.tag_history`."""
        return await self._run(_tags.tag_history(name, dataset_id, tag))

    async def set_schema(
        self,
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        input: Any = None,
        output: Any = None,
        metadata: Any = None,
        force: bool = False,
    ) -> DatasetSchema:
        """Async :meth:`Client.set_schema`."""
        parts = {"input": input, "output": output, "metadata": metadata}
        return await self._run(_schemas.set_schema(name, dataset_id, parts, force))

    async def get_schema(self, *, name: str | None = None, dataset_id: str | None = None) -> DatasetSchema | None:
        """Async :meth:`Client.get_schema`."""
        return await self._run(_schemas.get_schema(name, dataset_id))

    async def delete_schema(self, *, name: str | None = None, dataset_id: str | None = None) -> None:
        """Async :meth:`Client.delete_schema`."""
        await self._run(_schemas.delete_schema(name, dataset_id))
