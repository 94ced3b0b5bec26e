// The TypeScript SDK's unchanged re-sync (issue 19), run by python/benches/bench_sdk.py
// --unchanged-counts against the server it started (SQLite or PostgreSQL), on the examples it
// wrote as JSONL: an initial sync of a new dataset, then `repeat` unchanged ones, hashing
// included. Prints {"initial": s, "unchanged": [s, ...]} on stdout. With `changed`, each re-sync
// has the output of 1 example in 100 changed (anew each run): {"initial": s, "changed": [s, ...],
// "changed_cpu": [[client CPU s], ...]}; "initial_cpu" is the initial sync's [client CPU s].
//
//   node bench/unchanged.mjs DIST BASE_URL EXAMPLES.jsonl DATASET REPEAT [changed]
//
// DIST is the directory of the SDK's built index.js (js/dist, or an older build to compare).
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const [dist, baseUrl, file, name, repeat, scenario] = process.argv.slice(2);
const { createClient, upsertDataset } = await import(pathToFileURL(`${dist}/index.js`).href);
// Line by line: a million examples of ~1 KB are more text than one string may hold.
const rows = [];
for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
  if (line !== "") {
    rows.push(JSON.parse(line));
  }
}
const client = createClient({ baseUrl, timeoutMs: 900_000 });
const dataset = { datasetName: name };
async function timed(examples = rows) {
  const started = performance.now();
  await upsertDataset({ client, dataset, examples, sourceIdKey: "id", progress: false });
  return (performance.now() - started) / 1000;
}
// Resident memory (MB) with the examples loaded, and the peak once the initial sync is done.
const rssRows = process.memoryUsage().rss / 2 ** 20;
const usedBefore = process.cpuUsage();
const initial = await timed();
const initialUsed = process.cpuUsage(usedBefore);
// The client's CPU seconds (every thread of the process), as bench_sdk.py's [client] figure.
const initialCpu = [(initialUsed.user + initialUsed.system) / 1e6];
const memory = { rss_rows_mb: rssRows, max_rss_initial_mb: process.resourceUsage().maxRSS / 1024 };
const runs = [];
const cpu = [];
for (let run = 0; run < Number(repeat); run++) {
  if (scenario === "changed") {
    // As bench_sdk.py's edited(): row i of every 100 gets a new output.
    const examples = rows.map((row, i) => (i % 100 === 0 ? { ...row, output: { answer: `run ${run} ${i}` } } : row));
    const used = process.cpuUsage();
    runs.push(await timed(examples));
    const { user, system } = process.cpuUsage(used);
    cpu.push([(user + system) / 1e6]);
  } else {
    runs.push(await timed());
  }
}
const figures =
  scenario === "changed"
    ? { initial, initial_cpu: initialCpu, changed: runs, changed_cpu: cpu, ...memory }
    : { initial, initial_cpu: initialCpu, unchanged: runs, ...memory };
process.stdout.write(`${JSON.stringify(figures)}\n`);
