// Starts a real groundset-server on a free loopback port with a temporary SQLite database for
// the whole run, and stops it at the end. Tests reach it through `inject("groundset")`.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    groundset: { baseUrl: string; apiKey: string; databaseUrl: string };
  }
}

// GROUNDSET_TEST_SERVER: another groundset-server executable to test against.
const SERVER = process.env.GROUNDSET_TEST_SERVER ?? resolve(import.meta.dirname, "../../.venv/bin/groundset-server");
const API_KEY = "vitest-key";

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address !== null ? resolvePort(address.port) : reject()));
    });
  });
}

async function waitForHealth(url: string, server: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.pid === undefined) {
      throw new Error(`cannot start ${SERVER}: run \`just build\` (it installs groundset-server into .venv)`);
    }
    if (server.exitCode !== null) {
      throw new Error(`groundset-server exited with ${server.exitCode}:\n${output()}`);
    }
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`groundset-server did not answer /health within 60 s:\n${output()}`);
}

/** A running groundset-server: its URL, its database, and how to stop it. */
export interface RunningServer {
  baseUrl: string;
  databaseUrl: string;
  stop: () => Promise<void>;
}

/**
 * Starts a groundset-server on a free loopback port with the test API key: on a new SQLite
 * database of its own, or on `databaseUrl` (another process's, as behind a load balancer), with
 * `env` added to its environment.
 */
export async function startServer(
  options: { databaseUrl?: string; env?: Record<string, string> } = {},
): Promise<RunningServer> {
  const directory = mkdtempSync(join(tmpdir(), "groundset-js-"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const databaseUrl = options.databaseUrl ?? `sqlite:///${join(directory, "test.db")}`;
  const server = spawn(
    SERVER,
    ["serve", "--host", "127.0.0.1", "--port", String(port), "--database-url", databaseUrl, "--log-level", "warning"],
    { env: { ...process.env, GROUNDSET_API_KEY: API_KEY, ...options.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  // A missing executable: no process, and an "error" event instead of an exit.
  server.on("error", () => {});
  server.stdout?.on("data", keep);
  server.stderr?.on("data", keep);
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((done) => server.once("exit", done));
      server.kill("SIGTERM");
      await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
      if (server.exitCode === null) {
        server.kill("SIGKILL");
      }
    }
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await waitForHealth(baseUrl, server, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, databaseUrl, stop };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { baseUrl, databaseUrl, stop } = await startServer();
  project.provide("groundset", { baseUrl, apiKey: API_KEY, databaseUrl });
  return stop;
}
