"""Request and response models of the experiment routes.

Requests are parsed by these models, strict (:mod:`groundset_server.validation`: an unknown
member is 422 `unknown_field`, a name with U+0000 422 `invalid_text`, any other refusal 422
`invalid_request` naming the field); answers are written by the service as JSON with stored
canonical text spliced in, so the response models document the wire format.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import groundset_core
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from groundset_server.schemas import Example
from groundset_server.validation import FreeText, Name, NewExperimentName, StrictModel, TagName, TimedModel

MAX_BATCH = 10000
MAX_REPETITIONS = 1000
MAX_TOKENS = 2**63 - 1
AnnotatorKind = Literal["CODE", "LLM", "HUMAN"]

LatencyMs = Annotated[
    float | None,
    Field(
        ge=0,
        allow_inf_nan=False,
        strict=True,
        description="How long it took, in milliseconds (finite, >= 0). When omitted and both "
        "`start_time` and `end_time` are given, their difference.",
    ),
]


MAX_SELECTED_IDS = 100_000
MAX_SELECTION_KEYS = 100
MAX_SELECTION_VALUES = 10_000


class MetadataCondition(StrictModel):
    """What one top-level metadata key must hold: exactly one of `eq` (the value) and `in` (one
    of the values). Values are compared as canonical JSON (RFC 8785): `1` equals `1.0`, `true`
    is not `1`, key order does not matter. An example without the key matches no condition on
    it, not even `{"eq": null}`."""

    eq: Any = Field(default=None, description="The value the key must hold (any JSON value, null too).")
    in_: list[Any] | None = Field(
        default=None,
        alias="in",
        min_length=1,
        max_length=MAX_SELECTION_VALUES,
        description="The values one of which the key must hold.",
    )

    @model_validator(mode="after")
    def _one_test(self) -> MetadataCondition:
        given = self.model_fields_set
        if ("eq" in given) == ("in_" in given) or ("in_" in given and self.in_ is None):
            raise PydanticCustomError("invalid_condition", "give exactly one of `eq` and `in` (a list)", {})
        return self


def _source_id_text(value: Any) -> Any:
    """The SDKs' source-id rule (an integer within ±(2^53 - 1) is its decimal text: 7 is "7");
    anything else is left for the string check to refuse."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return groundset_core.source_id(value)
        except groundset_core.HashError as error:
            raise PydanticCustomError("invalid_source_id", "{reason}", {"reason": error.reason}) from None
    return value


class Selection(StrictModel):
    """Part of a version's examples: exactly one of `source_ids` (those examples; every one must
    be in the version) and `metadata` (the examples whose metadata satisfies every condition).
    Stored as canonical JSON (RFC 8785), the ids sorted and each once."""

    source_ids: (
        list[Annotated[str, BeforeValidator(_source_id_text), Field(min_length=1, max_length=512)]] | None
    ) = Field(
        default=None,
        min_length=1,
        max_length=MAX_SELECTED_IDS,
        description="Source ids of the version (an integer within ±(2^53 - 1) is taken as its decimal text).",
    )
    metadata: dict[str, MetadataCondition] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SELECTION_KEYS,
        description="Per top-level metadata key, its condition; all must hold.",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Selection:
        if (self.source_ids is None) == (self.metadata is None):
            raise PydanticCustomError(
                "invalid_selection", "give exactly one of `source_ids` and `metadata`", {}
            )
        return self


class ExperimentCreate(StrictModel):
    name: NewExperimentName | None = Field(
        default=None,
        max_length=512,
        description="Not empty, no white space at either end, no control character (422 `invalid_name`), "
        "as a dataset's name.",
    )
    description: FreeText | None = None
    metadata: dict[str, Any] | None = None
    version_id: str | None = Field(default=None, description="The version to run on; the latest if omitted.")
    tag: TagName | None = Field(
        default=None, description="The version to run on by its tag, instead of `version_id` (not both)."
    )
    repetitions: int = Field(default=1, ge=1, le=MAX_REPETITIONS, strict=True)
    task_version: Name | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="The user's name for the task's code and prompt; an incremental rerun reuses "
        "results only from an experiment with the same one.",
    )
    selection: Selection | None = Field(
        default=None,
        description="Run on part of the version only (422 `unknown_source_ids`, `empty_selection`); "
        "omitted or null: every example of the version.",
    )


class EvaluationFields(TimedModel):
    name: Name = Field(min_length=1, max_length=512, description="The evaluator's name.")
    score: float | None = Field(default=None, allow_inf_nan=False)
    label: FreeText | None = None
    explanation: FreeText | None = None
    metadata: dict[str, Any] | None = None
    error: FreeText | None = Field(default=None, description="Set when the evaluator raised.")
    annotator_kind: AnnotatorKind = "CODE"
    start_time: datetime | None = Field(default=None, description="ISO 8601; the server's clock if omitted.")
    end_time: datetime | None = None
    latency_ms: LatencyMs = None
    evaluator_version: Name | None = Field(
        default=None, min_length=1, max_length=512, description="The user's name for the evaluator's code."
    )


class EvaluationCreate(EvaluationFields):
    run_id: str


Currency = Annotated[Name, AfterValidator(str.upper)]
"""A currency compares case-insensitively, so it is stored in upper case (as ISO 4217 writes codes)."""


class RunCreate(TimedModel):
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
    latency_ms: LatencyMs = None
    tokens_in: int | None = Field(default=None, ge=0, le=MAX_TOKENS, strict=True, description="Input tokens.")
    tokens_out: int | None = Field(
        default=None, ge=0, le=MAX_TOKENS, strict=True, description="Output tokens."
    )
    cost: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, strict=True, description="What the run cost, in `currency`."
    )
    currency: Currency | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="The unit of `cost` the user names (`USD`, `EUR`, `credits`...), in any case: stored in "
        "upper case (`usd` and `USD` are one currency; `credits` is stored `CREDITS`).",
    )
    evaluations: list[EvaluationFields] = Field(
        default=[], description="Evaluations of this run, stored with it in the same transaction."
    )


class RunBatch(StrictModel):
    runs: list[RunCreate] = Field(max_length=MAX_BATCH)


class EvaluationBatch(StrictModel):
    evaluations: list[EvaluationCreate] = Field(max_length=MAX_BATCH)


MAX_REUSED_EVALUATORS = 1000


class ReusedEvaluator(StrictModel):
    name: Name = Field(min_length=1, max_length=512, description="The evaluator's name.")
    evaluator_version: Name | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="The version the head will evaluate with; null: the evaluator is never reused "
        "(it runs again).",
    )


class ReuseRequest(StrictModel):
    base: str = Field(description="The id of the experiment whose results to reuse (on the same dataset).")
    evaluators: list[ReusedEvaluator] = Field(
        default=[],
        max_length=MAX_REUSED_EVALUATORS,
        description="The head's evaluators, each name once: an evaluation of the base is copied when "
        "its name and `evaluator_version` equal one of these with a version.",
    )

    @field_validator("evaluators")
    @classmethod
    def _names_once(cls, evaluators: list[ReusedEvaluator]) -> list[ReusedEvaluator]:
        seen: set[str] = set()
        for index, evaluator in enumerate(evaluators):
            if evaluator.name in seen:
                raise PydanticCustomError(
                    "duplicate_evaluator",
                    "evaluators[{index}] repeats the name `{name}` of an earlier evaluator",
                    {"index": index, "name": evaluator.name},
                )
            seen.add(evaluator.name)
        return evaluators


class ReuseResult(BaseModel):
    experiment_id: str = Field(description="The head: the experiment the runs were copied into.")
    base_experiment_id: str
    task_version_matches: bool = Field(
        description="The base's task_version equals the head's; when false nothing was copied."
    )
    reused_runs: int = Field(description="Runs copied by this call (0 on a repeated call).")
    reused_evaluations: int = Field(description="Evaluations copied by this call.")
    evaluators_to_rerun: list[str] = Field(
        description="Names of `evaluators` that some reused run of the head lacks (no error-free "
        "evaluation of that name and version): the caller runs them on those runs. Sorted."
    )
    incomplete: IncompletePage = Field(
        description="The head's first page of incomplete pairs after the copy: what "
        "GET /v1/experiments/{id}/incomplete answers with no cursor and the default limit (1000), "
        "read in the same transaction; its `next_cursor` continues with that route."
    )


class EvaluatorSummary(BaseModel):
    name: str
    count: int
    errors: int
    scored: int = Field(description="Evaluations with a score.")
    mean_score: float | None


class Latency(BaseModel):
    """Latencies of the runs that report one (milliseconds; percentiles interpolated linearly
    between the closest ranks, as Python's ``statistics.quantiles(method="inclusive")``)."""

    count: int = Field(description="Runs with a latency.")
    p50: float | None
    p95: float | None
    mean: float | None


class CostTotal(BaseModel):
    currency: str | None = Field(description="As the runs named it; null for costs given without one.")
    amount: float
    runs: int = Field(description="Runs with a cost in this currency.")


class Usage(BaseModel):
    """Usage totals of the runs that report it."""

    tokens_in: int = Field(description="Sum over the runs that report it (0 when none does).")
    tokens_out: int
    runs_with_tokens: int = Field(description="Runs that report `tokens_in` or `tokens_out`.")
    costs: list[CostTotal] = Field(description="One total per currency, ordered by currency (null first).")


class ExperimentSummary(BaseModel):
    expected_runs: int = Field(description="Examples it runs on times repetitions.")
    runs: int
    successful_runs: int
    errored_runs: int
    incomplete_runs: int = Field(description="(example, repetition) pairs with no successful run.")
    reused_runs: int = Field(description="Runs copied from another experiment (`reused_from_run_id` set).")
    evaluations: list[EvaluatorSummary]
    latency_ms: Latency
    usage: Usage


class Experiment(BaseModel):
    id: str
    dataset_id: str
    version_id: str
    name: str | None
    description: str | None
    metadata: dict[str, Any]
    repetitions: int
    task_version: str | None
    example_count: int = Field(
        description="Examples it runs on: the pinned version's, or those `selection` selected."
    )
    selection: Selection | None = Field(
        description="The selection it was created with; null: the whole version."
    )
    created_at: str
    summary: ExperimentSummary | None = Field(
        default=None,
        description="From GET /v1/experiments/{id}, and in a list with `summary=true`.",
    )


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
    latency_ms: float | None
    evaluator_version: str | None


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
    latency_ms: float | None
    tokens_in: int | None
    tokens_out: int | None
    cost: float | None
    currency: str | None
    reused_from_run_id: str | None = Field(description="The run an incremental rerun copied this one from.")
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


# ---------------------------------------------------------------- comparisons

ComparisonStatus = Literal["only_base", "only_head", "same_content", "changed"]


class ComparedExperiment(BaseModel):
    """One side of a comparison: the experiment and what its runs cost."""

    id: str
    name: str | None
    version_id: str
    task_version: str | None
    repetitions: int
    example_count: int = Field(description="Examples it runs on (its selection's, if it has one).")
    selection: Selection | None = Field(description="Null: the whole version.")
    runs: int
    errored_runs: int
    reused_runs: int = Field(description="Runs copied from another experiment.")
    latency_ms: Latency
    usage: Usage


class SideMean(BaseModel):
    mean: float | None = Field(description="The mean over the examples of their mean score.")
    count: int = Field(description="Examples with a score.")


class AllMeans(BaseModel):
    base: SideMean = Field(description="Over every example of the base's version that has a score.")
    head: SideMean = Field(description="Over every example of the head's version that has a score.")
    delta: float | None = Field(description="Head minus base.")


class LikeForLike(BaseModel):
    base_mean: float | None
    head_mean: float | None
    delta: float | None = Field(description="Head minus base.")
    count: int = Field(description="`same_content` examples scored on both sides, the ones averaged.")


class ComparedEvaluator(BaseModel):
    name: str
    kind: Literal["boolean", "numeric", "label"] = Field(
        description="`boolean` when every score of either experiment is 0 or 1; `label` when it gave "
        "labels and no score (its means are null); else `numeric`."
    )
    threshold: float | None = Field(
        description="The drop (or rise) that counts as a regression (improvement); null for a `label` "
        "evaluator (a label has no order: its changes are counted in `labels_changed`, never regressions)."
    )
    all: AllMeans
    like_for_like: LikeForLike
    regressions: int = Field(description="Examples in the verdict's scope where it regressed.")
    improvements: int = Field(description="Examples in the verdict's scope where it improved.")
    new_errors: int = Field(description="Of the regressions: an evaluation error rate higher in head.")
    missing: int = Field(
        description="Of the regressions: examples with a base score and no head score (no successful "
        "run, no evaluation, or only errors in head)."
    )
    labels_changed: int | None = Field(
        default=None,
        description="A `label` evaluator: the examples of the verdict's scope labelled in both, with "
        "another label in head (not regressions); null for a scored evaluator.",
    )


class LatencyDelta(BaseModel):
    p50: float | None
    p95: float | None
    mean: float | None


class CostDelta(BaseModel):
    currency: str | None
    amount: float = Field(description="Head minus base (a side without this currency counts 0).")


class CostDeltas(BaseModel):
    """Head minus base."""

    latency_ms: LatencyDelta
    tokens_in: int
    tokens_out: int
    costs: list[CostDelta]


class ComparisonCounts(BaseModel):
    examples: int = Field(description="Examples of either version.")
    only_base: int = Field(description="In the base's version only (removed since).")
    only_head: int = Field(description="In the head's version only (added since).")
    same_content: int = Field(description="In both, with the same content hash.")
    changed: int = Field(description="In both, edited between the versions.")
    output_changed: int
    new_run_errors: int = Field(description="Examples whose run error rate is higher in head.")
    missing_runs: int = Field(
        description="Examples of both versions with a successful base run and no successful head run."
    )


class NotComparable(BaseModel):
    """Why a comparison compared nothing."""

    code: Literal["no_examples_in_scope", "no_successful_runs"] = Field(
        description="`no_examples_in_scope`: no example of both versions in the verdict's scope (none "
        "kept its content, with include_changed false; the versions share none); `no_successful_runs`: "
        "the base (or neither side) has no successful run on the examples of the scope: nothing to "
        "compare against, the detail names the side."
    )
    detail: str = Field(description="The same for a human, with the figures.")


class Verdict(BaseModel):
    """What a CI gate reads: `regressed` is true when some example of the scope regressed;
    `comparable` is false when there was nothing to compare (a gate fails then too)."""

    regressed: bool
    comparable: bool = Field(
        description="False when no example of the scope could be compared (see `not_comparable`): "
        "`regressed` false then means nothing."
    )
    not_comparable: NotComparable | None = Field(description="Why, when `comparable` is false; else null.")
    scope: list[ComparisonStatus] = Field(
        description="The classes counted: `same_content` (like for like), and `changed` with include_changed."
    )
    regressions: dict[str, int] = Field(description="Per evaluator, its regressions in the scope.")
    new_run_errors: int = Field(description="Examples of the scope whose run error rate is higher in head.")
    missing_runs: int = Field(
        description="Examples of the scope with a successful base run and no successful head run (no run, "
        "or only errors): regressions, with or without evaluators."
    )
    regressed_examples: int
    improved_examples: int


class SideRuns(BaseModel):
    runs: int
    errors: int = Field(description="Errored runs.")


class ComparedScore(BaseModel):
    name: str
    base: float | None = Field(description="The mean score over the base's repetitions.")
    head: float | None
    delta: float | None = Field(description="Head minus base.")
    change: Literal["regression", "improvement", "steady"] | None = Field(
        description="By the evaluator's threshold; `regression` when `missing`; null when a side has "
        "no score and no new error (otherwise)."
    )
    missing: bool = Field(
        description="Base has a score and head none (no successful run, no evaluation, or only "
        "errors): a regression."
    )
    base_errors: int = Field(description="Evaluation errors.")
    head_errors: int
    new_error: bool = Field(description="The evaluation error rate is higher in head (a regression).")
    base_label: str | None = Field(
        default=None,
        description="The example's label in base (of its repetitions' labels the most frequent; on a "
        "tie the least by code point); null without one.",
    )
    head_label: str | None = Field(default=None, description="The same in head.")


class ComparedExample(BaseModel):
    example_id: str
    source_id: str
    status: ComparisonStatus
    base_content_hash: str | None
    head_content_hash: str | None
    base: SideRuns | None = Field(description="Null when the example is not in the base's version.")
    head: SideRuns | None
    output_changed: bool | None = Field(
        description="The sets of distinct outputs of the two sides' successful runs differ (canonical "
        "JSON, RFC 8785); null when a side has none."
    )
    new_run_error: bool = Field(description="The run error rate is higher in head.")
    missing_run: bool = Field(
        description="In both versions, base has a successful run and head none (no run, or only errors)."
    )
    regression: bool = Field(
        description="In the verdict's scope, and an evaluator regressed, new_run_error or missing_run."
    )
    improvement: bool = Field(description="In the verdict's scope, and an evaluator improved.")
    scores: list[ComparedScore] = Field(description="Per evaluator either side has for it, by name.")


class Comparison(BaseModel):
    dataset_id: str
    base: ComparedExperiment
    head: ComparedExperiment
    selections_differ: bool = Field(
        description="The two experiments were created with different selections (one of them with "
        "none counts): an example outside a side's selection is absent on that side."
    )
    counts: ComparisonCounts
    evaluators: list[ComparedEvaluator] = Field(description="By name.")
    deltas: CostDeltas
    verdict: Verdict
    data: list[ComparedExample] = Field(description="A page of examples by example id.")
    next_cursor: str | None
