// End-to-end benchmark of the TypeScript SDK against a real local groundset-server, with the
// Python SDK measured in the same run on the same data; run by `just bench` (in js/, after the
// build). Writes ../bench-results/js-sdk.md.
//
//   node bench/sdk.mjs [--count 100000] [--repeat 3] [--experiment-count 10000]
//
// - upsertDataset: 100,000 typical examples of ~1 KB (fixtures/bench/generate_examples.py),
//   hashing included: initial (a new dataset), unchanged, 1% changed (1,000 new outputs).
//   Goal: within 1.3x of the Python SDK's median in the same run.
// - runExperiment: 10,000 examples, a trivial task and one evaluator, concurrency 10; the whole
//   call (dataset fetch, experiment creation, scheduling, batched uploads, summary) divided by
//   the examples. Goal: at most 0.5 ms per example.
// - runExperiment with reuse (issue 14): 100,000 examples (--reuse-count), an experiment on them,
//   1% edited, then a rerun with taskVersion and reuse of the first, with a no-op task: the whole
//   call, the task aside. Goal: at most 1 s. Written to ../bench-results/js-reuse.md;
//   `--cases reuse` runs this case alone.
// The rounds alternate between the SDKs, so both see the same load on this shared machine.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { asEvaluator, createClient, deleteDataset, runExperiment, upsertDataset } from "../dist/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const python = join(root, ".venv/bin/python");
const serverBinary = process.env.GROUNDSET_TEST_SERVER ?? join(root, ".venv/bin/groundset-server");
const resultsFile = join(root, "bench-results/js-sdk.md");
const reuseResultsFile = join(root, "bench-results/js-reuse.md");

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
const count = option("count", 100_000);
const repeat = option("repeat", 3);
const experimentCount = option("experiment-count", 10_000);
const reuseCount = option("reuse-count", 100_000);
const casesAt = process.argv.indexOf("--cases");
const cases = casesAt > 0 ? process.argv[casesAt + 1] : "all";
if (cases !== "all" && cases !== "reuse") {
  throw new Error(`--cases is all or reuse, not ${cases}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function startServer(directory) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const database = `sqlite:///${join(directory, "bench.db")}`;
  const args = ["serve", "--host", "127.0.0.1", "--port", String(port), "--database-url", database];
  const server = spawn(serverBinary, [...args, "--log-level", "warning"], { stdio: "inherit" });
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) {
        return { server, baseUrl };
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  server.kill();
  throw new Error("groundset-server did not start");
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The same three syncs with the Python SDK, in a child process; returns their times in seconds. */
function pythonRound(baseUrl, dataFile, name, round) {
  const script = `
import json, sys, time, groundset
client = groundset.Client(base_url=sys.argv[1])
rows = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
def timed(examples):
    start = time.perf_counter()
    client.upsert_dataset(name=sys.argv[3], examples=examples, source_id_key="id", mode="mirror", progress=False)
    return time.perf_counter() - start
changed = [{**row, "output": {"answer": f"run {sys.argv[4]} {i}"}} if i % 100 == 0 else row for i, row in enumerate(rows)]
print(json.dumps({"initial": timed(rows), "unchanged": timed(rows), "1% changed": timed(changed)}))
client.delete_dataset(name=sys.argv[3])
`;
  const output = execFileSync(python, ["-c", script, baseUrl, dataFile, name, String(round)], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.trim().split("\n").pop());
}

/** Python's run_experiment on the same dataset, for comparison; seconds. */
function pythonExperiment(baseUrl, datasetId) {
  const script = `
import json, sys, time, groundset
client = groundset.Client(base_url=sys.argv[1])
start = time.perf_counter()
groundset.run_experiment({"id": sys.argv[2]}, lambda input: len(input["question"]),
    [lambda output: output > 0], client=client, concurrency=10, print_summary=False, progress=False)
print(json.dumps(time.perf_counter() - start))
`;
  return JSON.parse(execFileSync(python, ["-c", script, baseUrl, datasetId], { encoding: "utf8" }).trim());
}

/**
 * Reruns with reuse after 1% of `reuseCount` examples were edited: their wall times (s), the
 * first, full experiment's (for scale), and how many times the task ran in the last rerun.
 */
async function reuseCase(client) {
  const rows = Array.from({ length: reuseCount }, (_, id) => ({
    id,
    input: { question: `question ${id}` },
    output: { answer: `question ${id}` },
  }));
  const dataset = { datasetName: "bench-reuse" };
  const v1 = await upsertDataset({ client, dataset, examples: rows, sourceIdKey: "id" });
  const exact = asEvaluator({
    name: "exact",
    version: "1",
    evaluate: ({ output, expected }) => output === expected.answer,
  });
  const common = { client, evaluators: [exact], taskVersion: "t1", printSummary: false, progress: false };
  let started = performance.now();
  const base = await runExperiment({ ...common, dataset: v1, task: async (example) => example.input.question });
  const full = (performance.now() - started) / 1000;
  const step = 100; // 1% edited
  const edited = rows.map((row) => (row.id % step === 0 ? { ...row, input: { question: `edited ${row.id}` } } : row));
  const v2 = await upsertDataset({ client, dataset, examples: edited, sourceIdKey: "id" });
  const times = [];
  const serverTimes = [];
  let calls = 0;
  // Each request timed to the end of its body (read here, then handed on): the server's share.
  let waited = 0;
  const timing = async (input, init) => {
    const sent = performance.now();
    const response = await fetch(input, init);
    const body = await response.arrayBuffer();
    waited += performance.now() - sent;
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const timedClient = createClient({ baseUrl: client.baseUrl, fetch: timing });
  for (let round = 0; round < repeat; round++) {
    calls = 0;
    waited = 0;
    started = performance.now();
    const rerun = await runExperiment({
      ...common,
      client: timedClient,
      dataset: v2,
      reuse: base,
      task: async (example) => {
        calls++;
        return example.input.question;
      },
    });
    times.push((performance.now() - started) / 1000);
    serverTimes.push(waited / 1000);
    if (calls !== reuseCount / step || rerun.summary.reusedRuns !== reuseCount - reuseCount / step) {
      throw new Error(`rerun ran the task ${calls} times and reused ${rerun.summary.reusedRuns} runs`);
    }
  }
  await deleteDataset({ client, dataset });
  return { times, serverTimes, full, calls };
}

function reuseReport({ times, serverTimes, full, calls }, loadBefore) {
  const wall = median(times);
  const sdk = median(times.map((time, round) => time - serverTimes[round]));
  const text = [
    "# TypeScript SDK: runExperiment with reuse",
    "",
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; Node ${process.version}, ${cpus().length} cores, ` +
      `load average ${loadBefore.map((l) => l.toFixed(2)).join(" / ")} before (1 / 5 / 15 min). Server (SQLite in a ` +
      "temporary directory) and the SDK on the same machine, which other work shares: figures vary from run to run.",
    "",
    `${reuseCount.toLocaleString("en")} examples, an experiment on them (taskVersion t1, one evaluator with a version), ` +
      `1% edited, then \`runExperiment({ taskVersion: "t1", reuse: base })\` with a no-op async task: the whole call ` +
      "(dataset fetch, experiment creation, the server's copy, the incomplete pairs, runs and uploads, summary); " +
      `median of ${repeat}. The first, full experiment took ${full.toFixed(2)} s.`,
    "",
    "| rerun with reuse | wall time (s) | runs (s) | waiting for the server (s) | the SDK's own (s) | task calls | goal ≤ 1 s |",
    "| --- | ---: | --- | ---: | ---: | ---: | --- |",
    `| 1% edited | ${wall.toFixed(2)} | ${times.map((t) => t.toFixed(2)).join(", ")} | ` +
      `${median(serverTimes).toFixed(2)} | ${sdk.toFixed(2)} | ${calls} | ${wall <= 1 ? "met" : "missed"} |`,
    "",
    "Waiting for the server: the requests from sending to the end of the answer's body (create, POST reuse, GET " +
      "incomplete, the runs' uploads, the summary); the SDK's own: the rest (scheduling the task calls, evaluating, " +
      "building the batches), medians of the per-run figures. The goal covers both; the server's copy and reads " +
      "dominate (bench-results/server-reuse.md times the copy alone).",
    "",
  ].join("\n");
  writeFileSync(reuseResultsFile, text);
  process.stdout.write(`${text}\nwrote ${reuseResultsFile}\n`);
}

async function main() {
  if (cases === "reuse") {
    const directory = mkdtempSync(join(tmpdir(), "groundset-js-bench-"));
    const loadBefore = loadavg();
    const { server } = await startServer(directory).then(async (started) => {
      reuseReport(await reuseCase(createClient({ baseUrl: started.baseUrl })), loadBefore);
      return started;
    });
    server.kill("SIGTERM");
    await new Promise((done) => server.once("exit", done));
    rmSync(directory, { recursive: true, force: true });
    return;
  }
  const directory = mkdtempSync(join(tmpdir(), "groundset-js-bench-"));
  const dataFile = join(directory, "examples.jsonl");
  execFileSync(
    python,
    [join(root, "fixtures/bench/generate_examples.py"), "--count", String(count), "--out", dataFile],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const rows = readFileSync(dataFile, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
  const loadBefore = loadavg();
  const { server, baseUrl } = await startServer(directory);
  const client = createClient({ baseUrl });
  const scenarios = ["initial", "unchanged", "1% changed"];
  const times = {
    js: Object.fromEntries(scenarios.map((s) => [s, []])),
    py: Object.fromEntries(scenarios.map((s) => [s, []])),
  };
  try {
    // An untimed warm-up of both SDKs (module loading, the server's first requests).
    const warm = { datasetName: "bench-warm-up" };
    await upsertDataset({ client, dataset: warm, examples: rows.slice(0, 2_000), sourceIdKey: "id" });
    await deleteDataset({ client, dataset: warm });
    for (let round = 0; round < repeat; round++) {
      const dataset = { datasetName: `bench-js-${round}` };
      const sync = async (examples) => {
        const started = performance.now();
        await upsertDataset({ client, dataset, examples, sourceIdKey: "id", mode: "mirror" });
        return (performance.now() - started) / 1000;
      };
      times.js.initial.push(await sync(rows));
      times.js.unchanged.push(await sync(rows));
      const changed = rows.map((row, index) =>
        index % 100 === 0 ? { ...row, output: { answer: `run ${round} ${index}` } } : row,
      );
      times.js["1% changed"].push(await sync(changed));
      await deleteDataset({ client, dataset });
      const py = pythonRound(baseUrl, dataFile, `bench-py-${round}`, round);
      for (const scenario of scenarios) {
        times.py[scenario].push(py[scenario]);
      }
      process.stderr.write(`round ${round + 1}/${repeat} done\n`);
    }

    const experimentData = await upsertDataset({
      client,
      dataset: { datasetName: "bench-experiment" },
      examples: rows.slice(0, experimentCount),
      sourceIdKey: "id",
    });
    const experimentTimes = [];
    const pythonExperimentTimes = [];
    for (let round = 0; round < repeat; round++) {
      const started = performance.now();
      await runExperiment({
        client,
        dataset: experimentData,
        task: (example) => example.input.question.length,
        evaluators: [asEvaluator({ name: "positive", evaluate: ({ output }) => output > 0 })],
        concurrency: 10,
        printSummary: false,
        progress: false,
      });
      experimentTimes.push((performance.now() - started) / 1000);
      pythonExperimentTimes.push(pythonExperiment(baseUrl, experimentData.datasetId));
    }
    report(times, experimentTimes, pythonExperimentTimes, loadBefore);
    reuseReport(await reuseCase(client), loadavg());
  } finally {
    server.kill("SIGTERM");
    await new Promise((done) => server.once("exit", done));
    rmSync(directory, { recursive: true, force: true });
  }
}

function report(times, experimentTimes, pythonExperimentTimes, loadBefore) {
  const seconds = (value) => value.toFixed(2);
  const list = (values) => values.map(seconds).join(", ");
  const lines = [
    "# TypeScript SDK: upsertDataset and runExperiment end to end",
    "",
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; Node ${process.version}, ${cpus().length} cores, ` +
      `load average ${loadBefore.map((l) => l.toFixed(2)).join(" / ")} before and ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" / ")} after (1 / 5 / 15 min). Server (SQLite in a temporary directory), the TypeScript SDK ` +
      "and the Python SDK on the same machine, which other work shares: figures vary from run to run.",
    "",
    `${count.toLocaleString("en")} examples of about 1 KB (fixtures/bench/generate_examples.py), hashing included, ` +
      `mirror mode, identity by \`id\`; median of ${repeat} rounds, each round timing the TypeScript SDK and then ` +
      "the Python SDK (in a child process) on the same server.",
    "",
    "| scenario | TypeScript median (s) | TypeScript runs (s) | Python median (s) | Python runs (s) | ratio TS / Python | goal ≤ 1.3 |",
    "| --- | ---: | --- | ---: | --- | ---: | --- |",
  ];
  for (const scenario of Object.keys(times.js)) {
    const js = median(times.js[scenario]);
    const py = median(times.py[scenario]);
    const ratio = js / py;
    lines.push(
      `| ${scenario} | ${seconds(js)} | ${list(times.js[scenario])} | ${seconds(py)} | ${list(times.py[scenario])} | ` +
        `${ratio.toFixed(2)} | ${ratio <= 1.3 ? "met" : "missed"} |`,
    );
  }
  const perExample = (median(experimentTimes) * 1000) / experimentCount;
  const pythonPerExample = (median(pythonExperimentTimes) * 1000) / experimentCount;
  lines.push(
    "",
    "## runExperiment overhead",
    "",
    `${experimentCount.toLocaleString("en")} examples, a trivial task and one evaluator, concurrency 10; wall time of the ` +
      "whole call (dataset fetch, experiment creation, scheduling, batched uploads of runs with their evaluations, " +
      `summary); median of ${repeat}.`,
    "",
    "| SDK | wall time (s) | runs (s) | per example (ms) | goal ≤ 0.5 ms |",
    "| --- | ---: | --- | ---: | --- |",
    `| TypeScript \`runExperiment\` | ${seconds(median(experimentTimes))} | ${list(experimentTimes)} | ` +
      `${perExample.toFixed(3)} | ${perExample <= 0.5 ? "met" : "missed"} |`,
    `| Python \`run_experiment\` (sync task and evaluator) | ${seconds(median(pythonExperimentTimes))} | ` +
      `${list(pythonExperimentTimes)} | ${pythonPerExample.toFixed(3)} | ${pythonPerExample <= 0.5 ? "met" : "missed"} |`,
    "",
  );
  const text = lines.join("\n");
  writeFileSync(resultsFile, text);
  process.stdout.write(`${text}\nwrote ${resultsFile}\n`);
}

await main();
