"""The SDK contract's values, generated from contract/sdk.json by scripts/sdk_contract.py: do not edit.

The TypeScript SDK's ``js/ts/constants.ts`` is generated from the same file with the same names.
"""

from typing import Final

__all__ = [
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_JITTER",
    "BACKOFF_MAX_SECONDS",
    "DEFAULT_BASE_URL",
    "MAX_REPETITIONS",
    "MAX_RETRIES",
    "PLAN_ATTEMPTS",
    "PLAN_EXPIRED",
    "PLAN_MISMATCH",
    "PLAN_THRESHOLD",
    "PROGRESS_THRESHOLD",
    "RETRIED_STATUSES",
    "RETRY_AFTER_MAX_SECONDS",
    "STREAM_CHUNK",
    "STREAM_THRESHOLD",
    "TIMEOUT_SECONDS",
    "UNRETRIED_CODES",
]

DEFAULT_BASE_URL: Final[str] = "http://127.0.0.1:6060"
"""The server when neither the client's base URL nor GROUNDSET_BASE_URL is given."""

TIMEOUT_SECONDS: Final[float] = 60.0
"""How long the client waits for the server at any one step: connecting, sending the next chunk of a body, receiving
the answer's headers or its next chunk. Not a bound on a whole request, so a large upload or download that keeps
moving is never cut; a server that stops answering is given up on after this long."""

MAX_RETRIES: Final[int] = 2
"""Further tries after a connection error, a timeout, 429 or 503 (every call is idempotent, upserts included), but
not after a 503 of unretried_codes."""

RETRIED_STATUSES: Final[frozenset[int]] = frozenset({429, 503})
"""The error answers worth another try: Too Many Requests and Service Unavailable (but those of unretried_codes)."""

UNRETRIED_CODES: Final[frozenset[str]] = frozenset({"database_gone"})
"""The problem codes of a retried status that are raised at once, without another try: database_gone, the database
went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped), which a retry
seconds later does not bring back."""

BACKOFF_BASE_SECONDS: Final[float] = 0.5
"""The wait before the first retry; doubled for each further one."""

BACKOFF_MAX_SECONDS: Final[float] = 8.0
"""The longest computed wait between tries."""

BACKOFF_JITTER: Final[float] = 0.25
"""Each computed wait is lengthened by a random fraction up to this, so that clients refused together do not come
back together."""

RETRY_AFTER_MAX_SECONDS: Final[float] = 60.0
"""A Retry-After in seconds from the server is obeyed (instead of the computed wait) up to this long."""

PLAN_THRESHOLD: Final[int] = 1000
"""Beyond this many examples an upsert plans first (sending [source id, content hash] pairs), then sends content
only for the examples the server lacks; up to it, one request with all content is faster than two round trips."""

PROGRESS_THRESHOLD: Final[int] = 20000
"""From this many examples on, an upsert shows its progress on stderr by default when stderr is a terminal (progress
true shows it for any number, false never)."""

STREAM_THRESHOLD: Final[int] = 200000
"""From this many records (in memory, ids by a source-id key, a dataset by name, no expected version) an upsert
first asks whether the dataset exists (GET /v1/datasets?name=), so that a new one's upload starts while its records
are hashed. The answer costs every sync of an existing dataset one round trip (~1-2 ms on loopback), which the
hashing it overlaps repays many times over from here; below it the whole hash comes first, as for an existing
dataset."""

STREAM_CHUNK: Final[int] = 20000
"""Records hashed at a time while a new dataset's upload goes on: the first leave after tens of milliseconds, and
each later chunk is hashed while the server works on the one before."""

PLAN_ATTEMPTS: Final[int] = 3
"""Plans made by one upsert at most, when the dataset keeps moving between plan and upsert."""

PLAN_EXPIRED: Final[str] = "plan_expired"
"""The code of the 409 answering an upsert by plan_id when the server process no longer holds that plan (expired,
evicted, consumed, or planned on another process): the SDK sends the whole manifest once instead, and the caller
sees no error."""

PLAN_MISMATCH: Final[str] = "plan_mismatch"
"""The code of the 422 answering an upsert by plan_id whose dataset, mode or mirror guard is not the plan's, or
whose lines the plan did not ask for (each named): a mistake of the client, raised."""

MAX_REPETITIONS: Final[int] = 1000
"""The most runs per example an experiment may ask for (the server's limit on repetitions), checked by both SDKs
before anything is sent."""
