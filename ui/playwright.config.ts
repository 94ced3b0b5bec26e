// The browser test (`just ui::test`): Playwright's runner driving Debian's Chromium
// (/usr/bin/chromium, headless; Playwright's own browser builds are never downloaded) against
// real groundset servers that tests/global-setup.ts starts.
import { defineConfig } from "@playwright/test";

export const CHROMIUM = process.env.GROUNDSET_CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "tests",
  globalSetup: "./tests/global-setup.ts",
  fullyParallel: true,
  // The machine has two cores, shared with the servers.
  workers: 2,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 30_000,
  // Generous: the two cores are shared with the servers (and, on a developer machine, with builds).
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    browserName: "chromium",
    headless: true,
    launchOptions: { executablePath: CHROMIUM },
    // Numbers and dates as the tests format them from the API's answers.
    locale: "en-US",
    timezoneId: "UTC",
    viewport: { width: 1280, height: 800 },
    // Traces cost time on every test; `npx playwright test --trace retain-on-failure` to get them.
    trace: "off",
  },
});
