"""Pydantic models that document the wire format in the OpenAPI schema.

The routes parse and answer JSON themselves (orjson, stored canonical text spliced in as it is),
so these models describe the wire format; they are not on the hot path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictBool

from groundset_server.schema_models import DatasetSchema
from groundset_server.validation import FreeText, Name, NewTagName, StrictModel

AllowEmpty = Annotated[
    StrictBool,
    Field(
        description="Mirror only: allow deleting every example of a dataset that has some "
        "(else 409 `mirror_would_empty`)."
    ),
]
MaxDeletes = Annotated[
    int | None,
    Field(
        ge=0,
        description="Mirror only: refuse (409 `max_deletes_exceeded`) to delete more examples than this; "
        "null or absent: no bound.",
    ),
]


class DatasetSelector(StrictModel):
    name: Name | None = Field(
        default=None,
        description="Select (and create if missing) by name: 1 to 512 characters, not only white space, no "
        "white space at either end, no control character (C0, DEL, C1): 422 `invalid_selector` (a dataset "
        "named so before stays reachable by `id`); U+0000 is `invalid_text`, a lone surrogate "
        "`lone_surrogate`. `/`, `.` and `..` are names like any other (a name is never a path segment).",
    )
    id: str | None = Field(default=None, description="Select an existing dataset by id.")


class UpsertExample(StrictModel):
    source_id: str = Field(min_length=1, max_length=512)
    content_hash: str = Field(pattern="^[0-9a-f]{64}$")
    input: dict[str, Any] | None = Field(
        default=None, description="Omit with output and metadata after a plan."
    )
    output: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class UpsertRequest(StrictModel):
    dataset: DatasetSelector
    mode: Literal["merge", "mirror"] = "merge"
    dry_run: StrictBool = False
    expected_version_id: str | None = None
    allow_empty: AllowEmpty = False
    max_deletes: MaxDeletes = None
    description: FreeText | None = None
    metadata: dict[str, Any] | None = None
    version_description: FreeText | None = None
    version_metadata: dict[str, Any] | None = None
    tag: NewTagName | None = Field(
        default=None,
        description="Tag the version the upsert produced, or the latest when nothing changed, in the "
        "same transaction (a dry run checks and writes nothing).",
    )
    move_tag: StrictBool = Field(
        default=False,
        description="Move `tag` when it points at another version (else 409 `tag_exists`, nothing written).",
    )
    manifest_digest: str | None = Field(
        default=None,
        pattern="^[0-9a-f]{64}$",
        description="The digest of the client's whole manifest (SHA-256 of the RFC 8785 JSON of its "
        "`[source_id, content_hash]` pairs sorted by source id: a version's `digest`, what "
        "`groundset hash --digest` prints), sent instead of `examples`. Equal to the latest version's "
        "digest: the answer is the no-op (`noop: true`, no example read; `tag`, `move_tag`, `description`, "
        "`metadata`, `expected_version_id` and `dry_run` apply as to any upsert; a dry run's "
        "`unchanged_source_ids` is null: they are the manifest's). Otherwise, or when the dataset has no "
        "version (or does not exist: it is not created), 409 `digest_differs` with the dataset's "
        "`dataset_id`, `latest_version_id` and `digest` (null when unknown), nothing written: send the "
        "examples (or plan them).",
    )
    plan_id: str | None = Field(
        default=None,
        description="The `plan_id` of a plan of the same manifest (`POST /v1/datasets/upsert/plan`): "
        "`examples` then holds only examples the plan listed in `needed_source_ids`, each with "
        "its content and the `content_hash` planned, and the rest of the manifest is the plan's. "
        "The upsert means exactly what the whole manifest would, sent with content-less entries "
        "for the others (a write committed since the plan: the last writer wins; `stale_manifest`"
        " as without plan_id). 409 `plan_expired`: this server process does not hold the plan "
        "(expired, evicted, consumed by an upsert that committed with it, or planned on another "
        "process): send the whole manifest without `plan_id`. 422 `plan_mismatch`: the `dataset`,"
        " `mode`, `allow_empty` or `max_deletes` differ from the plan's, or examples the plan did"
        " not ask for (each in `errors`). A needed example left out is a content-less entry (422 "
        "`missing_content` when no revision holds its content). Not with `manifest_digest`.",
    )
    examples: list[UpsertExample] | None = Field(
        default=None,
        description="Required, even empty, unless `manifest_digest` is given, and then absent: a body with "
        "neither is 422 `missing_examples`, with both 422 `invalid_request`.",
    )


class ManifestEntry(StrictModel):
    source_id: str
    content_hash: str


class PlanRequest(StrictModel):
    dataset: DatasetSelector
    mode: Literal["merge", "mirror"] = "merge"
    allow_empty: AllowEmpty = False
    max_deletes: MaxDeletes = None
    examples: list[ManifestEntry] = Field(
        description="Required, even empty: a body without it is 422 `missing_examples`."
    )


class UpsertResult(BaseModel):
    dataset_id: str | None
    dataset_name: str
    version_id: str | None
    previous_version_id: str | None
    noop: bool
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    deleted: int
    digest: str
    created_source_ids: list[str] | None = Field(default=None, description="Only with dry_run.")
    updated_source_ids: list[str] | None = None
    unchanged_source_ids: list[str] | None = None
    deleted_source_ids: list[str] | None = None
    tag: str | None = Field(
        default=None, description="The request's `tag`, now on `version_id` (a dry run: it would be)."
    )
    tag_change: Literal["created", "moved", "unchanged"] | None = Field(
        default=None,
        description="What the upsert did to `tag` (a dry run: would do): `created` (the dataset had no "
        "such tag), `moved` (from another version, with `move_tag`), `unchanged` (already on that "
        "version); null without `tag`.",
    )


class PlanResult(BaseModel):
    dataset_id: str | None
    dataset_name: str
    base_version_id: str | None
    base_digest: str = Field(
        description="The digest of the base version: when nothing is needed and nothing would be deleted, "
        "the dataset already matches the manifest and the upsert may be skipped."
    )
    needed_source_ids: list[str]
    plan_id: str | None = Field(
        description="Send it with the upsert (`UpsertRequest.plan_id`) and only the needed examples. The "
        "server keeps the plan in this process's memory for `GROUNDSET_PLAN_TTL_SECONDS` (600 s by default), "
        "within `GROUNDSET_PLAN_MAX_COUNT` plans and `GROUNDSET_PLAN_MAX_BYTES`, the oldest evicted first; "
        "an upsert that commits with it consumes it. Null when the plan alone is over the memory bound "
        "(nothing kept): send the whole manifest.",
    )
    created: int
    updated: int
    unchanged: int
    deleted: int
    dataset_schema: DatasetSchema | None = Field(
        default=None,
        description="The dataset's JSON Schemas, which the upsert will check the examples against "
        "(an SDK checks them before uploading); null without one.",
    )


class Dataset(BaseModel):
    id: str
    name: str
    description: str | None
    metadata: dict[str, Any]
    created_at: str
    updated_at: str
    latest_version_id: str | None
    example_count: int | None = Field(
        None,
        description="Its live examples (the latest version's): in the list and from GET /v1/datasets/{id}.",
    )
    tags: list[str] | None = Field(
        None,
        description="The tags on any of its versions, sorted by code point: in the list and from "
        "GET /v1/datasets/{id}.",
    )


class DatasetPage(BaseModel):
    data: list[Dataset]
    next_cursor: str | None


class Version(BaseModel):
    id: str
    dataset_id: str
    description: str | None
    metadata: dict[str, Any]
    created_at: str
    example_count: int
    created: int
    updated: int
    deleted: int
    digest: str
    tags: list[str] = Field(description="The tags on this version, sorted by code point.")


class VersionPage(BaseModel):
    data: list[Version]
    next_cursor: str | None


class Example(BaseModel):
    id: str
    source_id: str
    content_hash: str
    input: dict[str, Any]
    output: dict[str, Any]
    metadata: dict[str, Any]
    version_id: str


class ExamplePage(BaseModel):
    dataset_id: str
    version_id: str | None
    data: list[Example]
    next_cursor: str | None


class Manifest(BaseModel):
    dataset_id: str
    version_id: str | None
    digest: str
    examples: list[tuple[str, str]]


class Diff(BaseModel):
    dataset_id: str
    from_version_id: str
    to_version_id: str
    created: list[str]
    updated: list[str]
    deleted: list[str]
    from_digest: str
    to_digest: str


class RecordError(BaseModel):
    """One refused example of an upsert or plan body (a problem's ``errors``)."""

    code: str = Field(description="Its stable code, such as `hash_mismatch` or `not_an_object`.")
    path: str = Field(
        description="The JSON path of the refused value: in the body (`$.examples[3].input`) for a "
        "JSON body, in the line (`$.input`) for NDJSON."
    )
    detail: str = Field(description="What is wrong, in words (without the code and path).")
    line: int | None = Field(default=None, description="NDJSON: the line of the example (1-based).")
    index: int | None = Field(
        default=None, description="JSON body: the example's index in `examples` (0-based)."
    )
    source_id: str | None = Field(default=None, description="The example's source id, when it is a string.")
    schema_path: str | None = Field(
        default=None,
        description="`schema_violation`: the JSON Pointer of the failing keyword in the dataset's schema "
        "document (`/input/properties/question/type`).",
    )


class RequestError(BaseModel):
    """One error of a request that breaks the route's rules (a problem's ``errors``)."""

    loc: list[str | int] = Field(description="Where the value came from (`body`, `query`...), then its path.")
    code: str
    msg: str
    path: str | None = Field(default=None, description="The JSON path in the body, when it is in the body.")


class Problem(BaseModel):
    """An RFC 9457 problem (``application/problem+json``) with its stable ``code`` and the members
    that say what and where; every member a problem can carry is named here (tested)."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    instance: str | None = None
    source_ids: list[str] | None = None
    line: int | None = Field(default=None, description="The line of the request body (1-based).")
    column: int | None = Field(default=None, description="The column of that line (1-based).")
    path: str | None = Field(
        default=None,
        description="The JSON path of the refused member (`unknown_field`, `invalid_text`, "
        "`missing_examples`, ...), within the NDJSON line when `line` is given.",
    )
    parameter: str | None = Field(
        default=None,
        description="The refused query or path parameter (`invalid_text`, `invalid_tag`, `version_and_tag`, "
        "`invalid_id_key`).",
    )
    errors: list[RecordError | RequestError] | None = Field(
        default=None,
        description="The refused examples of an upsert or plan body (`RecordError`), the first 100 "
        "in body order; or, for `unknown_field`, `invalid_text`, `invalid_request`, the first ten "
        "errors of the request (`RequestError`).",
    )
    more_errors: int | None = Field(
        default=None, description="With refused examples: how many more there were beyond `errors`."
    )
    deleted: int | None = Field(
        default=None, description="`mirror_would_empty`, `max_deletes_exceeded`: how many it would delete."
    )
    example_count: int | None = Field(default=None, description="The same: how many the dataset holds now.")
    max_deletes: int | None = Field(default=None, description="`max_deletes_exceeded`: the bound given.")
    field: str | None = Field(default=None, description="The refused member of an upsert or plan header.")
    limit: int | None = Field(default=None, description="`body_too_large`, `invalid_limit`: the bound.")
    size: int | None = Field(
        default=None,
        description="`body_too_large`: the body's length in bytes, when the request declared it.",
    )
    dataset_id: str | None = Field(
        default=None,
        description="`dataset_not_found`, `dataset_has_no_version`, `invalid_id`, `schema_not_found`.",
    )
    version_id: str | None = Field(
        default=None,
        description="`version_not_found`, `example_not_in_version`, `invalid_id`, `unknown_source_ids`, "
        "`empty_selection`; `tag_exists`: the version the tag points at now.",
    )
    tag: str | None = Field(default=None, description="`tag_not_found`, `tag_exists`: the tag.")
    experiment_id: str | None = Field(
        default=None,
        description="`experiment_not_found`, `invalid_id`, `task_version_required`, "
        "`example_not_in_selection`, `reuse_from_itself`.",
    )
    example_id: str | None = Field(default=None, description="`invalid_id`: the refused example id.")
    run_id: str | None = Field(default=None, description="`invalid_id`: the refused run id.")
    cursor_id: str | None = Field(default=None, description="`invalid_id`: the refused cursor.")
    expected_version_id: str | None = Field(default=None, description="`version_conflict`: the one sent.")
    latest_version_id: str | None = Field(default=None, description="`version_conflict`: the latest.")
    base_version_id: str | None = Field(
        default=None, description="`stale_manifest`: the version the upsert met."
    )
    needed_source_ids: list[str] | None = Field(
        default=None,
        description="`stale_manifest`: every source id whose content to send again (the dataset holds "
        "its content_hash in no revision); the other content-less entries may stay as they were.",
    )
    example_ids: list[str] | None = Field(
        default=None,
        description="`example_not_in_version`, `example_not_in_selection`, `content_hash_mismatch`, "
        "`run_exists`: the first ten.",
    )
    repetition_numbers: list[int] | None = Field(
        default=None, description="`run_exists`: the repetitions of `example_ids`."
    )
    run_ids: list[str] | None = Field(default=None, description="`run_not_in_experiment`: the first ten.")
    unknown_source_ids: list[str] | None = Field(
        default=None,
        description="`unknown_source_ids`: the selection's source ids the version does not hold, the "
        "first 100 in the order given.",
    )
    unknown_count: int | None = Field(default=None, description="`unknown_source_ids`: how many there were.")
    base_dataset_id: str | None = Field(
        default=None, description="`experiments_on_different_datasets`: the base experiment's dataset."
    )
    head_dataset_id: str | None = Field(
        default=None, description="`experiments_on_different_datasets`: the head experiment's dataset."
    )


class Health(BaseModel):
    status: str
    version: str


class TagSet(StrictModel):
    version_id: str = Field(description="The version the tag names (of the same dataset).")
    move: StrictBool = Field(
        default=False,
        description="Move the tag when it points at another version (else 409 `tag_exists`); each "
        "move is recorded in its history.",
    )


class Tag(BaseModel):
    name: str
    version_id: str
    created_at: str = Field(description="When the tag was created (again, after a deletion).")
    updated_at: str = Field(description="When it was last created or moved.")


class TagPage(BaseModel):
    data: list[Tag] = Field(description="By name (code point order).")
    next_cursor: str | None


class TagEvent(BaseModel):
    action: Literal["created", "moved", "deleted"]
    version_id: str | None = Field(description="Where the tag points after it; null when deleted.")
    previous_version_id: str | None = Field(description="Where it pointed before; null when created.")
    at: str


class TagHistory(BaseModel):
    data: list[TagEvent] = Field(description="Oldest first.")
