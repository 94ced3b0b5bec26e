// Real groundset servers for the browser test and the benchmark: `.venv/bin/groundset-server
// serve` on a free loopback port with a SQLite file in a temporary directory (what
// scripts/local_server.py does for the demo and the docs tests), and the project's Python to run
// the quickstart and the seeding scripts against them.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const VENV_BIN = path.join(ROOT, ".venv", "bin");
export const PYTHON = path.join(VENV_BIN, "python");
const SERVER = path.join(VENV_BIN, "groundset-server");
const UI_INDEX = path.join(ROOT, "server", "groundset_server", "ui_dist", "index.html");
const START_MS = 60_000;

export interface Server {
  url: string;
  pid: number;
  apiKey: string | null;
  directory: string;
  stop(): Promise<void>;
  log(): string;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Fails with the recipe to run when the server or the UI's build is missing. */
export function checkBuilt(): void {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`just build\` first`);
  if (!existsSync(UI_INDEX)) throw new Error(`${UI_INDEX} is missing: run \`just ui::build\` first`);
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/** Starts a server (with GROUNDSET_API_KEY when `apiKey` is given) and waits for its /health. */
export async function startServer({ apiKey = null }: { apiKey?: string | null } = {}): Promise<Server> {
  checkBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const directory = mkdtempSync(path.join(tmpdir(), "groundset-ui-"));
  const logPath = path.join(directory, "server.log");
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("GROUNDSET_")),
  );
  if (apiKey !== null) env.GROUNDSET_API_KEY = apiKey;
  const log = openSync(logPath, "w");
  const argv = ["serve", "--host", "127.0.0.1", "--port", String(port), "--log-level", "warning"];
  argv.push("--database-url", `sqlite:///${path.join(directory, "groundset.db")}`);
  const child = spawn(SERVER, argv, { env, stdio: ["ignore", log, log] });
  const readLog = () => (existsSync(logPath) ? readFileSync(logPath, "utf8").slice(-4000) : "");
  const server: Server = {
    url,
    pid: child.pid ?? 0,
    apiKey,
    directory,
    log: readLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited(child);
        clearTimeout(timer);
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + START_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const text = readLog();
      await server.stop();
      throw new Error(`groundset-server exited with ${child.exitCode}:\n${text}`);
    }
    try {
      const answer = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (answer.ok) return server;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const text = readLog();
  await server.stop();
  throw new Error(`groundset-server did not answer /health within ${START_MS / 1000} s:\n${text}`);
}

/** Runs a Python script of the repository with the project's .venv against `server`. */
export function runPython(server: Server, script: string, args: string[] = []): Promise<string> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("GROUNDSET_")),
  );
  env.GROUNDSET_BASE_URL = server.url;
  if (server.apiKey !== null) env.GROUNDSET_API_KEY = server.apiKey;
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [path.join(ROOT, script), ...args],
      { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${script} ${args.join(" ")} failed (${error.message}):\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
