/**
 * groundset for Node: keep evaluation datasets in sync with the examples in your code, and
 * hash JSON values and examples with the same Rust core (`canonhash`) as every other
 * groundset SDK, so one value has one hash everywhere.
 *
 * @module
 */

export { canonicalize } from "./canon.js";
export { Client, type ClientOptions, createClient, DEFAULT_BASE_URL } from "./client.js";
export { Comparison, compareExperiments } from "./comparisons.js";
export {
  type Dataset,
  type DatasetInfo,
  type DatasetRef,
  type DatasetSelector,
  type Diff,
  deleteDataset,
  diffVersions,
  type Example,
  type ExperimentInfo,
  getDataset,
  listDatasets,
  listVersions,
  PLAN_THRESHOLD,
  type UpsertDatasetCommon,
  type UpsertDatasetOptions,
  type UpsertMode,
  type UpsertResult,
  upsertDataset,
  type Version,
} from "./datasets.js";
export {
  APIConnectionError,
  APIError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ContentTooLargeError,
  ExampleError,
  GroundsetError,
  HashError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  type Problem,
  RateLimitError,
  type RecordIssue,
  UnsupportedMediaTypeError,
  UnsupportedTypeError,
  ValidationError,
} from "./errors.js";
export {
  asEvaluator,
  BATCH_SIZE,
  type EvaluationResult,
  type Evaluator,
  type EvaluatorArguments,
  type Evaluators,
  Experiment,
  type ExperimentEvaluation,
  type ExperimentRun,
  type ExperimentSummary,
  evaluateExperiment,
  loadExperiment,
  type RunExperimentOptions,
  resumeExperiment,
  runExperiment,
  type Task,
  type TaskContext,
  type Verdict,
} from "./experiments.js";
export { type ExportFormat, type ExportResult, exportDataset } from "./export.js";
export { type FileExample, type FileFormat, hashFile, type ReadFileOptions, readExamples } from "./files.js";
export { exampleHash, hashExamples, hashValue, manifestDigest } from "./hash.js";
export { hashJsonl } from "./jsonl.js";
export {
  MAX_DEPTH,
  MAX_NAME_CHARS,
  MAX_REPORTED_ERRORS,
  MAX_SAFE_INTEGER,
  MAX_SOURCE_ID_CHARS,
  sourceIdOf,
} from "./limits.js";
export type { ExampleRecord, RecordOptions } from "./records.js";
export { type DatasetSchema, deleteSchema, getSchema, setSchema } from "./schemas.js";
export type { MetadataCondition, Selection } from "./selections.js";
export { type ExperimentRef, type ExperimentSelector, listExperiments } from "./selectors.js";
export { deleteTag, listTags, type Tag, type TagEvent, tagHistory, tagVersion } from "./tags.js";
