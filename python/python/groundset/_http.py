"""What the sync and async clients share: calls described as data, and the operations built
from them as generators, so that every protocol is written once and driven by either client.

An operation is a generator that yields :class:`Call` objects and receives each call's decoded
answer (the parsed JSON, the list of NDJSON values, or ``None``); an error answer is thrown into
it as the :class:`~groundset.errors.APIError` it maps to, so an operation can catch one (a stale
plan, say) and go on. :func:`groundset.client.drive_op` and :func:`~groundset.client.adrive_op`
drive it with a client.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Generator, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from groundset_core import canonicalize

from groundset._constants import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_JITTER,
    BACKOFF_MAX_SECONDS,
    DEFAULT_BASE_URL,
    RETRIED_STATUSES,
    RETRY_AFTER_MAX_SECONDS,
    UNRETRIED_CODES,
)
from groundset.errors import APIConnectionError, APIError, APITimeoutError, error_from_response

CONNECTION_RETRY: ContextVar[Callable[[], None] | None] = ContextVar("groundset_connection_retry", default=None)
"""Package-internal: called each time a call is to be tried again after a connection error (from
the thread the blocking client runs in), so that an experiment's uploads hold back new task calls
while the server cannot be reached (:mod:`groundset._uploader`)."""

if TYPE_CHECKING:
    # httpx is imported when a client is made (groundset.client), not with the package: with its
    # command line's rich and click it costs more than the rest of ``import groundset``.
    import httpx

__all__ = [
    "DEFAULT_BASE_URL",
    "NDJSON",
    "Call",
    "ClientOptions",
    "Op",
    "answer_of",
    "connection_error",
    "json_call",
    "segment",
]

NDJSON = "application/x-ndjson"

T = TypeVar("T")
Body = bytes | Callable[[], Iterator[bytes]]
Op = Generator["Call", Any, T]
"""An operation: yields calls, receives their answers, returns its result."""


MAX_QUERY_CHARS = 65_536
"""The longest query string httpx sends (``httpx.InvalidURL`` beyond it)."""


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP exchange, described as data.

    Attributes:
        method, path: such as ``"GET"`` and ``"/v1/datasets"`` (below the client's ``base_url``).
        params: the query string.
        body: the encoded body, or a function returning its chunks (called again on a retry), so
            a large NDJSON body is streamed rather than held twice.
        content_type: of the body.
        expect: how to decode the answer: ``"json"``, ``"ndjson"`` (a list of values) or ``"none"``.
    """

    method: str
    path: str
    params: Mapping[str, str | int] | None = None
    body: Body | None = None
    content_type: str = "application/json"
    expect: Literal["json", "ndjson", "none"] = "json"

    def __post_init__(self) -> None:
        # httpx refuses a query longer than this with InvalidURL, a traceback naming no
        # parameter: say which one, before anything is sent.
        if self.params and len(urlencode(self.params)) > MAX_QUERY_CHARS:
            name, value = max(self.params.items(), key=lambda item: len(str(item[1])))
            raise ValueError(
                f"{name}= has {len(str(value))} characters: too long for a URL's query "
                f"(at most {MAX_QUERY_CHARS} once percent-encoded; a name has at most 512 characters)"
            )

    def headers(self) -> dict[str, str]:
        """The headers this call adds to the client's."""
        headers = {"accept": NDJSON if self.expect == "ndjson" else "application/json"}
        if self.body is not None:
            headers["content-type"] = self.content_type
        return headers

    def content(self) -> bytes | Iterator[bytes] | None:
        """The body for one attempt."""
        if self.body is None or isinstance(self.body, bytes):
            return self.body
        return self.body()


def json_call(
    method: str,
    path: str,
    *,
    params: Mapping[str, str | int] | None = None,
    json: Any = None,
    expect: Literal["json", "ndjson", "none"] = "json",
) -> Call:
    """A call with a JSON body (``json``, encoded as canonical JSON; ``None`` for no body).

    A value outside JSON raises :class:`~groundset.HashError` naming its path, before sending.
    """
    body = None if json is None else canonicalize(json)
    return Call(method, path, params=params, body=body, expect=expect)


def segment(value: str) -> str:
    """``value`` escaped as one segment of a URL path; ``ValueError`` for ``""``, ``.``,
    ``..`` and a value holding ``/``, which no escape keeps one segment: HTTP clients fold dot
    segments into the path around them (``/v1/datasets/1/tags/..`` is ``DELETE
    /v1/datasets/1``, RFC 3986 section 5.2.4), and the server routes an escaped ``/`` as ``/``
    (``datasets/1%2Fschema`` would be the dataset's schema). No id, version or tag holds either."""
    if value in ("", ".", "..") or "/" in value:
        raise ValueError(f"{value!r} cannot be one segment of a URL path: it would reach another route")
    return quote(value, safe="")


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """The settings of a client, with defaults from the environment."""

    base_url: str
    api_key: str | None
    timeout: float
    max_retries: int

    @classmethod
    def resolve(cls, *, base_url: str | None, api_key: str | None, timeout: float, max_retries: int) -> ClientOptions:
        """``base_url`` else ``GROUNDSET_BASE_URL`` else :data:`DEFAULT_BASE_URL`; ``api_key`` else
        ``GROUNDSET_API_KEY``."""
        url = (base_url or os.environ.get("GROUNDSET_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"base_url must be an http:// or https:// URL, not {url!r}")
        if urlsplit(url).path.endswith("/v1"):
            # Every path is /v1/...: the URL would reach /v1/v1/..., a 404 that names nothing.
            raise ValueError(f"base_url is the server's root, without /v1: {url[: -len('/v1')]!r}, not {url!r}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {max_retries}")
        key = api_key if api_key is not None else os.environ.get("GROUNDSET_API_KEY") or None
        return cls(base_url=url, api_key=key, timeout=timeout, max_retries=max_retries)

    def url(self, call: Call) -> str:
        """The absolute URL of ``call``."""
        return self.base_url + call.path

    def headers(self, call: Call) -> dict[str, str]:
        """Every header of ``call``: its own, the API key's and the SDK's name."""
        headers = call.headers()
        headers["user-agent"] = f"groundset-python/{_version()}"
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        return headers

    def retry_delay(self, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or ``None`` to give up.

        The policy of contract/sdk.json, as in the TypeScript SDK: exponential backoff from
        :data:`BACKOFF_BASE_SECONDS` (0.5 s) capped at :data:`BACKOFF_MAX_SECONDS` (8 s), lengthened
        by up to :data:`BACKOFF_JITTER` (a quarter) at random; a ``Retry-After`` in seconds from
        the server wins, up to :data:`RETRY_AFTER_MAX_SECONDS` (60 s)."""
        if attempt >= self.max_retries:
            return None
        if response is not None:
            retry_after = response.headers.get("retry-after", "")
            if retry_after.replace(".", "", 1).isdigit():
                return min(float(retry_after), RETRY_AFTER_MAX_SECONDS)
        backoff: float = min(BACKOFF_BASE_SECONDS * 2**attempt, BACKOFF_MAX_SECONDS)
        return backoff * (1 + random.random() * BACKOFF_JITTER)


def _version() -> str:
    from groundset_core import __version__

    return __version__


def is_retried(response: httpx.Response) -> bool:
    """Whether an answer (read) is worth another try: :data:`RETRIED_STATUSES` (429 Too Many
    Requests, 503 Unavailable) unless its problem code is one of :data:`UNRETRIED_CODES` (503
    ``database_gone``: a database gone under the running server is not back seconds later)."""
    if response.status_code not in RETRIED_STATUSES:
        return False
    try:
        problem = response.json()
    except ValueError:
        return True
    return not (isinstance(problem, dict) and problem.get("code") in UNRETRIED_CODES)


def answer_of(call: Call, response: httpx.Response) -> Any:
    """The decoded answer of ``call``, or raises the :class:`APIError` of an error answer."""
    if response.status_code >= 400:
        raise _error_of(response)
    if response.status_code >= 300:
        # Redirects are not followed (a PUT's body would be lost); one is an error, named as such.
        location = response.headers.get("location")
        raise _error_of(response, f"the server redirected to {location}" if location else "")
    if call.expect == "none" or response.status_code == 204:
        return None
    try:
        if call.expect == "ndjson":
            return [json.loads(line) for line in response.content.splitlines() if line.strip()]
        return response.json()
    except ValueError as error:
        raise _error_of(response, f"the answer ({response.status_code}) is not JSON: {error}") from None


def _error_of(response: httpx.Response, why: str = "") -> APIError:
    body: object
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return error_from_response(
        response.status_code,
        body,
        request_id=response.headers.get("x-request-id"),
        reason=why or response.reason_phrase,
        request=f"{response.request.method} {response.request.url.path}",
    )


def connection_error(options: ClientOptions, call: Call, error: httpx.TransportError) -> APIConnectionError:
    """The error for a server that could not be reached: the URL, the cause and how to start one."""
    import httpx

    url = options.url(call)
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(
            f"the groundset server at {options.base_url} did not answer {call.method} {call.path} within "
            f"{options.timeout:g} s ({type(error).__name__}); raise timeout= for large uploads",
            url=url,
        )
    port = urlsplit(options.base_url).port or 6060
    return APIConnectionError(
        f"cannot reach the groundset server at {options.base_url} ({type(error).__name__}: {error}). "
        f"Start one with `groundset-server serve --port {port}`, or set GROUNDSET_BASE_URL "
        "(or base_url=) to the URL of a running server.",
        url=url,
    )
