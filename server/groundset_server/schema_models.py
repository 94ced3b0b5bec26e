"""Request and answer models of a dataset's JSON Schemas (``/v1/datasets/{id}/schema``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictBool

from groundset_server.validation import StrictModel

SchemaDocument = dict[str, Any] | StrictBool | None
"""One part's schema: a JSON Schema draft 2020-12 object or boolean; null for none."""


class SchemaSet(StrictModel):
    input: SchemaDocument = Field(default=None, description="The schema of every example's `input`.")
    output: SchemaDocument = Field(
        default=None, description="The schema of `output` (an absent output is validated as `{}`)."
    )
    metadata: SchemaDocument = Field(
        default=None, description="The schema of `metadata` (absent metadata is validated as `{}`)."
    )
    force: StrictBool = Field(
        default=False,
        description="Store it even though examples of the latest version violate it (recorded as `forced`).",
    )


class DatasetSchema(BaseModel):
    input: SchemaDocument = Field(description="As stored: RFC 8785 canonical JSON.")
    output: SchemaDocument
    metadata: SchemaDocument
    updated_at: str = Field(description="When this schema was set (or deleted).")
    forced: bool = Field(description="Whether it was set with `force` over violating examples.")


class SchemaHistory(BaseModel):
    data: list[DatasetSchema] = Field(
        description="Every change, newest first; a deletion is an entry whose three parts are null."
    )
