// The TypeScript SDK's unchanged re-sync (issue 19), run by python/benches/bench_sdk.py
// --unchanged-counts against the server it started (SQLite or PostgreSQL), on the examples it
// wrote as JSONL: an initial sync of a new dataset, then `repeat` unchanged ones, hashing
// included. Prints {"initial": s, "unchanged": [s, ...]} on stdout.
//
//   node bench/unchanged.mjs DIST BASE_URL EXAMPLES.jsonl DATASET REPEAT
//
// DIST is the directory of the SDK's built index.js (js/dist, or an older build to compare).
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const [dist, baseUrl, file, name, repeat] = process.argv.slice(2);
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
async function timed() {
  const started = performance.now();
  await upsertDataset({ client, dataset, examples: rows, sourceIdKey: "id", progress: false });
  return (performance.now() - started) / 1000;
}
const initial = await timed();
const unchanged = [];
for (let run = 0; run < Number(repeat); run++) {
  unchanged.push(await timed());
}
process.stdout.write(`${JSON.stringify({ initial, unchanged })}\n`);
