"""Request and response models of the experiment routes.

Requests are parsed by these models, strict (:mod:`groundset_server.validation`: an unknown
member is 422 `unknown_field`, a name with U+0000 422 `invalid_text`, any other refusal 422
`invalid_request` naming the field); answers are written by the service as JSON with stored
canonical text spliced in, so the response models document the wire format.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from groundset_server.schemas import Example
from groundset_server.validation import FreeText, Name, StrictModel

MAX_BATCH = 10000
MAX_REPETITIONS = 1000
AnnotatorKind = Literal["CODE", "LLM", "HUMAN"]


class ExperimentCreate(StrictModel):
    name: Name | None = Field(default=None, max_length=512)
    description: FreeText | None = None
    metadata: dict[str, Any] | None = None
    version_id: str | None = Field(default=None, description="The version to run on; the latest if omitted.")
    repetitions: int = Field(default=1, ge=1, le=MAX_REPETITIONS, strict=True)


class EvaluationFields(StrictModel):
    name: Name = Field(min_length=1, max_length=512, description="The evaluator's name.")
    score: float | None = Field(default=None, allow_inf_nan=False)
    label: FreeText | None = None
    explanation: FreeText | None = None
    metadata: dict[str, Any] | None = None
    error: FreeText | None = Field(default=None, description="Set when the evaluator raised.")
    annotator_kind: AnnotatorKind = "CODE"
    start_time: datetime | None = Field(default=None, description="ISO 8601; the server's clock if omitted.")
    end_time: datetime | None = None


class EvaluationCreate(EvaluationFields):
    run_id: str


class RunCreate(StrictModel):
    example_id: str
    repetition_number: int = Field(default=1, ge=1, strict=True)
    content_hash: str | None = Field(
        default=None,
        pattern="^[0-9a-f]{64}$",
        description="The content hash the task saw; refused (422) unless it is the example's at the version.",
    )
    output: Any = Field(default=None, description="Any JSON value the task returned.")
    error: FreeText | None = Field(default=None, description="Set when the task raised: the run failed.")
    start_time: datetime | None = Field(default=None, description="ISO 8601; the server's clock if omitted.")
    end_time: datetime | None = None
    evaluations: list[EvaluationFields] = Field(
        default=[], description="Evaluations of this run, stored with it in the same transaction."
    )


class RunBatch(StrictModel):
    runs: list[RunCreate] = Field(max_length=MAX_BATCH)


class EvaluationBatch(StrictModel):
    evaluations: list[EvaluationCreate] = Field(max_length=MAX_BATCH)


class EvaluatorSummary(BaseModel):
    name: str
    count: int
    errors: int
    scored: int = Field(description="Evaluations with a score.")
    mean_score: float | None


class ExperimentSummary(BaseModel):
    expected_runs: int = Field(description="Examples of the version times repetitions.")
    runs: int
    successful_runs: int
    errored_runs: int
    incomplete_runs: int = Field(description="(example, repetition) pairs with no successful run.")
    evaluations: list[EvaluatorSummary]


class Experiment(BaseModel):
    id: str
    dataset_id: str
    version_id: str
    name: str | None
    description: str | None
    metadata: dict[str, Any]
    repetitions: int
    example_count: int = Field(description="Examples in the pinned version.")
    created_at: str
    summary: ExperimentSummary | None = Field(default=None, description="Only from GET /v1/experiments/{id}.")


class ExperimentPage(BaseModel):
    data: list[Experiment]
    next_cursor: str | None


class Evaluation(BaseModel):
    id: str
    run_id: str
    name: str
    score: float | None
    label: str | None
    explanation: str | None
    metadata: dict[str, Any]
    error: str | None
    annotator_kind: AnnotatorKind
    start_time: str
    end_time: str


class Run(BaseModel):
    id: str
    experiment_id: str
    example_id: str
    source_id: str
    content_hash: str
    repetition_number: int
    output: Any
    error: str | None
    start_time: str
    end_time: str
    evaluations: list[Evaluation]


class RunPage(BaseModel):
    data: list[Run]
    next_cursor: str | None


class RunCreated(BaseModel):
    id: str
    example_id: str
    repetition_number: int
    content_hash: str


class RunBatchResult(BaseModel):
    data: list[RunCreated] = Field(description="The stored runs, in the order of the request.")
    replaced: int = Field(description="Errored runs replaced by runs of this batch.")
    evaluations: int = Field(description="Evaluations stored with the runs.")


class EvaluationStored(BaseModel):
    id: str
    run_id: str
    name: str


class EvaluationBatchResult(BaseModel):
    data: list[EvaluationStored] = Field(description="In the order of the request.")


class IncompleteExample(BaseModel):
    example: Example = Field(description="The example as GET /v1/datasets/{id}/examples gives it.")
    repetition_numbers: list[int] = Field(description="The repetitions with no successful run.")


class IncompletePage(BaseModel):
    experiment_id: str
    version_id: str
    data: list[IncompleteExample]
    next_cursor: str | None
