/**
 * The comparison of two experiments on one dataset (a base and a head, on any two versions of
 * it), example by example: the server's `GET /v1/experiments/compare` with every page of
 * examples read, camelized, with the CI verdict and a text table of the regressions. The same
 * call and answer as the Python SDK's `compare_experiments`.
 *
 * @module
 */

import { type Client, clientOrDefault } from "./client.js";
import { formatG } from "./format.js";
import type { components, operations } from "./generated/openapi.js";
import { type Selection, selectionFromWire } from "./selections.js";
import { type ExperimentRef, experimentIdOf } from "./selectors.js";
import type { CamelCase } from "./wire.js";

type Schemas = components["schemas"];

/** A wire type with member names in camelCase at every depth (values such as maps of names kept). */
type DeepCamelized<T> = T extends readonly (infer U)[]
  ? DeepCamelized<U>[]
  : T extends object
    ? { [K in keyof T as K extends string ? CamelCase<K> : K]: DeepCamelized<T[K]> }
    : T;

/** What `only` selects: a class of example, or the examples that regressed, improved, have new errors or changed output. */
export type ComparisonFilter = NonNullable<
  NonNullable<operations["compare_experiments_v1_experiments_compare_get"]["parameters"]["query"]["only"]>
>[number];

/** Every value of `only`, as the server's `only` parameter takes them. */
const FILTERS: ReadonlySet<string> = new Set<ComparisonFilter>([
  "regressions",
  "improvements",
  "new_errors",
  "missing_runs",
  "output_changed",
  "only_base",
  "only_head",
  "same_content",
  "changed",
]);

/** Examples per page: the server's largest page, so a comparison of 100,000 examples takes 10 requests. */
const PAGE_LIMIT = 10_000;

/** Members whose value is a map keyed by the user's names (evaluators): their keys stay as they are. */
const NAME_MAPS = new Set(["regressions"]);

const camelNames = (name: string) => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

function deepCamelized<T>(wire: T): DeepCamelized<T> {
  if (Array.isArray(wire)) {
    return wire.map(deepCamelized) as DeepCamelized<T>;
  }
  if (wire === null || typeof wire !== "object") {
    return wire as DeepCamelized<T>;
  }
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(wire)) {
    result[camelNames(name)] = NAME_MAPS.has(name) ? value : deepCamelized(value);
  }
  return result as DeepCamelized<T>;
}

/**
 * One side of a comparison: the experiment (id, name, version, task version, runs), its
 * `selection` (`null`: the whole version) and what its runs cost.
 */
export type ComparedExperiment = DeepCamelized<Omit<Schemas["ComparedExperiment"], "selection">> & {
  selection: Selection | null;
};
/** A side as the SDK gives it: camelized, its selection's metadata keys (the user's) kept. */
function comparedExperiment(wire: Schemas["ComparedExperiment"]): ComparedExperiment {
  const { selection, ...rest } = wire;
  return { ...deepCamelized(rest), selection: selectionFromWire(selection) };
}

/** One example of a comparison: its class (`status`), each side's runs and per-evaluator scores, and whether it regressed. */
export type ComparedExample = DeepCamelized<Schemas["ComparedExample"]>;

/**
 * Two experiments compared (see {@link compareExperiments}). `examples` holds every example
 * (or those matching `only`), in the server's order (by example id); `counts`, `evaluators`,
 * `deltas` and `verdict` cover all examples whatever `only` was.
 */
export class Comparison {
  datasetId: string;
  base: ComparedExperiment;
  head: ComparedExperiment;
  /** Examples per class: `onlyBase` (removed), `onlyHead` (added), `sameContent`, `changed` (edited), and more. */
  counts: DeepCamelized<Schemas["ComparisonCounts"]>;
  /** Per evaluator: means on all and like-for-like examples, threshold, regressions and improvements. */
  evaluators: Array<DeepCamelized<Schemas["ComparedEvaluator"]>>;
  /** Head minus base: latency (ms) and usage. */
  deltas: DeepCamelized<Schemas["CostDeltas"]>;
  /** What a CI gate reads; `verdict.regressions` is keyed by evaluator name. */
  verdict: DeepCamelized<Schemas["Verdict"]>;
  examples: ComparedExample[];
  /**
   * The two experiments were created with different selections (one with none counts): an
   * example outside a side's selection is absent on that side (`onlyBase` or `onlyHead`).
   */
  selectionsDiffer: boolean;

  constructor(fields: Omit<Comparison, "regressed" | "comparable" | "regressions" | "table">) {
    this.datasetId = fields.datasetId;
    this.base = fields.base;
    this.head = fields.head;
    this.counts = fields.counts;
    this.evaluators = fields.evaluators;
    this.deltas = fields.deltas;
    this.verdict = fields.verdict;
    this.examples = fields.examples;
    this.selectionsDiffer = fields.selectionsDiffer;
  }

  /** Whether some example in the verdict's scope regressed beyond its threshold (`verdict.regressed`). */
  get regressed(): boolean {
    return this.verdict.regressed;
  }

  /**
   * Whether anything could be compared (`verdict.comparable`): false when no example of both
   * versions is in the verdict's scope or neither side has a successful run on those
   * (`verdict.notComparable` says which, `code` and `detail`). A CI gate fails then too:
   * `regressed` false means nothing there (`groundset compare --fail-on-regression` exits 2).
   */
  get comparable(): boolean {
    return this.verdict.comparable;
  }

  /**
   * Every regression among {@link examples}, by example: a score that dropped beyond its
   * threshold or a new evaluation error (`score` set), and a run error rate higher in head or
   * a missing run (`evaluator` `"(run)"`, `score` null). Only examples in the verdict's scope regress.
   */
  regressions(): Array<{ example: ComparedExample; evaluator: string; score: ComparedScore | null }> {
    const found: Array<{ example: ComparedExample; evaluator: string; score: ComparedScore | null }> = [];
    for (const example of this.examples.filter((e) => e.regression)) {
      if (example.newRunError || example.missingRun) {
        found.push({ example, evaluator: "(run)", score: null });
      }
      for (const score of example.scores.filter((s) => s.change === "regression" || s.newError)) {
        found.push({ example, evaluator: score.name, score });
      }
    }
    return found;
  }

  /**
   * The regressed examples ({@link regressions}) as a text table: source id, class,
   * evaluator, base, head, delta; `limit` rows at most, then a line saying how many more.
   * `no regressed example` when nothing regressed. The same text as the Python SDK's.
   */
  table(limit?: number): string {
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
      throw new TypeError(`limit must be an integer >= 0, not ${limit}`);
    }
    const rows = this.regressions().map(({ example, evaluator, score }) => [
      example.sourceId,
      example.status,
      evaluator,
      ...scoreCells(score, example),
    ]);
    if (rows.length === 0) {
      return "no regressed example";
    }
    const shown = limit === undefined ? rows : rows.slice(0, limit);
    const header = ["source id", "class", "evaluator", "base", "head", "delta"];
    const widths = header.map((title, column) =>
      Math.max(title.length, ...shown.map((row) => (row[column] as string).length)),
    );
    const line = (cells: string[]) =>
      cells
        .map((cell, column) =>
          column >= 3 ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number),
        )
        .join("  ")
        .trimEnd();
    const lines = [line(header), line(widths.map((width) => "-".repeat(width))), ...shown.map(line)];
    if (shown.length < rows.length) {
      lines.push(`... and ${rows.length - shown.length} more`);
    }
    return lines.join("\n");
  }
}

/** One score of an example in a comparison: each side's mean over its repetitions, the delta and the change. */
type ComparedScore = ComparedExample["scores"][number];

function scoreCells(score: ComparedScore | null, example: ComparedExample): [string, string, string] {
  if (score === null) {
    // A run row: head's runs errored, or there is none (a missing run).
    return ["-", example.newRunError ? "error" : "missing", "-"];
  }
  // A label evaluator's cells are its labels.
  const cell = (value: number | null, label: string | null | undefined) =>
    value !== null ? formatG(value, 4) : (label ?? "-");
  const head =
    score.newError && score.head === null ? "error" : score.missing ? "missing" : cell(score.head, score.headLabel);
  return [cell(score.base, score.baseLabel), head, score.delta === null ? "-" : formatG(score.delta, 4, true)];
}

/** The server's `threshold` parameters: `0.2` for every evaluator, `NAME:0.2` for one. */
function thresholdParameters(thresholds: number | Readonly<Record<string, number>> | undefined): string[] | undefined {
  const checked = (value: unknown, where: string) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`${where} must be a finite number >= 0 (the drop that counts as a regression), not ${value}`);
    }
    return String(value);
  };
  if (thresholds === undefined) {
    return undefined;
  }
  if (typeof thresholds === "number") {
    return [checked(thresholds, "thresholds")];
  }
  if (thresholds === null || typeof thresholds !== "object" || Array.isArray(thresholds)) {
    throw new TypeError("thresholds must be a number (every evaluator) or { evaluatorName: number }");
  }
  return Object.entries(thresholds).map(([name, value]) => {
    if (name === "") {
      throw new TypeError("thresholds: an evaluator name must be non-empty");
    }
    return `${name}:${checked(value, `thresholds[${JSON.stringify(name)}]`)}`;
  });
}

/**
 * Compares two experiments on one dataset (on any two versions of it), example by example:
 * each example is `only_base` (removed), `only_head` (added), `same_content` or `changed`
 * (edited between the versions); per evaluator the base and head scores (mean over
 * repetitions), the delta, and regressions and improvements by `thresholds` (default: any
 * drop of a boolean evaluator, a drop of 0.1 of a numeric one; a number for every evaluator,
 * or `{ name: number }`). Errors new in head are regressions, and so is an example with a
 * successful base run and no successful head run (`missingRun`), with or without evaluators.
 * The verdict counts like-for-like examples (`same_content`), and `changed` ones too with
 * `includeChanged`; when none of those could be compared, `comparable` is false and
 * `verdict.notComparable` says why. `only` keeps the
 * examples listed (the aggregates always cover all); every page is read.
 *
 * ```ts
 * const comparison = await compareExperiments({
 *   base: { dataset: "qa", experimentName: "nightly", before: headId },
 *   head: headId,
 * });
 * if (comparison.regressed) console.log(comparison.table());
 * ```
 *
 * @throws {NotFoundError} code `experiment_not_found`: no such experiment, or a selector found none.
 * @throws {ValidationError} code `compare_with_itself` (base and head are one experiment),
 *   `experiments_on_different_datasets`, `invalid_threshold` or `unknown_evaluator`.
 * @throws {TypeError} a bad option, before anything is sent.
 */
export async function compareExperiments(options: {
  client?: Client;
  base: ExperimentRef;
  head: ExperimentRef;
  thresholds?: number | Readonly<Record<string, number>>;
  includeChanged?: boolean;
  only?: readonly ComparisonFilter[];
}): Promise<Comparison> {
  const client = clientOrDefault(options.client);
  const threshold = thresholdParameters(options.thresholds);
  if (options.includeChanged !== undefined && typeof options.includeChanged !== "boolean") {
    throw new TypeError(`includeChanged must be a boolean, not ${typeof options.includeChanged}`);
  }
  if (options.only !== undefined) {
    const unknown = Array.isArray(options.only) ? options.only.filter((value) => !FILTERS.has(value)) : [];
    if (!Array.isArray(options.only) || unknown.length > 0) {
      throw new TypeError(
        `only takes an array of some of ${[...FILTERS].join(", ")}` +
          (unknown.length > 0 ? `; not ${unknown.map((value) => JSON.stringify(value)).join(", ")}` : ""),
      );
    }
  }
  const [base, head] = await Promise.all([
    experimentIdOf(client, options.base, "base"),
    experimentIdOf(client, options.head, "head"),
  ]);
  const query = {
    base,
    head,
    threshold,
    include_changed: options.includeChanged,
    only: options.only === undefined ? undefined : [...options.only],
    limit: PAGE_LIMIT,
  };
  const first = await client.request("get", "/v1/experiments/compare", { query });
  const examples = [...first.data];
  let cursor = first.next_cursor;
  while (cursor !== null) {
    const page = await client.request("get", "/v1/experiments/compare", { query: { ...query, cursor } });
    examples.push(...page.data);
    cursor = page.next_cursor;
  }
  return new Comparison({
    datasetId: first.dataset_id,
    base: comparedExperiment(first.base),
    head: comparedExperiment(first.head),
    counts: deepCamelized(first.counts),
    evaluators: deepCamelized(first.evaluators),
    deltas: deepCamelized(first.deltas),
    verdict: deepCamelized(first.verdict),
    examples: deepCamelized(examples),
    selectionsDiffer: first.selections_differ,
  });
}
