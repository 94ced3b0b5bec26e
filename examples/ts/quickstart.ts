/**
 * groundset quickstart: sync a question-answering set, run an experiment, evolve the set, rerun
 * it reusing the unchanged results, compare.
 *
 * The evaluation set lives in the repository as JSONL (fixtures/examples/qa-v1.jsonl, then its
 * next revision qa-v2.jsonl). The task is a deterministic keyword lookup over each example's
 * context, standing in for the LLM call of a real application, so the script needs no API key.
 *
 * `just demo` compiles and runs it against a server it starts; by hand, with a server running:
 *
 *     js/node_modules/.bin/tsc -p examples/ts/tsconfig.json   # to examples/ts/dist
 *     ln -s ../../../js examples/ts/node_modules/groundset     # once (mkdir -p examples/ts/node_modules)
 *     GROUNDSET_BASE_URL=http://127.0.0.1:6060 node examples/ts/dist/quickstart.js [DATASET]
 */

import { readFileSync } from "node:fs";
import {
  asEvaluator,
  type Client,
  compareExperiments,
  createClient,
  deleteDataset,
  type Experiment,
  NotFoundError,
  runExperiment,
  type UpsertMode,
  type UpsertResult,
  upsertDataset,
} from "groundset";

const DATA = new URL("../../../fixtures/examples/", import.meta.url);
const DATASET = process.argv[2] ?? "quickstart-qa-ts";
// Your name for the task's code and prompt: a rerun reuses results only from the same taskVersion.
const TASK_VERSION = "keyword-lookup-1";

interface QaInput {
  question: string;
  context: string;
}
interface QaOutput {
  answer: string;
}

function readJsonl(name: string): Record<string, unknown>[] {
  const text = readFileSync(new URL(name, DATA), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const tokens = (text: string): string[] => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

// Words too common to point at the sentence that answers a question.
const STOPWORDS = new Set(
  tokens(
    "a an and are as at be by did do does for from how in is it its of on or " +
      "that the this to was were what which who",
  ),
);

const keywords = (text: string): Set<string> => new Set(tokens(text).filter((token) => !STOPWORDS.has(token)));

// The task: the sentence of the context sharing the most keywords with the question (the first
// one on a tie). An application would call its model here.
function answer(input: QaInput): QaOutput {
  const wanted = keywords(input.question);
  const shared = (sentence: string) => [...keywords(sentence)].filter((word) => wanted.has(word)).length;
  let best = "";
  let bestShared = -1;
  for (const sentence of input.context.trim().split(/(?<=[.!?])\s+/)) {
    if (shared(sentence) > bestShared) {
      best = sentence;
      bestShared = shared(sentence);
    }
  }
  return { answer: best };
}

// Evaluators receive { input, output, expected, metadata, example }: `output` is the task's,
// `expected` the example's output.
const containsAnswer = asEvaluator({
  name: "contains_answer",
  evaluate: ({ output, expected }) =>
    ` ${tokens((output as QaOutput).answer).join(" ")} `.includes(` ${tokens(String(expected.answer)).join(" ")} `),
});

const tokenF1 = asEvaluator({
  name: "token_f1",
  evaluate: ({ output, expected }) => {
    const got = tokens((output as QaOutput).answer);
    const want = tokens(String(expected.answer));
    const left = new Map<string, number>();
    for (const token of want) left.set(token, (left.get(token) ?? 0) + 1);
    let common = 0;
    for (const token of got) {
      const count = left.get(token) ?? 0;
      if (count > 0) {
        common += 1;
        left.set(token, count - 1);
      }
    }
    if (common === 0) return 0;
    const precision = common / got.length;
    const recall = common / want.length;
    return (2 * precision * recall) / (precision + recall);
  },
});

function upsert(client: Client, file: string, mode: UpsertMode): Promise<UpsertResult> {
  return upsertDataset({
    client,
    dataset: { datasetName: DATASET },
    examples: readJsonl(file), // { id, input, output, metadata } records
    sourceIdKey: "id", // the identity of an example: an edit updates it in place
    mode,
  });
}

function report(result: UpsertResult): void {
  const state = result.noop ? "no-op" : result.previousVersionId === null ? "new" : `was ${result.previousVersionId}`;
  console.log(
    `   version ${result.versionId} (${state}): ${result.created} created, ${result.updated} updated, ` +
      `${result.unchanged} unchanged, ${result.deleted} deleted; digest ${result.digest}`,
  );
}

function experiment(dataset: UpsertResult, client: Client, reuse?: Experiment): Promise<Experiment> {
  // Passing the upsert's result pins the experiment to exactly that version. With reuse, the
  // runs of examples whose content did not change are copied from that experiment.
  return runExperiment({
    client,
    dataset,
    task: (example) => answer(example.input as unknown as QaInput),
    evaluators: [containsAnswer, tokenF1],
    experimentName: `keyword lookup on version ${dataset.versionId}`,
    taskVersion: TASK_VERSION,
    reuse,
  });
}

function sideBySide(before: [UpsertResult, Experiment], after: [UpsertResult, Experiment]): void {
  const row = (label: string, cell: (pair: [UpsertResult, Experiment]) => unknown) =>
    console.log(`   ${label.padEnd(18)}${[before, after].map((pair) => String(cell(pair)).padStart(18)).join("")}`);
  console.log(`   ${"".padEnd(18)}${"before".padStart(18)}${"after".padStart(18)}`);
  row("experiment id", ([, found]) => found.id);
  row("dataset version", ([, found]) => found.versionId);
  row("version digest", ([synced]) => synced.digest.slice(0, 16));
  row("runs", ([, found]) => found.summary.runs);
  row("errors", ([, found]) => found.summary.erroredRuns);
  row("reused runs", ([, found]) => found.summary.reusedRuns);
}

async function compare(before: Experiment, after: Experiment, client: Client): Promise<void> {
  const comparison = await compareExperiments({ client, base: before, head: after });
  const { sameContent, changed, onlyHead, onlyBase } = comparison.counts;
  console.log(`   examples: ${sameContent} same content, ${changed} changed, ${onlyHead} added, ${onlyBase} removed`);
  const score = (value: number | null) => (value === null ? "-" : value.toFixed(4));
  const delta = (value: number | null) => (value === null ? "-" : `${value < 0 ? "" : "+"}${value.toFixed(4)}`);
  for (const { name, all, likeForLike: like } of comparison.evaluators) {
    // Means over all examples, and over the unchanged ones.
    console.log(
      `   ${name}: all ${score(all.base.mean)} -> ${score(all.head.mean)} (${delta(all.delta)}), ` +
        `like-for-like ${score(like.baseMean)} -> ${score(like.headMean)} (${delta(like.delta)}) on ${like.count}`,
    );
  }
  const verdict = comparison.regressed ? "regressed" : "no regression";
  console.log(`   regressions: ${comparison.verdict.regressedExamples} (verdict: ${verdict})`);
  if (comparison.regressed) {
    // What a CI gate fails on; table() lists each regressed example.
    console.log(comparison.table().replace(/^/gm, "   "));
  }
  console.log(`   task ran ${after.runs.length} times, reused ${after.summary.reusedRuns} runs`);
}

async function main(): Promise<void> {
  const client = createClient();
  console.log(`groundset quickstart (TypeScript) on ${client.baseUrl}, dataset '${DATASET}'`);
  try {
    await deleteDataset({ client, dataset: { datasetName: DATASET } }); // start from scratch, so every run tells the same story
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }

  console.log("1. upsert qa-v1.jsonl by id");
  const v1 = await upsert(client, "qa-v1.jsonl", "merge");
  report(v1);

  console.log("2. upsert qa-v1.jsonl again: nothing changed, so no new version");
  const again = await upsert(client, "qa-v1.jsonl", "merge");
  report(again);

  console.log(`3. experiment on version ${v1.versionId}`);
  const first = await experiment(v1, client);

  console.log("4. mirror upsert qa-v2.jsonl: the dataset now holds exactly that file");
  const v2 = await upsert(client, "qa-v2.jsonl", "mirror");
  report(v2);

  console.log(`5. experiment on version ${v2.versionId}, reusing the runs of unchanged examples`);
  const second = await experiment(v2, client, first);

  console.log("side by side");
  sideBySide([v1, first], [v2, second]);
  console.log(`version progression: ${v1.versionId} -> ${again.versionId} (no-op) -> ${v2.versionId}`);

  console.log(`6. compare experiment ${second.id} (head) with ${first.id} (base), example by example`);
  await compare(first, second, client);
}

await main();
