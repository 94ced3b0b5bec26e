// Benchmark of the groundset Node binding; run by `just bench` (in js/, after the build).
//
// Data: 100,000 typical examples made by fixtures/bench/generate_examples.py (the data of the
// Python benchmark), held in memory; and a ~500 MB JSONL file made by the same script, read by hashFile. Prints a
// markdown table and writes it to ../bench-results/js-hashing.md.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import canonicalize from "canonicalize";
import { hashExamples, hashFile, manifestDigest } from "../dist/index.js";
import { native } from "../dist/native.js";

const generator = fileURLToPath(new URL("../../fixtures/bench/generate_examples.py", import.meta.url));
const resultsFile = fileURLToPath(new URL("../../bench-results/js-hashing.md", import.meta.url));

function generate(dir, name, args) {
  const file = join(dir, name);
  execFileSync("python3", [generator, ...args, "--out", file], { stdio: ["ignore", "ignore", "inherit"] });
  return file;
}

/** Wall-clock times (ms) of `runs` calls of `call`, after one warm-up call; and the last result. */
async function time(runs, call) {
  let result = await call();
  const times = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    result = await call();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], best: times[0], result };
}

/** The peer: the npm package `canonicalize` (RFC 8785 in JS) and node:crypto SHA-256. */
function peerHashes(examples) {
  return examples.map(({ input, metadata, output }) =>
    createHash("sha256")
      .update(canonicalize({ input, metadata: metadata ?? {}, output: output ?? {} }))
      .digest("hex"),
  );
}

/**
 * The mechanism not chosen, for comparison: a JS walk that refuses what JSON.stringify would
 * quietly change (NaN, Dates, functions, ...), then JSON.stringify of the whole batch, parsed
 * and hashed by the core as text with integer literals read as doubles.
 */
function checkedStringifyHashes(examples) {
  const check = (value, depth) => {
    if (typeof value === "string" || typeof value === "boolean" || value === null) {
      return;
    }
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new Error("non_finite_number");
      return;
    }
    if (typeof value !== "object" || depth >= 128) throw new Error("unsupported_type or depth_exceeded");
    const proto = Object.getPrototypeOf(value);
    if (Array.isArray(value)) {
      if (proto !== Array.prototype) throw new Error("unsupported_type");
      for (const item of value) check(item, depth + 1);
      return;
    }
    if ((proto !== Object.prototype && proto !== null) || typeof value.toJSON === "function") {
      throw new Error("unsupported_type");
    }
    for (const member of Object.values(value)) if (member !== undefined) check(member, depth + 1);
  };
  const records = examples.map(({ input, metadata, output }) => {
    check(input, 1);
    check(metadata ?? {}, 1);
    check(output ?? {}, 1);
    return { input, metadata, output };
  });
  return native.hashExamplesJson(JSON.stringify(records));
}

const dir = mkdtempSync(join(tmpdir(), "groundset-bench-"));
const rows = [];
const notes = [];
const loadBefore = loadavg();
try {
  // --- hashExamples on 100,000 examples held in memory ---
  const examplesFile = generate(dir, "examples.jsonl", ["--count", "100000"]);
  const examples = readFileSync(examplesFile, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const { input, output, metadata } = JSON.parse(line);
      return { input, output, metadata };
    });
  const megabytes = statSync(examplesFile).size / 1e6;
  const count = examples.length;

  const ours = await time(5, () => hashExamples(examples));
  const peer = await time(3, () => peerHashes(examples));
  const text = await time(3, () => checkedStringifyHashes(examples));
  const agree = (a, b) => a.length === b.length && a.every((hash, i) => hash === b[i]);
  if (!agree(ours.result, peer.result) || !agree(ours.result, text.result)) {
    throw new Error("the hashes of the compared implementations differ");
  }
  const perSecond = (ms) => `${Math.round(count / (ms / 1000)).toLocaleString("en-US")} examples/s`;
  rows.push([
    `hashExamples, ${count.toLocaleString("en-US")} examples (${megabytes.toFixed(0)} MB as JSONL)`,
    ours.median,
    ours.best,
    perSecond(ours.median),
    `${(peer.median / ours.median).toFixed(2)}x faster than the peer (goal: 4x)`,
  ]);
  rows.push([
    "peer: npm canonicalize + node:crypto SHA-256, per example",
    peer.median,
    peer.best,
    perSecond(peer.median),
    "1.00x",
  ]);
  rows.push([
    "not chosen: checked JSON.stringify of the batch, core parses the text",
    text.median,
    text.best,
    perSecond(text.median),
    `${(peer.median / text.median).toFixed(2)}x faster than the peer`,
  ]);

  // --- hashFile on a ~500 MB JSONL file (the core's reader; hashJsonl is its JSONL alias) ---
  rmSync(examplesFile);
  const bigFile = generate(dir, "big.jsonl", ["--count", "0", "--target-mb", "500"]);
  const bytes = statSync(bigFile).size;
  const rate = (ms) => `${Math.round(bytes / 1e6 / (ms / 1000))} MB/s`;
  const two = await time(3, () => hashFile(bigFile, { sourceIdKey: "id", threads: 2 }));
  const one = await time(2, () => hashFile(bigFile, { sourceIdKey: "id", threads: 1 }));
  if (manifestDigest(two.result) !== manifestDigest(one.result)) {
    throw new Error("hashFile on 1 and 2 threads disagree");
  }
  const records = two.result.length.toLocaleString("en-US");
  rows.push([
    `hashFile (JSONL), ${(bytes / 1e6).toFixed(0)} MB (${records} records), 2 threads`,
    two.median,
    two.best,
    rate(two.median),
    `${(one.median / two.median).toFixed(2)}x the 1-thread rate (goal: 400 MB/s)`,
  ]);
  rows.push([`hashFile (JSONL), same file, 1 thread`, one.median, one.best, rate(one.median), "1.00x"]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const loadAfter = loadavg();
notes.push(
  `Node ${process.version} on ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}; ` +
    `load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after ` +
    "(the machine is shared: other processes used the CPU during the run, so figures vary from run to run).",
  "Times are the median (and best) of 5 (hashExamples), 3 (peer, text, hashFile on 2 threads) or 2 runs, after a warm-up run. " +
    "Every implementation's hashes were checked equal.",
);
const format = (ms) => `${ms.toFixed(0)} ms`;
const table = [
  `# groundset JS hashing benchmark (${new Date().toISOString().slice(0, 10)})`,
  "",
  "| case | median | best | throughput | ratio |",
  "| --- | ---: | ---: | ---: | --- |",
  ...rows.map(
    ([name, median, best, throughput, ratio]) =>
      `| ${name} | ${format(median)} | ${format(best)} | ${throughput} | ${ratio} |`,
  ),
  "",
  ...notes.map((note) => `- ${note}`),
  "",
].join("\n");
mkdirSync(join(resultsFile, ".."), { recursive: true });
writeFileSync(resultsFile, table);
console.log(table);
