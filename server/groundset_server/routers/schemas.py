"""A dataset's JSON Schemas (draft 2020-12) for its examples' ``input``, ``output`` and
``metadata``: set, read, delete, history. Every upsert is checked against them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from groundset_server.routers.common import PROBLEM_RESPONSES, engine_of, json_response
from groundset_server.schema_models import DatasetSchema, SchemaHistory, SchemaSet
from groundset_server.services import schemas

router = APIRouter(prefix="/datasets/{dataset_id}/schema", tags=["schemas"], responses=PROBLEM_RESPONSES)


@router.put("", response_model=DatasetSchema)
def set_schema(request: Request, dataset_id: str, body: SchemaSet) -> Response:
    """Set the dataset's schemas (each part optional; null: none for that part). 422
    `invalid_schema` when a part is not a valid draft 2020-12 schema (`path` in the body, every
    problem in `errors`; a `$schema` of another dialect and a `$ref` leaving the schema are
    refused, nothing is fetched); 422 `schema_violation` when examples of the latest version
    violate it (each with `source_id`, `path`, `schema_path`, the first 100 and `more_errors`;
    nothing stored) unless `force`, which stores it marked `forced`; 422 `empty_schema` when
    every part is null (remove the schema with DELETE). `format` is an annotation."""
    parts = {"input": body.input, "output": body.output, "metadata": body.metadata}
    return json_response(schemas.set_schema(engine_of(request), dataset_id, parts, body.force))


@router.get("", response_model=DatasetSchema)
def get_schema(request: Request, dataset_id: str) -> Response:
    """The dataset's schemas; 404 `schema_not_found` when none is set."""
    return json_response(schemas.get_schema(engine_of(request), dataset_id))


@router.delete("", status_code=204, response_class=Response)
def delete_schema(request: Request, dataset_id: str) -> Response:
    """Remove the schemas (recorded in the history); 404 `schema_not_found`."""
    schemas.delete_schema(engine_of(request), dataset_id)
    return Response(status_code=204)


@router.get("/history", response_model=SchemaHistory)
def schema_history(request: Request, dataset_id: str) -> Response:
    """Every change of the schemas, newest first; a deletion has three null parts."""
    return json_response(schemas.schema_history(engine_of(request), dataset_id))
