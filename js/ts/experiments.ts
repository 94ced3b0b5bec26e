/**
 * Experiments: run a task on every example of one exact dataset version, score the outputs
 * with evaluators, and store runs and evaluations on the server as they finish. The same
 * workflow and rules as the Python SDK's `run_experiment`.
 *
 * @module
 */

import { canonicalize } from "./canon.js";
import { allPages, type Client, clientOrDefault } from "./client.js";
import { type Dataset, type DatasetSelector, type Example, getDataset, type UpsertResult } from "./datasets.js";
import { GroundsetError } from "./errors.js";
import type { components } from "./generated/openapi.js";
import { type Camelized, camelized } from "./wire.js";

type Schemas = components["schemas"];

/** Runs (or evaluations) per upload at most, by default. */
export const BATCH_SIZE = 1000;
/** A finished run waits at most this long before it is uploaded, with those that finish meanwhile. */
const FLUSH_MS = 1000;
/** Upload requests under way at once at most. */
const UPLOADS_IN_FLIGHT = 4;

/** What an evaluator receives: the example's input, the task's output, the example's output as `expected`, its metadata, and the whole example. */
export interface EvaluatorArguments {
  input: Record<string, unknown>;
  output: unknown;
  expected: Record<string, unknown>;
  metadata: Record<string, unknown>;
  example: Example;
}

/** The fuller verdict of an evaluator: any of a score, a label, an explanation and metadata. */
export interface EvaluationResult {
  score?: number | boolean | null;
  label?: string | null;
  explanation?: string | null;
  metadata?: Record<string, unknown> | null;
}

/** What an evaluator returns: a boolean (score 1 or 0), a number (a score), a string (a label), or an {@link EvaluationResult}. */
export type Verdict = boolean | number | string | EvaluationResult;

/** An evaluator: its name (the evaluation's name on the server) and its function, sync or async. */
export interface Evaluator {
  name: string;
  evaluate: (args: EvaluatorArguments) => Verdict | Promise<Verdict>;
}

/** The evaluators of a call: evaluators or named functions in an array, or functions by name. */
export type Evaluators =
  | ReadonlyArray<Evaluator | Evaluator["evaluate"]>
  | Readonly<Record<string, Evaluator["evaluate"]>>;

/** The task: called with each example (and an `AbortSignal` that fires at `timeoutMs`); its return value is the run's output. */
export type Task = (example: Example, context: { signal: AbortSignal }) => unknown;

/**
 * An evaluator named `name`.
 *
 * ```ts
 * const exact = asEvaluator({ name: "exact", evaluate: ({ output, expected }) => output === expected.answer });
 * ```
 */
export function asEvaluator(evaluator: { name: string; evaluate: Evaluator["evaluate"] }): Evaluator {
  if (typeof evaluator?.name !== "string" || evaluator.name === "") {
    throw new TypeError("an evaluator needs a non-empty name");
  }
  if (typeof evaluator.evaluate !== "function") {
    throw new TypeError(`evaluator "${evaluator.name}": evaluate must be a function`);
  }
  return { name: evaluator.name, evaluate: evaluator.evaluate };
}

/** One evaluator's verdict on one run (`error` set when the evaluator threw). */
export interface ExperimentEvaluation {
  id?: string;
  runId?: string;
  name: string;
  score: number | null;
  label: string | null;
  explanation: string | null;
  metadata: Record<string, unknown>;
  error: string | null;
  /** `CODE` for the SDK's evaluators. */
  annotatorKind: Schemas["Evaluation"]["annotator_kind"];
  startTime: string;
  endTime: string;
}

/** One call of the task on one example (one repetition), with its evaluations. */
export interface ExperimentRun {
  /** The server's id (absent in a dry run). */
  id?: string;
  exampleId: string;
  sourceId: string;
  /** The content the task saw. */
  contentHash: string;
  repetitionNumber: number;
  /** What the task returned (`null` when it threw). */
  output: unknown;
  /** `"ErrorName: message"` when the task threw or timed out, else `null`. */
  error: string | null;
  startTime: string;
  endTime: string;
  evaluations: ExperimentEvaluation[];
  /** The example, when known. */
  example?: Example;
}

/** The summary of an experiment: runs expected, stored, succeeded, errored, still missing, and each evaluator's count and mean score. */
export type ExperimentSummary = Camelized<Omit<Schemas["ExperimentSummary"], "evaluations" | "usage">> & {
  evaluations: Array<Camelized<Schemas["EvaluatorSummary"]>>;
  /** Token and cost totals of the runs that report them (one cost total per currency). */
  usage: Camelized<Omit<Schemas["Usage"], "costs">> & { costs: Schemas["CostTotal"][] };
};

/** An experiment: its pinned dataset version, its runs and their evaluations. */
export class Experiment {
  /** The server's id (`null` for a dry run, which stores nothing). */
  id: string | null;
  datasetId: string;
  versionId: string;
  name: string | null;
  description: string | null;
  metadata: Record<string, unknown>;
  repetitions: number;
  dryRun: boolean;
  /** The runs of this call (of `runExperiment`) or all of them (when loaded or resumed). */
  runs: ExperimentRun[];
  /** The server's summary, or one computed from `runs` for a dry run. */
  summary: ExperimentSummary;

  constructor(fields: Omit<Experiment, "evaluations" | "summaryTable">) {
    this.id = fields.id;
    this.datasetId = fields.datasetId;
    this.versionId = fields.versionId;
    this.name = fields.name;
    this.description = fields.description;
    this.metadata = fields.metadata;
    this.repetitions = fields.repetitions;
    this.dryRun = fields.dryRun;
    this.runs = fields.runs;
    this.summary = fields.summary;
  }

  /** Every evaluation of every run. */
  get evaluations(): ExperimentEvaluation[] {
    return this.runs.flatMap((run) => run.evaluations);
  }

  /** The summary as text: runs and errors, mean score per evaluator, ids. */
  summaryTable(): string {
    const s = this.summary;
    const head = this.dryRun ? "dry run (nothing stored)" : `experiment ${this.id}`;
    const lines = [
      `${head} ${JSON.stringify(this.name)}: dataset ${this.datasetId} version ${this.versionId}`,
      `runs ${s.runs} of ${s.expectedRuns}, errors ${s.erroredRuns}, incomplete ${s.incompleteRuns}`,
    ];
    if (s.evaluations.length > 0) {
      const width = Math.max(9, ...s.evaluations.map((e) => e.name.length));
      lines.push(
        `${"evaluator".padEnd(width)}  ${"count".padStart(6)}  ${"errors".padStart(6)}  ${"mean score".padStart(10)}`,
      );
      for (const e of s.evaluations) {
        const mean = e.meanScore === null ? "-" : e.meanScore.toFixed(4);
        lines.push(
          `${e.name.padEnd(width)}  ${String(e.count).padStart(6)}  ${String(e.errors).padStart(6)}  ${mean.padStart(10)}`,
        );
      }
    }
    return lines.join("\n");
  }
}

// ---------------------------------------------------------------- results

function now(): string {
  return new Date().toISOString();
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message === "" ? error.name : `${error.name}: ${error.message}`;
  }
  return `thrown: ${String(error)}`;
}

function score(value: unknown, name: string): number | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === "boolean") {
    return value ? 1 : 0;
  }
  if (typeof value !== "number") {
    throw new TypeError(`evaluator "${name}": the score must be a number or a boolean, not ${typeof value}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`evaluator "${name}": the score ${value} is not finite`);
  }
  return value;
}

function optionalText(value: unknown, what: string, name: string): string | null {
  if (value !== null && value !== undefined && typeof value !== "string") {
    throw new TypeError(`evaluator "${name}": the ${what} must be a string, not ${typeof value}`);
  }
  return (value as string | null | undefined) ?? null;
}

const RESULT_KEYS = new Set(["score", "label", "explanation", "metadata"]);

/** [score, label, explanation, metadata] of what an evaluator returned. */
function verdictParts(
  result: unknown,
  name: string,
): [number | null, string | null, string | null, Record<string, unknown>] {
  if (typeof result === "boolean") {
    // The label as the Python SDK writes it, so stored verdicts compare across SDKs.
    return [score(result, name), result ? "True" : "False", null, {}];
  }
  if (typeof result === "number") {
    return [score(result, name), null, null, {}];
  }
  if (typeof result === "string") {
    return [null, result, null, {}];
  }
  if (result === null || typeof result !== "object" || Array.isArray(result)) {
    throw new TypeError(
      `evaluator "${name}" returned ${result === null ? "null" : Array.isArray(result) ? "an array" : typeof result}; ` +
        "return a boolean, a number, a string (a label) or { score?, label?, explanation?, metadata? }",
    );
  }
  const parts = result as Record<string, unknown>;
  const unknown = Object.keys(parts)
    .filter((key) => !RESULT_KEYS.has(key))
    .sort();
  if (unknown.length > 0) {
    throw new TypeError(
      `evaluator "${name}" returned an object with the key(s) ${unknown.join(", ")}; use score, label, explanation and metadata`,
    );
  }
  const metadata = parts.metadata ?? {};
  if (typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new TypeError(`evaluator "${name}": the metadata must be an object`);
  }
  canonicalize(metadata); // refuses what is not JSON, naming the path
  return [
    score(parts.score, name),
    optionalText(parts.label, "label", name),
    optionalText(parts.explanation, "explanation", name),
    metadata as Record<string, unknown>,
  ];
}

function evaluatorList(evaluators: Evaluators | undefined): Evaluator[] {
  if (evaluators === undefined) {
    return [];
  }
  const list: Evaluator[] = Array.isArray(evaluators)
    ? (evaluators as ReadonlyArray<Evaluator | Evaluator["evaluate"]>).map((item) =>
        typeof item === "function" ? asEvaluator({ name: item.name, evaluate: item }) : asEvaluator(item),
      )
    : Object.entries(evaluators as Record<string, Evaluator["evaluate"]>).map(([name, evaluate]) =>
        asEvaluator({ name, evaluate }),
      );
  const seen = new Set<string>();
  for (const { name } of list) {
    if (seen.has(name)) {
      throw new TypeError(`two evaluators are named "${name}": give them distinct names (asEvaluator, or an object)`);
    }
    seen.add(name);
  }
  return list;
}

function localSummary(runs: ExperimentRun[], expectedRuns: number): ExperimentSummary {
  const errors = runs.filter((run) => run.error !== null).length;
  const byName = new Map<string, ExperimentEvaluation[]>();
  for (const evaluation of runs.flatMap((run) => run.evaluations)) {
    byName.set(evaluation.name, [...(byName.get(evaluation.name) ?? []), evaluation]);
  }
  const evaluations = [...byName.keys()].sort().map((name) => {
    const all = byName.get(name) ?? [];
    const scores = all.map((e) => e.score).filter((s): s is number => s !== null);
    return {
      name,
      count: all.length,
      errors: all.filter((e) => e.error !== null).length,
      scored: scores.length,
      meanScore: scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length,
    };
  });
  return {
    expectedRuns,
    runs: runs.length,
    successfulRuns: runs.length - errors,
    erroredRuns: errors,
    incompleteRuns: expectedRuns - (runs.length - errors),
    evaluations,
    // A dry run records no latency or usage yet: the server's empty figures.
    latencyMs: { count: 0, p50: null, p95: null, mean: null },
    usage: { tokensIn: 0, tokensOut: 0, runsWithTokens: 0, costs: [] },
  };
}

/** The server's summary of an experiment, read now. */
async function storedSummary(client: Client, experimentId: string): Promise<ExperimentSummary> {
  return summaryOf(
    await client.request("get", "/v1/experiments/{experiment_id}", { path: { experiment_id: experimentId } }),
  );
}

function summaryOf(wire: Schemas["Experiment"]): ExperimentSummary {
  const summary = wire.summary as Schemas["ExperimentSummary"] | null | undefined;
  if (summary === null || summary === undefined) {
    return localSummary([], wire.example_count * wire.repetitions);
  }
  return { ...camelized(summary), evaluations: summary.evaluations.map(camelized), usage: camelized(summary.usage) };
}

// ---------------------------------------------------------------- the runner

/** Runs and evaluators on examples, `concurrency` at a time. */
class Runner {
  constructor(
    readonly task: Task | undefined,
    readonly evaluators: Evaluator[],
    readonly concurrency: number,
    readonly timeoutMs: number | undefined,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`concurrency must be a positive integer, not ${concurrency}`);
    }
    if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs > 0)) {
      throw new TypeError(`timeoutMs must be a positive number of milliseconds, not ${timeoutMs}`);
    }
  }

  async output(example: Example): Promise<[unknown, string | null]> {
    const task = this.task as Task;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let output: unknown;
    try {
      const call = Promise.resolve().then(() => task(example, { signal: controller.signal }));
      if (this.timeoutMs === undefined) {
        output = await call;
      } else {
        const limit = this.timeoutMs;
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new TimeoutErrorMarker(limit));
          }, limit);
        });
        output = await Promise.race([call, timedOut]);
      }
    } catch (error) {
      if (error instanceof TimeoutErrorMarker) {
        return [null, `TimeoutError: the task took longer than ${error.limit} ms`];
      }
      return [null, describeError(error)];
    } finally {
      clearTimeout(timer);
    }
    if (output === undefined) {
      return [null, null];
    }
    try {
      canonicalize(output);
    } catch (error) {
      return [null, `the task's output is not JSON: ${error instanceof Error ? error.message : String(error)}`];
    }
    return [output, null];
  }

  /** Adds the evaluators' verdicts (or errors) on `run` to its evaluations, replacing same-named ones. */
  async evaluate(run: ExperimentRun, example: Example): Promise<void> {
    const args: EvaluatorArguments = {
      input: example.input,
      output: run.output,
      expected: example.output,
      metadata: example.metadata,
      example,
    };
    for (const evaluator of this.evaluators) {
      const startTime = now();
      let parts: ReturnType<typeof verdictParts> = [null, null, null, {}];
      let error: string | null = null;
      try {
        parts = verdictParts(await evaluator.evaluate(args), evaluator.name);
      } catch (thrown) {
        error = describeError(thrown);
      }
      const [score, label, explanation, metadata] = parts;
      run.evaluations = run.evaluations.filter((e) => e.name !== evaluator.name);
      run.evaluations.push({
        name: evaluator.name,
        score,
        label,
        explanation,
        metadata,
        error,
        annotatorKind: "CODE",
        startTime,
        endTime: now(),
        ...(run.id === undefined ? {} : { runId: run.id }),
      });
    }
  }

  async run(example: Example, repetitionNumber: number): Promise<ExperimentRun> {
    const startTime = now();
    const [output, error] = await this.output(example);
    const run: ExperimentRun = {
      exampleId: example.id,
      sourceId: example.sourceId,
      contentHash: example.contentHash,
      repetitionNumber,
      output,
      error,
      startTime,
      endTime: now(),
      evaluations: [],
      example,
    };
    if (error === null) {
      await this.evaluate(run, example);
    }
    return run;
  }

  /**
   * `work` on every item, `concurrency` at a time; the first error a `work` throws ends it.
   * Then what `uploader` holds is sent (or, after an error, dropped) and the progress line ends.
   */
  async each<T>(
    items: readonly T[],
    work: (item: T) => Promise<void>,
    progress: Progress,
    uploader: { close(): Promise<void>; abandon(): void },
  ): Promise<void> {
    let next = 0;
    let stopped = false;
    const worker = async () => {
      try {
        while (!stopped && next < items.length) {
          const item = items[next++] as T;
          await work(item);
          progress.step();
        }
      } catch (error) {
        // The other workers take no new item once one has failed.
        stopped = true;
        throw error;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
      await uploader.close();
    } catch (error) {
      uploader.abandon();
      throw error;
    } finally {
      progress.close();
    }
  }
}

class TimeoutErrorMarker {
  constructor(readonly limit: number) {}
}

/**
 * Sends finished items in batches while the experiment goes on: a batch leaves when it is
 * full, when its first item has waited {@link FLUSH_MS}, or at the end; up to
 * {@link UPLOADS_IN_FLIGHT} batches at once. A crash loses at most what was not sent yet.
 */
class Uploader<T> {
  #pending: T[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();
  #failure: unknown;
  #failed = false;

  constructor(
    readonly send: (batch: T[]) => Promise<void>,
    readonly batchSize: number,
  ) {}

  /** Queues `item`; waits while too many uploads are under way, and throws a failed upload's error. */
  async add(item: T): Promise<void> {
    this.#check();
    this.#pending.push(item);
    if (this.#pending.length >= this.batchSize) {
      await this.#flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.#flush().catch(() => {}), FLUSH_MS);
    }
  }

  /** Sends what is left and waits for every upload. */
  async close(): Promise<void> {
    while (this.#pending.length > 0) {
      await this.#flush();
    }
    await Promise.all(this.#inFlight);
    this.#check();
  }

  /** Stops the timer without sending (after a failure elsewhere). */
  abandon(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    if (this.#failed) {
      throw this.#failure;
    }
  }

  async #flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#inFlight.size >= UPLOADS_IN_FLIGHT) {
      await Promise.race(this.#inFlight);
    }
    const batch = this.#pending.splice(0, this.batchSize);
    if (batch.length === 0) {
      return;
    }
    const upload: Promise<void> = this.send(batch).then(
      () => {
        this.#inFlight.delete(upload);
      },
      (error: unknown) => {
        this.#inFlight.delete(upload);
        if (!this.#failed) {
          this.#failed = true;
          this.#failure = error;
        }
      },
    );
    this.#inFlight.add(upload);
    this.#check();
  }
}

/** A progress line on stderr, redrawn at most ten times a second. */
class Progress {
  #done = 0;
  #errors = 0;
  #drawnAt = 0;

  constructor(
    readonly total: number,
    readonly label: string,
    readonly show: boolean,
  ) {}

  step(): void {
    this.#done++;
    const time = Date.now();
    if (this.show && (time - this.#drawnAt >= 100 || this.#done === this.total)) {
      this.#drawnAt = time;
      process.stderr.write(
        `\r${this.label}: ${this.#done}/${this.total}${this.#errors ? `, ${this.#errors} errors` : ""}`,
      );
    }
  }

  countError(): void {
    this.#errors++;
  }

  close(): void {
    if (this.show && this.total > 0) {
      process.stderr.write("\n");
    }
  }
}

function progressShown(progress: boolean | undefined): boolean {
  return progress ?? process.stderr.isTTY === true;
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new TypeError(`batchSize must be an integer from 1 to 10000, not ${batchSize}`);
  }
}

// ---------------------------------------------------------------- the server's routes

function runJson(run: ExperimentRun): Schemas["RunCreate"] {
  return {
    example_id: run.exampleId,
    repetition_number: run.repetitionNumber,
    content_hash: run.contentHash,
    output: run.output,
    error: run.error,
    start_time: run.startTime,
    end_time: run.endTime,
    evaluations: run.evaluations.map(evaluationJson),
  };
}

function evaluationJson(evaluation: ExperimentEvaluation): Schemas["EvaluationFields"] {
  return {
    name: evaluation.name,
    score: evaluation.score,
    label: evaluation.label,
    explanation: evaluation.explanation,
    metadata: evaluation.metadata,
    error: evaluation.error,
    annotator_kind: evaluation.annotatorKind,
    start_time: evaluation.startTime,
    end_time: evaluation.endTime,
  };
}

function runOf(wire: Schemas["Run"], example: Example | undefined): ExperimentRun {
  const { evaluations, ...rest } = camelized(wire);
  return {
    ...rest,
    evaluations: (evaluations as Schemas["Evaluation"][]).map((e) => camelized(e)),
    ...(example === undefined ? {} : { example }),
  };
}

/** Runs `runs` through `runner` and, unless `experimentId` is null (a dry run), uploads them in batches. */
async function runAll(
  client: Client,
  runner: Runner,
  jobs: Array<{ example: Example; repetitionNumber: number }>,
  experimentId: string | null,
  batchSize: number,
  progress: Progress,
): Promise<ExperimentRun[]> {
  // In the order of the jobs (example, then repetition), whatever order they finish in.
  const runs: ExperimentRun[] = new Array(jobs.length);
  const uploader = new Uploader<ExperimentRun>(async (batch) => {
    const stored = await client.request("post", "/v1/experiments/{experiment_id}/runs", {
      path: { experiment_id: experimentId as string },
      json: { runs: batch.map(runJson) },
    });
    batch.forEach((run, index) => {
      const id = stored.data[index]?.id;
      if (id !== undefined) {
        run.id = id;
        for (const evaluation of run.evaluations) {
          evaluation.runId = id;
        }
      }
    });
  }, batchSize);
  const positions = jobs.map((_, index) => index);
  await runner.each(
    positions,
    async (position) => {
      const job = jobs[position] as { example: Example; repetitionNumber: number };
      const run = await runner.run(job.example, job.repetitionNumber);
      runs[position] = run;
      if (run.error !== null) {
        progress.countError();
      }
      if (experimentId !== null) {
        await uploader.add(run);
      }
    },
    progress,
    uploader,
  );
  return runs;
}

async function resolveDataset(client: Client, dataset: DatasetSelector | UpsertResult | Dataset): Promise<Dataset> {
  if (dataset === null || typeof dataset !== "object") {
    throw new TypeError(
      "dataset must be an UpsertResult, a Dataset or a selector { datasetName | datasetId, versionId? }",
    );
  }
  if ("examples" in dataset && Array.isArray(dataset.examples)) {
    const found = dataset as Dataset;
    if (found.versionId === null) {
      throw new GroundsetError(`dataset "${found.name}" has no version yet: upsert examples first`);
    }
    return found;
  }
  if ("digest" in dataset && "noop" in dataset) {
    const result = dataset as UpsertResult;
    if (result.datasetId === null || result.versionId === null || (result.dryRun && !result.noop)) {
      throw new GroundsetError("a dry-run upsert wrote no version to run an experiment on");
    }
    return getDataset({ client, dataset: { datasetId: result.datasetId, versionId: result.versionId } });
  }
  const found = await getDataset({ client, dataset: dataset as DatasetSelector });
  if (found.versionId === null) {
    throw new GroundsetError(`dataset "${found.name}" has no version yet: upsert examples first`);
  }
  return found;
}

async function loadExperimentWith(
  client: Client,
  experimentId: string,
  examples?: ReadonlyMap<string, Example>,
): Promise<Experiment> {
  const wire = await client.request("get", "/v1/experiments/{experiment_id}", {
    path: { experiment_id: experimentId },
  });
  let byId = examples;
  if (byId === undefined) {
    const found = await getDataset({ client, dataset: { datasetId: wire.dataset_id, versionId: wire.version_id } });
    byId = new Map(found.examples.map((example) => [example.id, example]));
  }
  const rows = await allPages((cursor) =>
    client.request("get", "/v1/experiments/{experiment_id}/runs", {
      path: { experiment_id: experimentId },
      query: { cursor, limit: 1000 },
    }),
  );
  return new Experiment({
    id: wire.id,
    datasetId: wire.dataset_id,
    versionId: wire.version_id,
    name: wire.name,
    description: wire.description,
    metadata: wire.metadata,
    repetitions: wire.repetitions,
    dryRun: false,
    runs: rows.map((row) => runOf(row, byId.get(row.example_id))),
    summary: summaryOf(wire),
  });
}

function experimentIdOf(experiment: Experiment | string): string {
  if (experiment instanceof Experiment) {
    if (experiment.id === null) {
      throw new GroundsetError("a dry run was not stored: there is nothing to load or resume");
    }
    return experiment.id;
  }
  if (typeof experiment === "string" && experiment !== "") {
    return experiment;
  }
  throw new TypeError("give an Experiment or an experiment id (a string)");
}

// ---------------------------------------------------------------- the public calls

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  client?: Client;
  /** The dataset version to run on: an `UpsertResult` (pins its version), a `Dataset`, or a selector (default: the latest version). */
  dataset: DatasetSelector | UpsertResult | Dataset;
  task: Task;
  evaluators?: Evaluators;
  /** Default: the task function's name. */
  experimentName?: string;
  experimentDescription?: string;
  experimentMetadata?: Record<string, unknown>;
  /** Tasks (and their evaluators) under way at once; default 10. */
  concurrency?: number;
  /** Runs per example; default 1. */
  repetitions?: number;
  /** `true` (1 example) or a number of examples: run them and store nothing. */
  dryRun?: boolean | number;
  /** Each task call is abandoned after this many milliseconds (its run records a TimeoutError). */
  timeoutMs?: number;
  /** Print the summary table (stdout) at the end; default true. */
  printSummary?: boolean;
  /** A progress line on stderr; default: when stderr is a terminal. */
  progress?: boolean;
  /** Runs per upload at most; default 1000. */
  batchSize?: number;
}

/**
 * Runs `task` on every example of one exact dataset version (times `repetitions`),
 * `concurrency` at a time, scores each output with the evaluators, and stores runs and
 * evaluations on the server in batches as they finish. A task that throws (or exceeds
 * `timeoutMs`) records a run with its error; an evaluator that throws records an evaluation
 * with its error; the experiment goes on.
 *
 * ```ts
 * const synced = await upsertDataset({ dataset: { datasetName: "qa" }, examples, sourceIdKey: "id" });
 * const experiment = await runExperiment({
 *   dataset: synced, // pins the version just synced
 *   task: async (example) => answer(example.input.question),
 *   evaluators: [asEvaluator({ name: "exact", evaluate: ({ output, expected }) => output === expected.answer })],
 * });
 * ```
 */
export async function runExperiment(options: RunExperimentOptions): Promise<Experiment> {
  const client = clientOrDefault(options.client);
  if (typeof options.task !== "function") {
    throw new TypeError("task must be a function of the example");
  }
  const runner = new Runner(
    options.task,
    evaluatorList(options.evaluators),
    options.concurrency ?? 10,
    options.timeoutMs,
  );
  const repetitions = options.repetitions ?? 1;
  if (!Number.isInteger(repetitions) || repetitions < 1) {
    throw new TypeError(`repetitions must be a positive integer, not ${repetitions}`);
  }
  const dryRun = options.dryRun ?? false;
  const dry = dryRun === true ? 1 : dryRun === false ? 0 : dryRun;
  if (!Number.isInteger(dry) || dry < 0 || (typeof dryRun === "number" && dryRun < 1)) {
    throw new TypeError(`dryRun must be a boolean or a positive integer, not ${dryRun}`);
  }
  const batchSize = options.batchSize ?? BATCH_SIZE;
  checkBatchSize(batchSize);
  const name = options.experimentName ?? (options.task.name === "" ? null : options.task.name);

  const found = await resolveDataset(client, options.dataset);
  const versionId = found.versionId as string;
  const examples = dry > 0 ? found.examples.slice(0, dry) : found.examples;
  const jobs = examples.flatMap((example) =>
    Array.from({ length: repetitions }, (_, index) => ({ example, repetitionNumber: index + 1 })),
  );
  let experimentId: string | null = null;
  if (dry === 0) {
    const created = await client.request("post", "/v1/datasets/{dataset_id}/experiments", {
      path: { dataset_id: found.id },
      json: {
        version_id: versionId,
        repetitions,
        name,
        description: options.experimentDescription ?? null,
        metadata: options.experimentMetadata ?? null,
      },
    });
    experimentId = created.id;
  }
  const progress = new Progress(jobs.length, "experiment", progressShown(options.progress));
  const runs = await runAll(client, runner, jobs, experimentId, batchSize, progress);
  const summary = experimentId === null ? localSummary(runs, jobs.length) : await storedSummary(client, experimentId);
  const experiment = new Experiment({
    id: experimentId,
    datasetId: found.id,
    versionId,
    name,
    description: options.experimentDescription ?? null,
    metadata: options.experimentMetadata ?? {},
    repetitions,
    dryRun: dry > 0,
    runs,
    summary,
  });
  return reported(experiment, options.printSummary);
}

/** `experiment`, its summary table printed first unless `printSummary` is false. */
function reported(experiment: Experiment, printSummary = true): Experiment {
  if (printSummary) {
    console.log(experiment.summaryTable());
  }
  return experiment;
}

/** An experiment as stored, with every run and its evaluations (and each run's example). */
export async function loadExperiment(options: {
  client?: Client;
  experiment: Experiment | string;
}): Promise<Experiment> {
  return loadExperimentWith(clientOrDefault(options.client), experimentIdOf(options.experiment));
}

/**
 * Runs more evaluators on the successful runs of an experiment (an `Experiment` or its id) and
 * stores their evaluations; an evaluation of the same name on a run replaces the stored one.
 * On a dry run's `Experiment`, nothing is stored. Returns the experiment as stored.
 */
export async function evaluateExperiment(options: {
  client?: Client;
  experiment: Experiment | string;
  evaluators: Evaluators;
  concurrency?: number;
  printSummary?: boolean;
  progress?: boolean;
  batchSize?: number;
}): Promise<Experiment> {
  const client = clientOrDefault(options.client);
  const evaluators = evaluatorList(options.evaluators);
  if (evaluators.length === 0) {
    throw new TypeError("give at least one evaluator");
  }
  const runner = new Runner(undefined, evaluators, options.concurrency ?? 10, undefined);
  const batchSize = options.batchSize ?? BATCH_SIZE;
  checkBatchSize(batchSize);
  const local = options.experiment instanceof Experiment && options.experiment.dryRun;
  const experiment =
    local && options.experiment instanceof Experiment
      ? options.experiment
      : await loadExperimentWith(client, experimentIdOf(options.experiment));
  const targets = experiment.runs.filter((run) => run.error === null && run.example !== undefined);
  const names = new Set(evaluators.map((evaluator) => evaluator.name));
  const uploader = new Uploader<ExperimentEvaluation>(async (batch) => {
    const stored = await client.request("post", "/v1/experiments/{experiment_id}/evaluations", {
      path: { experiment_id: experiment.id as string },
      json: { evaluations: batch.map((e) => ({ run_id: e.runId as string, ...evaluationJson(e) })) },
    });
    batch.forEach((evaluation, index) => {
      evaluation.id = stored.data[index]?.id;
    });
  }, batchSize);
  const progress = new Progress(targets.length, "evaluation", progressShown(options.progress));
  await runner.each(
    targets,
    async (run) => {
      await runner.evaluate(run, run.example as Example);
      if (!local) {
        for (const evaluation of run.evaluations.filter((e) => names.has(e.name))) {
          await uploader.add(evaluation);
        }
      }
    },
    progress,
    uploader,
  );
  experiment.summary = local
    ? localSummary(experiment.runs, experiment.summary.expectedRuns)
    : await storedSummary(client, experiment.id as string);
  return reported(experiment, options.printSummary);
}

/**
 * Runs `task` only on the (example, repetition) pairs of an experiment that have no successful
 * run yet (after a crash, or to retry errors), uploads those runs, and returns the experiment
 * as stored.
 */
export async function resumeExperiment(options: {
  client?: Client;
  experiment: Experiment | string;
  task: Task;
  evaluators?: Evaluators;
  concurrency?: number;
  timeoutMs?: number;
  printSummary?: boolean;
  progress?: boolean;
  batchSize?: number;
}): Promise<Experiment> {
  const client = clientOrDefault(options.client);
  const experimentId = experimentIdOf(options.experiment);
  const runner = new Runner(
    options.task,
    evaluatorList(options.evaluators),
    options.concurrency ?? 10,
    options.timeoutMs,
  );
  const batchSize = options.batchSize ?? BATCH_SIZE;
  checkBatchSize(batchSize);
  const missing = await allPages((cursor) =>
    client.request("get", "/v1/experiments/{experiment_id}/incomplete", {
      path: { experiment_id: experimentId },
      query: { cursor },
    }),
  );
  const jobs = missing.flatMap((item) =>
    item.repetition_numbers.map((repetitionNumber) => ({ example: camelized(item.example), repetitionNumber })),
  );
  const progress = new Progress(jobs.length, "experiment", progressShown(options.progress));
  await runAll(client, runner, jobs, experimentId, batchSize, progress);
  const experiment = await loadExperimentWith(client, experimentId);
  return reported(experiment, options.printSummary);
}
