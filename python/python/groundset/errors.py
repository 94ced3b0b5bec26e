"""The exceptions of the groundset SDK: one tree under :class:`GroundsetError`.

The compiled core (the package ``groundset-core``) raises :class:`HashError` and
:class:`UnsupportedTypeError` with the stable ``code`` of the Rust core (``canonhash``,
``groundset-records``), the JSONPath of the offending value, and the line and column when the
value came from text. Those two and the root, :class:`GroundsetError`, are defined by
``groundset_core.errors`` and re-exported here, so that one root covers the core's errors and
the SDK's.

The client raises :class:`ExampleError` for a record it cannot turn into an example (naming the
row and the key), :class:`APIError` and its subclasses for an answer of the server (built from
its RFC 9457 problem details by :func:`error_from_response`, the only place that maps them), and
:class:`APIConnectionError` when the server cannot be reached.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from groundset_core.errors import GroundsetError, HashError, UnsupportedTypeError

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ContentTooLargeError",
    "ExampleError",
    "GroundsetError",
    "HashError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RecordIssue",
    "UnsupportedMediaTypeError",
    "UnsupportedTypeError",
    "ValidationError",
    "error_from_response",
]


@dataclass(frozen=True, slots=True)
class RecordIssue:
    """One record that cannot become an example.

    Attributes:
        row: the 0-based index of the record, as a list counts (``examples[row]``; in a file:
            among its records, CSV header not counted; a header's ``invalid_header``: 0).
        code: the stable reason, such as ``"invalid_source_id"`` or ``"duplicate_key"``.
        path: the JSONPath of the problem inside the record, such as ``"$.id"``.
        message: what is wrong, in words (without the code and path).
        line: the 1-based line where the record starts in its file, else ``None``.
        source_id: the record's source id when it has a valid one, else ``None``.
        schema_path: ``schema_violation``: the JSON Pointer of the failing keyword in the
            dataset's schema document (``/input/properties/question/type``), else ``None``.
        column: the 1-based column (character, not byte) on ``line`` where the reader found
            the problem (a JSON syntax error), else ``None``.
    """

    row: int
    code: str
    path: str
    message: str
    line: int | None = None
    source_id: str | None = None
    schema_path: str | None = None
    column: int | None = None

    def describe(self, file: object = None) -> str:
        """``FILE:LINE[:COLUMN]: CODE at PATH [source id ID]: message`` (``row N:`` without a line)."""
        where = f"{file}:{self.line}" if file is not None and self.line is not None else f"row {self.row}"
        if file is not None and self.line is not None and self.column is not None:
            where += f":{self.column}"
        known = f" [source id {self.source_id}]" if self.source_id is not None else ""
        return f"{where}: {self.code} at {self.path}{known}: {self.message}"


class ExampleError(GroundsetError, ValueError):
    """Records that cannot become examples, found before anything is sent: every one of them
    (up to :data:`groundset.MAX_REPORTED_ERRORS`, then a count), not only the first.

    Attributes:
        errors: each bad record as a :class:`RecordIssue`, in order.
        more_errors: how many more problems there were beyond ``errors``.
        code, row, path, source_id, line: those of the first issue. ``code`` is a stable
            reason: ``"missing_source_id"``, ``"invalid_source_id"``, ``"duplicate_source_id"``,
            ``"missing_key"``, ``"not_a_mapping"``, ``"not_an_object"``, a hash-domain code
            (``"non_finite_number"``...) or a reading code (``"field_count"``, ``"duplicate_key"``...).
    """

    code: str
    row: int
    path: str
    source_id: str | None
    line: int | None
    errors: list[RecordIssue]
    more_errors: int

    def __init__(
        self,
        message: str,
        *,
        code: str,
        row: int,
        path: str = "$",
        source_id: str | None = None,
        line: int | None = None,
        errors: Sequence[RecordIssue] | None = None,
        more_errors: int = 0,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.row = row
        self.path = path
        self.source_id = source_id
        self.line = line
        if errors is None:
            errors = [RecordIssue(row=row, code=code, path=path, message=message, line=line, source_id=source_id)]
        self.errors = list(errors)
        self.more_errors = more_errors

    @classmethod
    def from_issues(cls, issues: Sequence[RecordIssue], more_errors: int = 0, *, file: object = None) -> ExampleError:
        """One error listing ``issues`` (at least one), each as :meth:`RecordIssue.describe` says:
        the line alone for one issue, else ``[FILE: ]N bad records:`` and one indented line each."""
        first = issues[0]
        lines = [issue.describe(file) for issue in issues]
        if more_errors:
            lines.append(f"... and {more_errors} more")
        count = len(issues) + more_errors
        # The same headline and layout as the TypeScript SDK's ExampleError.
        head = (
            f"{bad_records(issues, more_errors)}:" if file is None else f"{file}: {bad_records(issues, more_errors)}:"
        )
        message = lines[0] if count == 1 else head + "\n  " + "\n  ".join(lines)
        return cls(
            message,
            code=first.code,
            row=first.row,
            path=first.path,
            source_id=first.source_id,
            line=first.line,
            errors=issues,
            more_errors=more_errors,
        )


def bad_records(issues: Sequence[RecordIssue], more_errors: int = 0) -> str:
    """``3 bad records (8 violations)``: schema violations counted by record (row), as a record
    may break several of a JSON Schema's rules; else ``N bad records``. Beyond the listed issues the
    records are unknown: ``at least``. Issues of a CSV's header alone (``invalid_header``) are no
    records: ``a bad header (N problems)``."""
    problems = len(issues) + more_errors
    if all(issue.code == "invalid_header" for issue in issues):
        return "a bad header" + ("" if problems == 1 else f" ({problems} problems)")
    records = len({issue.row for issue in issues})
    if records == len(issues) or any(issue.code != "schema_violation" for issue in issues):
        return f"{problems} bad record" + ("" if problems == 1 else "s")
    counted = f"at least {records}" if more_errors else str(records)
    return f"{counted} bad record{'' if records == 1 else 's'} ({problems} violations)"


class APIConnectionError(GroundsetError):
    """The server could not be reached (refused, reset, DNS...), after the retries.

    Attributes:
        url: the URL that was requested.
        code: ``"connection_error"`` (``"timeout"`` for :class:`APITimeoutError`), the code the
            CLI's ``--json`` refusal gives it, as every other error's ``code``.
    """

    url: str
    code: str = "connection_error"

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class APITimeoutError(APIConnectionError):
    """The server did not answer within the client's ``timeout``, after the retries (``code``
    ``"timeout"``)."""

    code: str = "timeout"


class APIError(GroundsetError):
    """An error answer of the server (HTTP 4xx or 5xx), named as its RFC 9457 problem details
    name things: the same attributes as the TypeScript SDK's ``APIError`` (camelCase there).

    Attributes:
        status: the HTTP status, such as ``404``.
        code: the server's stable ``code`` (``"dataset_not_found"``, ``"version_conflict"``...),
            or ``"http_<status>"`` when the answer was not problem details.
        detail: the server's ``detail``, or the body's text when it was not problem details.
        problem: the whole problem details object (``source_ids``, ``line``, ``path``... when the
            server gave them), or ``{}``.
        request_id: the ``X-Request-Id`` of the exchange, to find it in the server's log.
        request: ``"METHOD /path"`` of the request, or ``""`` when the error was not an answer to one.

    ``status_code``, ``message`` and ``body`` are deprecated aliases of ``status``, ``detail``
    and ``problem`` (they warn with :class:`DeprecationWarning`).
    """

    status: int
    code: str
    detail: str
    problem: dict[str, Any]
    request_id: str | None
    request: str

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str,
        problem: Mapping[str, Any] | None = None,
        request_id: str | None = None,
        request: str = "",
        status_code: int | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        # ``status_code`` and ``body`` are the keywords' names before 0.2, still taken.
        resolved = status if status is not None else status_code
        if resolved is None:
            raise TypeError("APIError() needs status=")
        super().__init__(f"{resolved} {code}: {detail}")
        self.status = resolved
        self.code = code
        self.detail = detail
        self.problem = dict(problem if problem is not None else body or {})
        self.request_id = request_id
        self.request = request

    @property
    def status_code(self) -> int:
        """Deprecated: :attr:`status`."""
        _deprecated("status_code", "status")
        return self.status

    @property
    def message(self) -> str:
        """Deprecated: :attr:`detail`."""
        _deprecated("message", "detail")
        return self.detail

    @property
    def body(self) -> dict[str, Any]:
        """Deprecated: :attr:`problem`."""
        _deprecated("body", "problem")
        return self.problem


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"APIError.{old} is deprecated: use APIError.{new}", DeprecationWarning, stacklevel=3)


class BadRequestError(APIError):
    """400: the request is not readable (invalid JSON or NDJSON)."""


class AuthenticationError(APIError):
    """401: no API key, or the wrong one (``GROUNDSET_API_KEY`` or ``api_key=``)."""


class PermissionDeniedError(APIError):
    """403: the key is valid but may not do this."""


class NotFoundError(APIError):
    """404: no such dataset, version or route."""


class ConflictError(APIError):
    """409: the dataset moved meanwhile (``version_conflict``, ``stale_manifest``), or the mirror
    guard refused a sync (``mirror_would_empty``, ``max_deletes_exceeded``: ``problem`` has
    ``deleted``, ``example_count``, ``max_deletes`` and the first ``source_ids``)."""


class ContentTooLargeError(APIError):
    """413: the body is over the server's limit (``GROUNDSET_MAX_BODY_BYTES``)."""


class UnsupportedMediaTypeError(APIError):
    """415: a body that is neither JSON nor NDJSON."""


class ValidationError(APIError):
    """422: the request is readable but not valid (a bad id, a hash mismatch, a bad example...)."""


class RateLimitError(APIError):
    """429: too many requests (retried with backoff before it is raised)."""


class InternalServerError(APIError):
    """5xx: the server failed (503 is retried with backoff before it is raised, but for
    ``database_gone``)."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: ContentTooLargeError,
    415: UnsupportedMediaTypeError,
    422: ValidationError,
    429: RateLimitError,
}


PROXY_TOO_LARGE = (
    "a proxy in front of the server refused the body as too large (its own limit on a request's size, such as "
    "nginx's client_max_body_size, 1 MB by default; the server's is GROUNDSET_MAX_BODY_BYTES): raise that limit, "
    "or send less at a time"
)
"""The detail of a 413 that is not the server's problem details (the TypeScript SDK's words too)."""


def error_from_response(
    status: int, body: object, *, request_id: str | None = None, reason: str = "", request: str = ""
) -> APIError:
    """The exception for an error answer: its class from ``status`` (the mapping of
    contract/sdk.json, the same in the TypeScript SDK), its ``code`` and ``detail`` from the
    problem details ``body`` (the parsed JSON, or anything else when it was not JSON); ``request``
    is ``"METHOD /path"``.

    >>> error = error_from_response(404, {"code": "dataset_not_found", "detail": "no dataset has the id 7"})
    >>> type(error).__name__, error.code, str(error)
    ('NotFoundError', 'dataset_not_found', '404 dataset_not_found: no dataset has the id 7')
    """
    problem: dict[str, Any] = dict(body) if isinstance(body, Mapping) else {}
    code = problem.get("code")
    detail = problem.get("detail")
    if not isinstance(code, str) or not code:
        code = f"http_{status}"
    if not isinstance(detail, str) or not detail:
        detail = reason or (body if isinstance(body, str) and body else "the server answered with an error")
    if status == 413 and code == "http_413":
        # Not the server's body_too_large: a proxy's page, whose text says nothing of what to do.
        detail = PROXY_TOO_LARGE
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIError)
    return cls(str(detail), status=status, code=code, problem=problem, request_id=request_id, request=request)
