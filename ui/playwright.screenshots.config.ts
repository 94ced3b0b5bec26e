// `just ui::screenshots`: the browser test's setup and browser, running tests/screenshots.shots.ts.
import { defineConfig } from "@playwright/test";
import config from "./playwright.config";

export default defineConfig({
  ...config,
  testMatch: "screenshots.shots.ts",
  timeout: 120_000,
});
