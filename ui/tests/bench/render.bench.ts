// `just ui::bench`: the first-screen render time of each page on 100,000 examples and
// experiments of 100,000 runs, in Chromium: from the navigation's start to the page's <h1> and
// its main table's first row on screen with nothing left loading (performance.now() in the page,
// whose origin is the navigation's start): the first load (cold caches), then the median of 5
// more (the hashed assets cached, as for any visit after the first). Writes bench-results/ui.md;
// nothing is asserted (the 1 s target is reported, not enforced).
import { writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { test } from "@playwright/test";
import { ROOT } from "../support/servers";

const RUNS = 5;
const TARGET_MS = 1000;

interface Ids {
  dataset: string;
  from: string;
  to: string;
  base: string;
  head: string;
  examples: number;
  runs: number;
}

declare global {
  interface Window {
    __firstScreen?: number;
  }
}

test.use({ baseURL: process.env.GROUNDSET_BENCH_URL, viewport: { width: 1280, height: 800 } });

test("first-screen render time of every page", async ({ page }) => {
  test.setTimeout(15 * 60_000);
  const ids = JSON.parse(process.env.GROUNDSET_BENCH_IDS ?? "{}") as Ids;
  const pages: [string, string, string][] = [
    ["datasets", "/", "the datasets table"],
    ["dataset", `/datasets/${ids.dataset}`, "the experiments table"],
    ["examples", `/datasets/${ids.dataset}/versions/${ids.to}`, "the first page of examples"],
    ["diff", `/datasets/${ids.dataset}/diff?from=${ids.from}&to=${ids.to}`, "the first page of changes"],
    ["experiment", `/experiments/${ids.head}`, "the summary and the first page of runs"],
    ["compare", `/compare?base=${ids.base}&head=${ids.head}`, "the aggregates and the first page of examples"],
  ];
  // Marks the first animation frame in which the page shows its <h1> and a row of a table in
  // <main>, with no element of <main> still loading (aria-busy).
  await page.addInitScript(() => {
    const ready = () =>
      document.querySelector("main h1") !== null &&
      document.querySelector("main table tbody tr") !== null &&
      document.querySelector('main [aria-busy="true"]') === null;
    const check = () => {
      if (window.__firstScreen === undefined && ready()) {
        requestAnimationFrame(() => {
          window.__firstScreen ??= performance.now();
        });
      }
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
  });
  const rows: string[] = [];
  for (const [name, url, what] of pages) {
    const times: number[] = [];
    let first = Number.NaN;
    const slowest: { ms: number; path: string }[] = [];
    let failure = "";
    for (let load = 0; load <= RUNS; load++) {
      await page.goto(url, { waitUntil: "commit" });
      try {
        await page.waitForFunction(() => window.__firstScreen !== undefined, null, { timeout: 30_000 });
      } catch {
        failure = "no table within 30 s";
        break;
      }
      const [ms, api] = await page.evaluate(() => {
        // The slowest API call the page made before its first screen (Resource Timing).
        const calls = performance
          .getEntriesByType("resource")
          .map((entry) => entry as PerformanceResourceTiming)
          .filter((entry) => new URL(entry.name).pathname.startsWith("/v1/"))
          .map((entry) => ({ ms: entry.responseEnd - entry.startTime, path: new URL(entry.name).pathname }));
        calls.sort((a, b) => b.ms - a.ms);
        return [window.__firstScreen ?? Number.NaN, calls[0] ?? { ms: 0, path: "" }] as const;
      });
      if (load === 0) first = ms;
      else {
        times.push(ms);
        slowest.push(api);
      }
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    slowest.sort((a, b) => a.ms - b.ms);
    const api = slowest[Math.floor(slowest.length / 2)];
    const cells =
      failure || median === undefined
        ? [failure || "no measurement", "", "", "", "", ""]
        : [
            first.toFixed(0),
            median.toFixed(0),
            (times[0] ?? 0).toFixed(0),
            (times.at(-1) ?? 0).toFixed(0),
            median <= TARGET_MS ? "yes" : "**no**",
            api ? `${api.ms.toFixed(0)} \`${api.path}\`` : "",
          ];
    rows.push(`| ${name} | \`${url}\` | ${what} | ${cells.join(" | ")} |`);
    console.log(rows.at(-1));
  }
  const load = loadavg().map((value) => value.toFixed(1));
  const about = [
    `Written by \`just ui::bench\` (ui/tests/bench/) on ${new Date().toISOString().slice(0, 16)}Z: groundset-server on`,
    `SQLite with a dataset of ${ids.examples.toLocaleString("en-US")} examples (version ${ids.to}; version ${ids.from}`,
    "before it: 1% edited, 0.1% deleted, 0.1% added) and two experiments of",
    `${ids.runs.toLocaleString("en-US")} runs each (two evaluators; 2% of the head's runs failed), written in`,
    `${process.env.GROUNDSET_BENCH_SEED_SECONDS ?? "?"} s. Chromium ${page.context().browser()?.version() ?? "?"},`,
    "headless, 1280×800. Time from the navigation's start to the first frame showing the page's",
    "`<h1>` and a row of its main table with nothing still loading, in milliseconds: the median,",
    `best and worst of ${RUNS} loads after a first one (shown apart: the server's caches, e.g. a`,
    `comparison's, are cold then, and the browser loads the assets). Target: ${TARGET_MS} ms. The last column: the`,
    "page's slowest REST call before its first screen (Resource Timing), the median over the loads:",
    "where it is most of the time, the server's answer is what to make faster.",
    `Load average at the end (1, 5, 15 min): ${load.join(", ")} on ${availableParallelism()} cores.`,
  ].join(" ");
  const text = [
    "# Web UI: first-screen render time",
    "",
    ...wrap(about, 100),
    "",
    "| page | URL | first screen | first load ms | median ms | best | worst | within 1 s | slowest API call (median ms) |",
    "|---|---|---|---:|---:|---:|---:|---|---|",
    ...rows,
    "",
  ].join("\n");
  writeFileSync(path.join(ROOT, "bench-results", "ui.md"), text);
});

/** `text` in lines of at most `width` characters, broken at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
