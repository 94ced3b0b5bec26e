// `just ui::bench`: the browser test's browser on the benchmark's data (tests/bench/).
import { defineConfig } from "@playwright/test";
import config from "./playwright.config";

export default defineConfig({
  ...config,
  testDir: "tests/bench",
  testMatch: "*.bench.ts",
  globalSetup: "./tests/bench/global-setup.ts",
  workers: 1,
  fullyParallel: false,
  timeout: 15 * 60_000,
});
