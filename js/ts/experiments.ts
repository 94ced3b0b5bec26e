/**
 * Experiments: run a task on every example of one exact dataset version, score the outputs
 * with evaluators, and store runs and evaluations on the server as they finish. The same
 * workflow and rules as the Python SDK's `run_experiment`.
 *
 * @module
 */

import { canonicalize } from "./canon.js";
import { allPages, type Client, clientOrDefault } from "./client.js";
import { MAX_REPETITIONS } from "./constants.js";
import {
  checkTag,
  type Dataset,
  type DatasetSelector,
  type Example,
  getDataset,
  type UpsertResult,
} from "./datasets.js";
import { APIConnectionError, ConflictError, GroundsetError } from "./errors.js";
import { counted, formatG, grouped, milliseconds } from "./format.js";
import type { components } from "./generated/openapi.js";
import { checkEvaluatorName, checkExperimentName } from "./names.js";
import { progressShown } from "./progress.js";
import { checkOptionKeys } from "./records.js";
import { type Selection, selectedExamples, selectionFromWire, selectionLine, selectionToWire } from "./selections.js";
import { datasetInfoOf, datasetRefOf, type ExperimentRef, experimentIdOf } from "./selectors.js";
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

/**
 * An evaluator: its name (the evaluation's name on the server), its function, sync or async,
 * and optionally its version: the user's name for the evaluator's code, stored with each
 * evaluation. An incremental rerun (`runExperiment`'s `reuse`) reuses the base's evaluations
 * of an evaluator only when name and version match; one without a version always runs again.
 */
export interface Evaluator {
  name: string;
  evaluate: (args: EvaluatorArguments) => Verdict | Promise<Verdict>;
  version?: string | null;
}

/** The evaluators of a call: evaluators or named functions in an array, or functions (or evaluators) by name. */
export type Evaluators =
  | ReadonlyArray<Evaluator | Evaluator["evaluate"]>
  | Readonly<Record<string, Evaluator["evaluate"] | Evaluator>>;

/** What a task reports it used, in any of its calls to {@link TaskContext.reportUsage}. */
export interface Usage {
  /** Input (prompt) tokens: an integer >= 0. */
  tokensIn?: number;
  /** Output (completion) tokens: an integer >= 0. */
  tokensOut?: number;
  /** What the call cost, in `currency`: a finite number >= 0. */
  cost?: number;
  /** The unit of `cost` (`USD`, `EUR`, `credits`...): 1 to 32 characters, the same in every call of one run. */
  currency?: string;
}

/** The task's second argument. */
export interface TaskContext {
  /** Fires when the call passes `timeoutMs` (the run then records a TimeoutError). */
  signal: AbortSignal;
  /**
   * Records what this call of the task used; calls add up (tokens and cost), and the run
   * stores the totals. A bad value throws a TypeError naming the field, and the run records
   * that error even if the task catches it.
   *
   * ```ts
   * const task: Task = async (example, { reportUsage }) => {
   *   const answer = await llm(example.input.question);
   *   reportUsage({ tokensIn: answer.usage.input, tokensOut: answer.usage.output, cost: 0.0004, currency: "USD" });
   *   return answer.text;
   * };
   * ```
   */
  reportUsage(usage: Usage): void;
}

/** The task: called with each example and a {@link TaskContext}; its return value is the run's output. */
export type Task = (example: Example, context: TaskContext) => unknown;

/** Evaluator names and versions are the server's names: at most this many characters. */
const MAX_VERSION_CHARS = 512;

/**
 * An evaluator named `name`, at `version` (optional: the user's name for the evaluator's code,
 * stored with each evaluation and compared by an incremental rerun).
 *
 * ```ts
 * const exact = asEvaluator({ name: "exact", version: "2", evaluate: ({ output, expected }) => output === expected.answer });
 * ```
 */
export function asEvaluator(evaluator: {
  name: string;
  evaluate: Evaluator["evaluate"];
  version?: string | null;
}): Evaluator {
  if (typeof evaluator?.name !== "string" || evaluator.name === "") {
    throw new TypeError("an evaluator needs a non-empty name");
  }
  if (typeof evaluator.evaluate !== "function") {
    throw new TypeError(`evaluator "${evaluator.name}": evaluate must be a function`);
  }
  const version = evaluator.version ?? null;
  if (version !== null && (typeof version !== "string" || version === "" || version.length > MAX_VERSION_CHARS)) {
    throw new TypeError(
      `evaluator "${evaluator.name}": version must be a string of 1 to ${MAX_VERSION_CHARS} characters, not ${JSON.stringify(version)}`,
    );
  }
  return { name: evaluator.name, evaluate: evaluator.evaluate, version };
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
  /** How long the evaluator took, in milliseconds (a monotonic clock). */
  latencyMs: number | null;
  /** The evaluator's version (see {@link asEvaluator}), or `null`. */
  evaluatorVersion: string | null;
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
  /** ISO 8601, UTC. */
  startTime: string;
  endTime: string;
  /** How long the task took, in milliseconds (a monotonic clock, `performance.now()`). */
  latencyMs: number | null;
  /** What the task reported with `reportUsage` (`null` when it reported none). */
  tokensIn: number | null;
  tokensOut: number | null;
  cost: number | null;
  currency: string | null;
  /** The run of the base experiment this one was copied from by an incremental rerun (`reuse`), else `null`. */
  reusedFromRunId: string | null;
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
  /** The task's version given to `runExperiment` (`taskVersion`), or `null`. */
  taskVersion: string | null;
  /**
   * The part of the version it runs on (`selection` of `runExperiment`, as the server stored
   * it: source ids sorted, each once), or `null` for every example of the version.
   */
  selection: Selection | null;
  dryRun: boolean;
  /**
   * The runs of this call (of `runExperiment`; with `reuse`, those the task made) or all of
   * them (when loaded or resumed; copied ones with `reusedFromRunId`).
   */
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
    this.taskVersion = fields.taskVersion;
    this.selection = fields.selection;
    this.dryRun = fields.dryRun;
    this.runs = fields.runs;
    this.summary = fields.summary;
  }

  /** Every evaluation of every run. */
  get evaluations(): ExperimentEvaluation[] {
    return this.runs.flatMap((run) => run.evaluations);
  }

  /** The summary as text: runs and errors, the selection, mean score per evaluator, ids. */
  summaryTable(): string {
    const s = this.summary;
    const head = this.dryRun ? "dry run (nothing stored)" : `experiment ${this.id}`;
    const task = this.taskVersion === null ? "" : ` task_version ${JSON.stringify(this.taskVersion)}`;
    const lines = [
      `${head} ${JSON.stringify(this.name)}: dataset ${this.datasetId} version ${this.versionId}${task}`,
      `runs ${s.runs} of ${s.expectedRuns}, errors ${s.erroredRuns}, incomplete ${s.incompleteRuns}`,
    ];
    if (this.selection !== null) {
      lines.push(selectionLine(this.selection));
    }
    if (s.reusedRuns > 0) {
      lines.push(`reused ${s.reusedRuns} of ${counted(s.runs, "run")} (the task ran ${s.runs - s.reusedRuns})`);
    }
    lines.push(...costLines(s));
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

/** The summary's lines on latency and usage (those that were measured), as the Python SDK's. */
function costLines(s: ExperimentSummary): string[] {
  const lines: string[] = [];
  if (s.latencyMs.count > 0) {
    lines.push(
      `latency p50 ${milliseconds(s.latencyMs.p50)}, p95 ${milliseconds(s.latencyMs.p95)} (${counted(s.latencyMs.count, "run")})`,
    );
  }
  if (s.usage.runsWithTokens > 0 || s.usage.costs.length > 0) {
    const parts = [
      `tokens in ${grouped(s.usage.tokensIn)}, out ${grouped(s.usage.tokensOut)}`,
      ...s.usage.costs.map((cost) => `cost ${formatG(cost.amount, 6)} ${cost.currency ?? "(no currency)"}`),
    ];
    lines.push(`usage ${parts.join(", ")}`);
  }
  return lines;
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
    // The score says it all (1 or 0), as in the Python SDK: no label.
    return [score(result, name), null, null, {}];
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

function isEvaluator(value: object): boolean {
  return "evaluate" in value && typeof (value as { evaluate: unknown }).evaluate === "function";
}

function describeValue(value: unknown): string {
  if (typeof value === "string") {
    return `the string ${JSON.stringify(value)}`;
  }
  if (typeof value === "function" || (typeof value === "object" && value !== null)) {
    return `one ${typeof value === "function" ? "function" : "evaluator"} (put it in an array)`;
  }
  return String(value);
}

function evaluatorList(evaluators: Evaluators | undefined): Evaluator[] {
  if (evaluators === undefined) {
    return [];
  }
  if (typeof evaluators !== "object" || evaluators === null || isEvaluator(evaluators)) {
    // A plain-JavaScript caller's "exact", or one evaluator: its entries would be read as evaluators.
    throw new TypeError(
      "evaluators takes functions or asEvaluator's evaluators, as an array or an object { name: evaluator }, " +
        `not ${describeValue(evaluators)}`,
    );
  }
  const list: Evaluator[] = Array.isArray(evaluators)
    ? (evaluators as ReadonlyArray<Evaluator | Evaluator["evaluate"]>).map((item) =>
        typeof item === "function" ? asEvaluator({ name: item.name, evaluate: item }) : asEvaluator(item),
      )
    : Object.entries(evaluators as Record<string, Evaluator["evaluate"] | Evaluator>).map(([name, item]) => {
        if (typeof item === "function") {
          return asEvaluator({ name, evaluate: item });
        }
        if (item?.name !== name) {
          throw new TypeError(`evaluators: the key "${name}" names an evaluator named "${item?.name}"; use one name`);
        }
        return asEvaluator(item);
      });
  const seen = new Set<string>();
  for (const { name } of list) {
    // The server's rule, before the experiment is created: else every task would be called and
    // the first post of runs refused.
    checkEvaluatorName(name);
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
    latencyMs: latencyOf(runs.map((run) => run.latencyMs).filter((ms): ms is number => ms !== null)),
    usage: usageOf(runs),
    reusedRuns: 0,
  };
}

/** p50 and p95 interpolated between the closest ranks, as the server computes them. */
function latencyOf(values: number[]): ExperimentSummary["latencyMs"] {
  if (values.length === 0) {
    return { count: 0, p50: null, p95: null, mean: null };
  }
  const sorted = [...values].sort((a, b) => a - b);
  const quantile = (q: number) => {
    const at = (sorted.length - 1) * q;
    const low = Math.floor(at);
    const lower = sorted[low] as number;
    return lower + ((sorted[Math.min(low + 1, sorted.length - 1)] as number) - lower) * (at - low);
  };
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { count: sorted.length, p50: quantile(0.5), p95: quantile(0.95), mean };
}

function usageOf(runs: ExperimentRun[]): ExperimentSummary["usage"] {
  const withTokens = runs.filter((run) => run.tokensIn !== null || run.tokensOut !== null);
  const costs = new Map<string | null, { amount: number; runs: number }>();
  for (const run of runs.filter((r) => r.cost !== null)) {
    const total = costs.get(run.currency) ?? { amount: 0, runs: 0 };
    costs.set(run.currency, { amount: total.amount + (run.cost as number), runs: total.runs + 1 });
  }
  return {
    tokensIn: withTokens.reduce((sum, run) => sum + (run.tokensIn ?? 0), 0),
    tokensOut: withTokens.reduce((sum, run) => sum + (run.tokensOut ?? 0), 0),
    runsWithTokens: withTokens.length,
    // Ordered by currency, the one without first, as the server orders them.
    costs: [...costs]
      .sort(([a], [b]) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1))
      .map(([currency, total]) => ({ currency, ...total })),
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

  /** Task calls started so far (those whose runs were lost included). */
  calls = 0;

  async output(example: Example, meter: UsageMeter): Promise<[unknown, string | null]> {
    const task = this.task as Task;
    this.calls++;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let output: unknown;
    const context: TaskContext = { signal: controller.signal, reportUsage: (usage) => meter.report(usage) };
    try {
      const call = Promise.resolve().then(() => task(example, context));
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

  /**
   * Adds the evaluators' verdicts (or errors) on `run` to its evaluations, replacing same-named
   * ones; only those named in `names` when given.
   */
  async evaluate(run: ExperimentRun, example: Example, names?: ReadonlySet<string>): Promise<void> {
    const args: EvaluatorArguments = {
      input: example.input,
      output: run.output,
      expected: example.output,
      metadata: example.metadata,
      example,
    };
    for (const evaluator of this.evaluators.filter((e) => names === undefined || names.has(e.name))) {
      const startTime = now();
      const started = performance.now();
      let parts: ReturnType<typeof verdictParts> = [null, null, null, {}];
      let error: string | null = null;
      try {
        parts = verdictParts(await evaluator.evaluate(args), evaluator.name);
      } catch (thrown) {
        error = describeError(thrown);
      }
      const latencyMs = elapsedMs(started);
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
        latencyMs,
        evaluatorVersion: evaluator.version ?? null,
        ...(run.id === undefined ? {} : { runId: run.id }),
      });
    }
  }

  async run(example: Example, repetitionNumber: number): Promise<ExperimentRun> {
    const startTime = now();
    const started = performance.now();
    const meter = new UsageMeter();
    const [output, taskError] = await this.output(example, meter);
    const latencyMs = elapsedMs(started);
    // Taken now: a task abandoned at its timeout may still report, and must not change the run.
    const usage = meter.totals();
    const error = taskError ?? meter.error;
    const run: ExperimentRun = {
      exampleId: example.id,
      sourceId: example.sourceId,
      contentHash: example.contentHash,
      repetitionNumber,
      output: error === null ? output : null,
      error,
      startTime,
      endTime: now(),
      latencyMs,
      ...usage,
      reusedFromRunId: null,
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
    uploader: { close(): Promise<void>; abandon(): void; reachable(): Promise<void> },
  ): Promise<void> {
    let next = 0;
    let stopped = false;
    const worker = async () => {
      try {
        while (!stopped && next < items.length) {
          await uploader.reachable();
          if (stopped || next >= items.length) {
            break;
          }
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

/** Milliseconds since `started` (a `performance.now()`), to the microsecond. */
function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

const USAGE_KEYS = new Set(["tokensIn", "tokensOut", "cost", "currency"]);
/** The server's longest currency. */
const MAX_CURRENCY_CHARS = 32;

/** What one call of the task reports through `reportUsage`, added up; the first bad report is kept as the run's error. */
class UsageMeter {
  tokensIn: number | null = null;
  tokensOut: number | null = null;
  cost: number | null = null;
  currency: string | null = null;
  error: string | null = null;

  report(usage: Usage): void {
    try {
      this.#add(usage);
    } catch (error) {
      this.error ??= describeError(error);
      throw error;
    }
  }

  totals(): Pick<ExperimentRun, "tokensIn" | "tokensOut" | "cost" | "currency"> {
    return { tokensIn: this.tokensIn, tokensOut: this.tokensOut, cost: this.cost, currency: this.currency };
  }

  #add(usage: Usage): void {
    if (usage === null || typeof usage !== "object" || Array.isArray(usage)) {
      throw new TypeError("reportUsage takes { tokensIn?, tokensOut?, cost?, currency? }");
    }
    const unknown = Object.keys(usage).filter((key) => !USAGE_KEYS.has(key));
    if (unknown.length > 0) {
      throw new TypeError(
        `reportUsage: unknown field(s) ${unknown.join(", ")}; use tokensIn, tokensOut, cost, currency`,
      );
    }
    const { tokensIn, tokensOut, cost, currency } = usage;
    for (const [field, value, before] of [
      ["tokensIn", tokensIn, this.tokensIn],
      ["tokensOut", tokensOut, this.tokensOut],
    ] as const) {
      if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
        throw new TypeError(
          `reportUsage: ${field} must be an integer >= 0, not ${JSON.stringify(value) ?? typeof value}`,
        );
      }
      if (value !== undefined && !Number.isSafeInteger((before ?? 0) + value)) {
        throw new TypeError(`reportUsage: ${field} adds up to more than Number.MAX_SAFE_INTEGER`);
      }
    }
    if (cost !== undefined && !(typeof cost === "number" && Number.isFinite(cost) && cost >= 0)) {
      throw new TypeError(`reportUsage: cost must be a finite number >= 0, not ${String(cost)}`);
    }
    if (currency !== undefined) {
      if (
        typeof currency !== "string" ||
        currency === "" ||
        currency.length > MAX_CURRENCY_CHARS ||
        currency.includes("\0")
      ) {
        throw new TypeError(
          `reportUsage: currency must be a string of 1 to ${MAX_CURRENCY_CHARS} characters (no U+0000), not ${JSON.stringify(currency)}`,
        );
      }
      // Case-insensitive as the server's totals (it stores currencies in upper case).
      if (this.currency !== null && this.currency.toUpperCase() !== currency.toUpperCase()) {
        throw new TypeError(
          `reportUsage: currency ${JSON.stringify(currency)} differs from ${JSON.stringify(this.currency)} reported before in this run`,
        );
      }
    }
    // Checked whole before any is added, so a refused report adds nothing.
    if (tokensIn !== undefined) {
      this.tokensIn = (this.tokensIn ?? 0) + tokensIn;
    }
    if (tokensOut !== undefined) {
      this.tokensOut = (this.tokensOut ?? 0) + tokensOut;
    }
    if (cost !== undefined) {
      this.cost = (this.cost ?? 0) + cost;
    }
    if (currency !== undefined) {
      this.currency = currency.toUpperCase(); // as the server stores it
    }
  }
}

/** How often a held-back task call looks whether the uploads reached the server again. */
const RETRY_POLL_MS = 50;

/**
 * Sends finished items in batches while the experiment goes on: a batch leaves when it is
 * full, when its first item has waited {@link FLUSH_MS}, or at the end; up to
 * {@link UPLOADS_IN_FLIGHT} batches at once. A crash loses at most what was not sent yet.
 * While an upload waits to try again after a connection error, {@link reachable} holds the
 * runner's next task call back: with a real model each call is paid, and its run would be lost
 * if the server stays away (then the upload fails for good and the runner stops).
 */
class Uploader<T> {
  #pending: T[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();
  /** One token per upload now retrying after a connection error. */
  #retrying = new Set<object>();
  #failure: unknown;
  #failed = false;

  constructor(
    readonly send: (batch: T[], onConnectionRetry: () => void) => Promise<void>,
    readonly batchSize: number,
  ) {}

  /** Resolves once no upload is waiting to try again; throws a failed upload's error. */
  async reachable(): Promise<void> {
    while (this.#retrying.size > 0 && !this.#failed) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_POLL_MS));
    }
    this.#check();
  }

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
    const token = {};
    const upload: Promise<void> = this.send(batch, () => this.#retrying.add(token)).then(
      () => {
        this.#retrying.delete(token);
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
        `\r${this.label}: ${this.#done}/${this.total}${this.#errors ? `, ${counted(this.#errors, "error")}` : ""}`,
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
    latency_ms: run.latencyMs,
    tokens_in: run.tokensIn,
    tokens_out: run.tokensOut,
    cost: run.cost,
    currency: run.currency,
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
    latency_ms: evaluation.latencyMs,
    evaluator_version: evaluation.evaluatorVersion,
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

/**
 * Posts a batch of runs. A batch refused with `run_exists` (pairs another process, such as a
 * second resume, finished meanwhile; their runs are final) is sent again without those pairs,
 * so that its other runs are not lost; theirs keep no id. `null` when none was left to send.
 */
async function postRuns(client: Client, experimentId: string, batch: ExperimentRun[], onConnectionRetry: () => void) {
  let sent = batch;
  for (;;) {
    try {
      const stored = await client.request("post", "/v1/experiments/{experiment_id}/runs", {
        path: { experiment_id: experimentId },
        json: { runs: sent.map(runJson) },
        onConnectionRetry,
      });
      return { stored, sent };
    } catch (error) {
      if (error instanceof APIConnectionError) {
        // The experiment is stored with the runs sent so far: say how to finish it.
        error.message += ` The experiment ${experimentId} keeps the runs sent so far: run the rest with resumeExperiment({ experiment: "${experimentId}", task, evaluators }) once the server is back.`;
      }
      if (!(error instanceof ConflictError) || error.code !== "run_exists") {
        throw error;
      }
      const open = await openPairs(client, experimentId);
      const rest = sent.filter((run) => open.has(`${run.exampleId}/${run.repetitionNumber}`));
      if (rest.length === sent.length) {
        throw error;
      }
      if (rest.length === 0) {
        return null;
      }
      sent = rest;
    }
  }
}

/**
 * Every example of the experiment lacking a successful run for some repetition (`GET /incomplete`);
 * `first`: the first page already in hand (the reuse call's `incomplete`), so only the pages after it are read.
 */
function incomplete(client: Client, experimentId: string, first?: Schemas["IncompletePage"]) {
  return allPages((cursor) =>
    cursor === undefined && first !== undefined
      ? Promise.resolve(first)
      : client.request("get", "/v1/experiments/{experiment_id}/incomplete", {
          path: { experiment_id: experimentId },
          query: { cursor },
        }),
  );
}

/** The `exampleId/repetition` pairs of the experiment without a successful run now. */
async function openPairs(client: Client, experimentId: string): Promise<Set<string>> {
  const missing = await incomplete(client, experimentId);
  return new Set(missing.flatMap((item) => item.repetition_numbers.map((n) => `${item.example.id}/${n}`)));
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
  const uploader = new Uploader<ExperimentRun>(async (given, onConnectionRetry) => {
    const batch = await postRuns(client, experimentId as string, given, onConnectionRetry);
    if (batch === null) {
      return;
    }
    const { stored, sent } = batch;
    sent.forEach((run, index) => {
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
  try {
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
  } catch (error) {
    if (error instanceof APIConnectionError) {
      const stored = runs.filter((run) => run?.id !== undefined).length;
      error.message += ` The task was called ${runner.calls} times; ${stored} of those runs were stored.`;
    }
    throw error;
  }
  return runs;
}

/** A dataset version to run on, with its examples when they were read. */
interface Pinned {
  id: string;
  versionId: string;
  examples?: Example[];
}

/** The dataset version `dataset` names, its examples read only if it holds them (a `Dataset`). */
async function pinnedVersion(client: Client, dataset: DatasetSelector | UpsertResult | Dataset): Promise<Pinned> {
  if (dataset === null || typeof dataset !== "object") {
    throw new TypeError(
      "dataset must be an UpsertResult, a Dataset or a selector { datasetName | datasetId, versionId? | tag? }",
    );
  }
  if ("examples" in dataset && Array.isArray(dataset.examples)) {
    const found = dataset as Dataset;
    if (found.versionId === null) {
      throw new GroundsetError(`dataset "${found.name}" has no version yet: upsert examples first`);
    }
    return { id: found.id, versionId: found.versionId, examples: found.examples };
  }
  if ("digest" in dataset && "noop" in dataset) {
    const result = dataset as UpsertResult;
    if (result.datasetId === null || result.versionId === null || (result.dryRun && !result.noop)) {
      throw new GroundsetError("a dry-run upsert wrote no version to run an experiment on");
    }
    return { id: result.datasetId, versionId: result.versionId };
  }
  const { versionId, tag, ...ref } = dataset as { versionId?: string; tag?: string } & DatasetSelector;
  if (versionId !== undefined && (typeof versionId !== "string" || versionId === "")) {
    throw new TypeError("dataset.versionId must be a non-empty string");
  }
  if (versionId !== undefined && tag !== undefined) {
    throw new TypeError("dataset takes versionId or tag, not both");
  }
  const info = await datasetInfoOf(client, datasetRefOf(ref, "dataset"));
  let pinned = versionId ?? info.latestVersionId;
  if (tag !== undefined) {
    const path = { dataset_id: info.id, tag: checkTag(tag, "dataset.tag") };
    pinned = (await client.request("get", "/v1/datasets/{dataset_id}/tags/{tag}", { path })).version_id;
  }
  if (pinned === null) {
    throw new GroundsetError(`dataset "${info.name}" has no version yet: upsert examples first`);
  }
  return { id: info.id, versionId: pinned };
}

/** The examples of a pinned version, read from the server unless they were given. */
async function examplesOf(client: Client, pinned: Pinned): Promise<Example[]> {
  if (pinned.examples === undefined) {
    const dataset = { datasetId: pinned.id, versionId: pinned.versionId };
    pinned.examples = (await getDataset({ client, dataset })).examples;
  }
  return pinned.examples;
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
  return new Experiment({
    id: wire.id,
    datasetId: wire.dataset_id,
    versionId: wire.version_id,
    name: wire.name,
    description: wire.description,
    metadata: wire.metadata,
    repetitions: wire.repetitions,
    taskVersion: wire.task_version,
    selection: selectionFromWire(wire.selection),
    dryRun: false,
    runs: await storedRuns(client, experimentId, byId),
    summary: summaryOf(wire),
  });
}

/** The runs of `experimentId` as stored, each with its example when `examples` has it. */
async function storedRuns(
  client: Client,
  experimentId: string,
  examples: ReadonlyMap<string, Example>,
): Promise<ExperimentRun[]> {
  const rows = await allPages((cursor) =>
    client.request("get", "/v1/experiments/{experiment_id}/runs", {
      path: { experiment_id: experimentId },
      query: { cursor, limit: 1000 },
    }),
  );
  return rows.map((row) => runOf(row, examples.get(row.example_id)));
}

/**
 * Runs the task on the (example, repetition) pairs of `experimentId` that have no successful
 * run yet (the server's `GET /incomplete`), with every evaluator, and uploads them.
 */
async function runIncomplete(
  client: Client,
  runner: Runner,
  experimentId: string,
  batchSize: number,
  showProgress: boolean,
  beforeRunning?: () => Promise<void>,
  first?: Schemas["IncompletePage"],
): Promise<ExperimentRun[]> {
  const missing = await incomplete(client, experimentId, first);
  const jobs = missing.flatMap((item) =>
    item.repetition_numbers.map((repetitionNumber) => ({ example: camelized(item.example), repetitionNumber })),
  );
  if (jobs.length > 0) {
    await beforeRunning?.();
  }
  const progress = new Progress(jobs.length, "experiment", showProgress);
  return runAll(client, runner, jobs, experimentId, batchSize, progress);
}

/**
 * Runs the evaluators named in each target's `names` on its run (which has an example), and
 * uploads their evaluations to `experimentId` (unless it is null: a dry run).
 */
async function evaluateRuns(
  client: Client,
  runner: Runner,
  experimentId: string | null,
  targets: ReadonlyArray<{ run: ExperimentRun; names: ReadonlySet<string> }>,
  batchSize: number,
  showProgress: boolean,
): Promise<void> {
  const uploader = new Uploader<ExperimentEvaluation>(async (batch, onConnectionRetry) => {
    const stored = await client.request("post", "/v1/experiments/{experiment_id}/evaluations", {
      path: { experiment_id: experimentId as string },
      json: { evaluations: batch.map((e) => ({ run_id: e.runId as string, ...evaluationJson(e) })) },
      onConnectionRetry,
    });
    batch.forEach((evaluation, index) => {
      evaluation.id = stored.data[index]?.id;
    });
  }, batchSize);
  const progress = new Progress(targets.length, "evaluation", showProgress);
  await runner.each(
    targets,
    async ({ run, names }) => {
      await runner.evaluate(run, run.example as Example, names);
      if (experimentId !== null) {
        for (const evaluation of run.evaluations.filter((e) => names.has(e.name))) {
          await uploader.add(evaluation);
        }
      }
    },
    progress,
    uploader,
  );
}

/** Task and evaluator versions: the server's names, 1 to 512 characters. */
function checkVersion(value: unknown, what: string): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value !== "string" || value === "" || value.length > MAX_VERSION_CHARS) {
    throw new TypeError(
      `${what} must be a string of 1 to ${MAX_VERSION_CHARS} characters, not ${JSON.stringify(value)}`,
    );
  }
  return value;
}

// ---------------------------------------------------------------- the public calls

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  client?: Client;
  /** The dataset version to run on: an `UpsertResult` (pins its version), a `Dataset`, or a selector (default: the latest version). */
  dataset: DatasetSelector | UpsertResult | Dataset;
  task: Task;
  evaluators?: Evaluators;
  /** Default: the task function's name (`"task"` for an anonymous function). */
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
  /**
   * Your name for the task's code and prompt (1 to 512 characters, such as a git commit or
   * `"prompt-v3"`), stored on the experiment. `reuse` copies results only from an experiment
   * with the same one.
   */
  taskVersion?: string;
  /**
   * An incremental rerun: an earlier experiment on the same dataset (id, `Experiment`,
   * `ExperimentInfo` or selector). Its successful runs of examples whose content is unchanged
   * (same source id, repetition and content hash) are copied into the new experiment with
   * their evaluations (of evaluators with the same name and version), and the task runs only
   * on new, edited and failed examples. Needs `taskVersion`; when the base's differs, a
   * warning says so and every example runs.
   */
  reuse?: ExperimentRef;
  /**
   * Run on part of the version only, recorded on the experiment (its `selection`, shown by the
   * summary): `{ sourceIds: ["q1", "q7"] }` (every id must be in the version) or `{ metadata:
   * { split: { eq: "test" }, lang: { in: ["en", "fr"] } } }` (top-level metadata keys, all
   * conditions hold; values equal as canonical JSON, RFC 8785; an example without the key is
   * not selected). With `reuse`, only selected examples are reused and run; with `dryRun`, the
   * selection is applied here. The server refuses ids not in the version (`ValidationError`
   * `unknown_source_ids`) and a selection that selects nothing (`empty_selection`).
   */
  selection?: Selection;
}

const RUN_OPTIONS = [
  "client",
  "dataset",
  "task",
  "evaluators",
  "experimentName",
  "experimentDescription",
  "experimentMetadata",
  "concurrency",
  "repetitions",
  "dryRun",
  "timeoutMs",
  "printSummary",
  "progress",
  "batchSize",
  "taskVersion",
  "reuse",
  "selection",
] as const satisfies readonly (keyof RunExperimentOptions)[];
const LOAD_OPTIONS = ["client", "experiment"] as const;
const EVALUATE_OPTIONS = [
  "client",
  "experiment",
  "evaluators",
  "concurrency",
  "printSummary",
  "progress",
  "batchSize",
] as const;
const RESUME_OPTIONS = [...EVALUATE_OPTIONS, "task", "timeoutMs"] as const;

/**
 * Runs `task` on every example of one exact dataset version (times `repetitions`),
 * `concurrency` at a time, scores each output with the evaluators, and stores runs and
 * evaluations on the server in batches as they finish. A task that throws (or exceeds
 * `timeoutMs`) records a run with its error; an evaluator that throws records an evaluation
 * with its error; the experiment goes on. Every run and evaluation is stored with its start
 * and end time and its latency (ms); the task may report its usage (`context.reportUsage`).
 *
 * With `reuse` (and `taskVersion`), the results of an earlier experiment for unchanged
 * examples are copied instead of run again; the returned experiment's `runs` are those the
 * task made (as the Python SDK's), its summary counts every run with `reusedRuns`, and
 * `loadExperiment` reads all of them, the copies with `reusedFromRunId` set.
 *
 * ```ts
 * const synced = await upsertDataset({ dataset: { datasetName: "qa" }, examples, sourceIdKey: "id" });
 * const experiment = await runExperiment({
 *   dataset: synced, // pins the version just synced
 *   task: async (example) => answer(example.input.question),
 *   evaluators: [asEvaluator({ name: "exact", version: "1", evaluate: ({ output, expected }) => output === expected.answer })],
 *   taskVersion: "prompt-v3",
 *   reuse: { dataset: "qa", experimentName: "nightly" }, // the latest "nightly" before this one
 *   experimentName: "nightly",
 * });
 * ```
 *
 * @throws {TypeError} a bad option (`reuse` without `taskVersion`, or with `dryRun`; a `selection` not of its
 *   two forms), before anything is sent.
 * @throws {NotFoundError} code `experiment_not_found`: `reuse` names no experiment.
 * @throws {ValidationError} code `experiments_on_different_datasets`: `reuse` is on another dataset.
 */
export async function runExperiment(options: RunExperimentOptions): Promise<Experiment> {
  checkOptionKeys(options, RUN_OPTIONS, "runExperiment");
  const client = clientOrDefault(options.client);
  if (typeof options.task !== "function") {
    throw new TypeError("task must be a function of the example");
  }
  const evaluators = evaluatorList(options.evaluators);
  const runner = new Runner(options.task, evaluators, options.concurrency ?? 10, options.timeoutMs);
  const repetitions = options.repetitions ?? 1;
  if (!Number.isInteger(repetitions) || repetitions < 1) {
    throw new TypeError(`repetitions must be a positive integer, not ${repetitions}`);
  }
  if (repetitions > MAX_REPETITIONS) {
    throw new TypeError(`repetitions must be at most ${MAX_REPETITIONS} (the server's limit), not ${repetitions}`);
  }
  const dryRun = options.dryRun ?? false;
  const dry = dryRun === true ? 1 : dryRun === false ? 0 : dryRun;
  if (!Number.isInteger(dry) || dry < 0 || (typeof dryRun === "number" && dryRun < 1)) {
    throw new TypeError(`dryRun must be a boolean or a positive integer, not ${dryRun}`);
  }
  const batchSize = options.batchSize ?? BATCH_SIZE;
  checkBatchSize(batchSize);
  const taskVersion = checkVersion(options.taskVersion, "taskVersion");
  const reuse = options.reuse ?? null;
  if (reuse !== null && taskVersion === null) {
    throw new TypeError(
      "reuse needs taskVersion: results are reused only from an experiment whose task version is the same; " +
        'name this task\'s version (taskVersion: "prompt-v3") and give the same one to the runs you want to reuse',
    );
  }
  if (reuse !== null && dry > 0) {
    throw new TypeError("reuse cannot be combined with dryRun: a dry run stores nothing to copy results into");
  }
  const selection = options.selection === undefined ? null : selectionToWire(options.selection);
  // An anonymous function has no name: "task", as the Python SDK names a lambda's experiment.
  const name = checkExperimentName(options.experimentName ?? (options.task.name === "" ? "task" : options.task.name));

  const found = await pinnedVersion(client, options.dataset);
  const versionId = found.versionId;
  // Before the new experiment exists, so a selector for "the latest of this name" finds the one before it.
  const baseId = reuse === null ? null : await experimentIdOf(client, reuse, "reuse");
  // A rerun with reuse, or a run on a selection, reads only the examples left to run (GET
  // /incomplete), not the version's all; a dry run selects them here.
  const fromServer = baseId !== null || (selection !== null && dry === 0);
  const examples = fromServer ? [] : await examplesOf(client, found);
  const chosen = selection === null || fromServer ? examples : selectedExamples(examples, selection);
  const jobs = (dry > 0 ? chosen.slice(0, dry) : chosen).flatMap((example) =>
    Array.from({ length: repetitions }, (_, index) => ({ example, repetitionNumber: index + 1 })),
  );
  let experimentId: string | null = null;
  let stored = selectionFromWire(selection);
  if (dry === 0) {
    const created = await client.request("post", "/v1/datasets/{dataset_id}/experiments", {
      path: { dataset_id: found.id },
      json: {
        version_id: versionId,
        repetitions,
        name,
        description: options.experimentDescription ?? null,
        metadata: options.experimentMetadata ?? null,
        task_version: taskVersion,
        selection,
      },
    });
    experimentId = created.id;
    stored = selectionFromWire(created.selection);
  }
  const showProgress = progressShown(options.progress);
  let runs: ExperimentRun[];
  if (baseId !== null && experimentId !== null) {
    const ids = { experimentId, baseId, taskVersion: taskVersion as string };
    runs = await rerun(client, runner, ids, found, { batchSize, showProgress });
  } else if (selection !== null && experimentId !== null) {
    runs = await runIncomplete(client, runner, experimentId, batchSize, showProgress);
  } else {
    runs = await runAll(
      client,
      runner,
      jobs,
      experimentId,
      batchSize,
      new Progress(jobs.length, "experiment", showProgress),
    );
  }
  const summary = experimentId === null ? localSummary(runs, jobs.length) : await storedSummary(client, experimentId);
  const experiment = new Experiment({
    id: experimentId,
    datasetId: found.id,
    versionId,
    name,
    description: options.experimentDescription ?? null,
    metadata: options.experimentMetadata ?? {},
    repetitions,
    taskVersion,
    selection: stored,
    dryRun: dry > 0,
    runs,
    summary,
  });
  return reported(experiment, options.printSummary);
}

/**
 * The incremental rerun of `experimentId` from `baseId`: the server copies the base's unchanged
 * successful runs (and evaluations of the same evaluator versions), the task runs on what is
 * left, and the evaluators the server could not copy run on the copied runs that lack them.
 */
async function rerun(
  client: Client,
  runner: Runner,
  ids: { experimentId: string; baseId: string; taskVersion: string },
  version: Pinned,
  upload: { batchSize: number; showProgress: boolean },
): Promise<ExperimentRun[]> {
  const { experimentId, baseId } = ids;
  let reused: Schemas["ReuseResult"];
  try {
    reused = await client.request("post", "/v1/experiments/{experiment_id}/reuse", {
      path: { experiment_id: experimentId },
      json: {
        base: baseId,
        evaluators: runner.evaluators.map((e) => ({ name: e.name, evaluator_version: e.version ?? null })),
      },
    });
  } catch (error) {
    // A refused rerun (a base on another dataset, say) leaves no empty experiment behind.
    await client
      .request("delete", "/v1/experiments/{experiment_id}", { path: { experiment_id: experimentId } })
      .catch(() => undefined);
    throw error;
  }
  if (!reused.task_version_matches) {
    const base = await client.request("get", "/v1/experiments/{experiment_id}", { path: { experiment_id: baseId } });
    const ran =
      base.task_version === null || base.task_version === undefined
        ? "has no task version"
        : `ran task version ${JSON.stringify(base.task_version)}`;
    process.emitWarning(
      `reuse: experiment ${baseId} ${ran}, not ${JSON.stringify(ids.taskVersion)}: nothing is reused and every example runs`,
      { type: "GroundsetWarning", code: "GROUNDSET_TASK_VERSION_MISMATCH" },
    );
  }
  // The reuse call answers the first page of what is left to run: no request for it.
  const runs = await runIncomplete(
    client,
    runner,
    experimentId,
    upload.batchSize,
    upload.showProgress,
    undefined,
    reused.incomplete,
  );
  if (reused.evaluators_to_rerun.length === 0) {
    return runs;
  }
  const names = new Set(reused.evaluators_to_rerun);
  const examples = new Map((await examplesOf(client, version)).map((example) => [example.id, example]));
  const targets = (await storedRuns(client, experimentId, examples))
    .filter((run) => run.reusedFromRunId !== null && run.example !== undefined)
    .map((run) => {
      const have = new Set(run.evaluations.map((e) => e.name));
      return { run, names: new Set([...names].filter((name) => !have.has(name))) };
    })
    .filter((target) => target.names.size > 0);
  await evaluateRuns(client, runner, experimentId, targets, upload.batchSize, upload.showProgress);
  return runs;
}

/** `experiment`, its summary table printed first unless `printSummary` is false. */
function reported(experiment: Experiment, printSummary = true): Experiment {
  if (printSummary) {
    console.log(experiment.summaryTable());
  }
  return experiment;
}

/**
 * An experiment as stored, with every run and its evaluations (and each run's example).
 * `experiment`: its id, an `Experiment`, an `ExperimentInfo` or a selector
 * (`{ dataset: "qa", experimentName: "nightly" }`: the latest of that name).
 *
 * @throws {NotFoundError} code `experiment_not_found`.
 */
export async function loadExperiment(options: { client?: Client; experiment: ExperimentRef }): Promise<Experiment> {
  checkOptionKeys(options, LOAD_OPTIONS, "loadExperiment");
  const client = clientOrDefault(options.client);
  return loadExperimentWith(client, await experimentIdOf(client, options.experiment));
}

/**
 * Runs more evaluators on the successful runs of an experiment (its id, an `Experiment`, an
 * `ExperimentInfo` or a selector) and stores their evaluations; an evaluation of the same
 * name on a run replaces the stored one. On a dry run's `Experiment`, nothing is stored.
 * Returns the experiment as stored.
 */
export async function evaluateExperiment(options: {
  client?: Client;
  experiment: ExperimentRef;
  evaluators: Evaluators;
  concurrency?: number;
  printSummary?: boolean;
  progress?: boolean;
  batchSize?: number;
}): Promise<Experiment> {
  checkOptionKeys(options, EVALUATE_OPTIONS, "evaluateExperiment");
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
      : await loadExperimentWith(client, await experimentIdOf(client, options.experiment));
  const names = new Set(evaluators.map((evaluator) => evaluator.name));
  const targets = experiment.runs
    .filter((run) => run.error === null && run.example !== undefined)
    .map((run) => ({ run, names }));
  await evaluateRuns(client, runner, local ? null : experiment.id, targets, batchSize, progressShown(options.progress));
  experiment.summary = local
    ? localSummary(experiment.runs, experiment.summary.expectedRuns)
    : await storedSummary(client, experiment.id as string);
  return reported(experiment, options.printSummary);
}

/**
 * Runs `task` only on the (example, repetition) pairs of an experiment (its id, an
 * `Experiment`, an `ExperimentInfo` or a selector) that have no successful run yet (after a
 * crash, or to retry errors), uploads those runs, and returns the experiment as stored.
 */
export async function resumeExperiment(options: {
  client?: Client;
  experiment: ExperimentRef;
  task: Task;
  evaluators?: Evaluators;
  concurrency?: number;
  timeoutMs?: number;
  printSummary?: boolean;
  progress?: boolean;
  batchSize?: number;
}): Promise<Experiment> {
  checkOptionKeys(options, RESUME_OPTIONS, "resumeExperiment");
  const client = clientOrDefault(options.client);
  const experimentId = await experimentIdOf(client, options.experiment);
  const runner = new Runner(
    options.task,
    evaluatorList(options.evaluators),
    options.concurrency ?? 10,
    options.timeoutMs,
  );
  const batchSize = options.batchSize ?? BATCH_SIZE;
  checkBatchSize(batchSize);
  const given = new Set(evaluatorList(options.evaluators).map((evaluator) => evaluator.name));
  await runIncomplete(client, runner, experimentId, batchSize, progressShown(options.progress), async () => {
    const scoredBy = (await storedSummary(client, experimentId)).evaluations.map((entry) => entry.name);
    const leftOut = [...new Set(scoredBy)].filter((name) => !given.has(name)).sort();
    if (leftOut.length > 0) {
      process.emitWarning(
        `resumeExperiment: the experiment's runs are scored by ${leftOut.map((name) => JSON.stringify(name)).join(", ")}, ` +
          "not given here: the runs made now will have no such evaluations; pass the same evaluators " +
          "(or score them later with evaluateExperiment)",
        { type: "GroundsetWarning", code: "GROUNDSET_UNSCORED_RESUME" },
      );
    }
  });
  const experiment = await loadExperimentWith(client, experimentId);
  return reported(experiment, options.printSummary);
}
