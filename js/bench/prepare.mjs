// The client-side CPU of an upsert of examples in memory, without the server (issue 19): what
// `upsertDataset({ examples, sourceIdKey })` does before its one request of an unchanged
// re-sync. `hashBatch` (tape in JS, canonical JSON and SHA-256 in the core) and
// `prepareExamples` (that, source ids and the repeat check) then the manifest digest, each timed
// `RUNS` times on the typical examples of fixtures/bench/generate_examples.py. Wall time, the
// process's CPU seconds (every thread) and the main thread's alone (from /proc, Linux), with
// the load average, since a busy machine stretches wall time far more than CPU time.
//
//   node bench/prepare.mjs [COUNT=100000] [RUNS=5]     (after `just build`, in js/)
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { hashBatch, manifestDigestOfColumns } from "../dist/hash.js";
import { prepareExamples } from "../dist/records.js";

const [count = "100000", runs = "5"] = process.argv.slice(2);
const generator = fileURLToPath(new URL("../../fixtures/bench/generate_examples.py", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "groundset-prepare-"));
const rows = [];
try {
  const file = join(dir, "examples.jsonl");
  execFileSync("python3", [generator, "--count", count, "--out", file], { stdio: ["ignore", "ignore", "inherit"] });
  // Line by line: a million examples are more text than one string may hold.
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line !== "") {
      rows.push(JSON.parse(line));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * CPU seconds of the main thread: the first field of /proc/self/task/PID/schedstat, its time on
 * a CPU in nanoseconds (utime + stime of .../stat count 10 ms ticks, too coarse for 0.2 s).
 */
function mainThreadCpu() {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
}

function measure(work) {
  const samples = [];
  for (let run = 0; run < Number(runs); run++) {
    const [main, cpu, started] = [mainThreadCpu(), process.cpuUsage(), performance.now()];
    work();
    const used = process.cpuUsage(cpu);
    samples.push({
      wall: (performance.now() - started) / 1000,
      cpu: (used.user + used.system) / 1e6,
      main: mainThreadCpu() - main,
    });
  }
  const median = (key) => samples.map((sample) => sample[key]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  return { wall: median("wall"), cpu: median("cpu"), main: median("main") };
}

const before = loadavg();
const figures = {
  "hashBatch (member rule)": measure(() => hashBatch(rows, true, { idKey: "id", anyMembers: false })),
  // As upsertDataset: the digest the core found while hashing, else one from the columns.
  "prepareExamples + manifest digest": measure(() => {
    const prepared = prepareExamples(rows, { sourceIdKey: "id" });
    return prepared.digest ?? manifestDigestOfColumns(prepared.sourceIds, prepared.contentHashes);
  }),
};
const after = loadavg();
const lines = [
  `${Number(count).toLocaleString("en")} typical examples, ${cpus().length} cores, Node ${process.version}; ` +
    `load average ${before.map((x) => x.toFixed(2)).join(" / ")} before, ${after.map((x) => x.toFixed(2)).join(" / ")} after; ` +
    `median of ${runs} runs.`,
  "",
  "| work | wall (s) | CPU, all threads (s) | CPU, main thread (s) |",
  "| --- | ---: | ---: | ---: |",
  ...Object.entries(figures).map(
    ([work, { wall, cpu, main }]) => `| ${work} | ${wall.toFixed(3)} | ${cpu.toFixed(3)} | ${main.toFixed(3)} |`,
  ),
];
process.stdout.write(`${lines.join("\n")}\n`);
