// `just ui::bench`'s server: groundset-server on a temporary SQLite database holding what
// tests/bench/generate.py writes (100,000 examples in two versions, two experiments of 100,000
// runs). The ids reach render.bench.ts as GROUNDSET_BENCH_* environment variables.
import { runPython, startServer } from "../support/servers";

export default async function benchSetup(): Promise<() => Promise<void>> {
  const server = await startServer();
  try {
    const started = Date.now();
    const count = process.env.GROUNDSET_BENCH_COUNT ?? "100000";
    const output = await runPython(server, "ui/tests/bench/generate.py", ["--count", count]);
    const line = output.trim().split("\n").at(-1) ?? "{}";
    process.env.GROUNDSET_BENCH_URL = server.url;
    process.env.GROUNDSET_BENCH_IDS = line;
    process.env.GROUNDSET_BENCH_SEED_SECONDS = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`bench data written in ${process.env.GROUNDSET_BENCH_SEED_SECONDS} s: ${line}`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return () => server.stop();
}
