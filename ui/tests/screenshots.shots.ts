// `just ui::screenshots`: each page in the light and the dark theme at 1280×800 into
// docs/ui/<page>-<theme>.png (docs/ui.md shows them), on the quickstart's data that
// tests/global-setup.ts loads. Run by playwright.screenshots.config.ts, not by the test.
import path from "node:path";
import type { Page } from "@playwright/test";
import { quickstart, settled, test } from "./support/fixtures";
import { ROOT } from "./support/servers";

const OUT = path.join(ROOT, "docs", "ui");

async function drawn(page: Page): Promise<void> {
  await settled(page);
  // Chart.js animates its first drawing.
  await page.waitForTimeout(1200);
}

for (const theme of ["light", "dark"] as const) {
  test.describe(theme, () => {
    test.use({ colorScheme: theme, viewport: { width: 1280, height: 800 } });

    test(`every page in the ${theme} theme`, async ({ page, api }) => {
      const { dataset, base, head, versions } = await quickstart(api);
      const [newest, oldest] = versions as [(typeof versions)[0], (typeof versions)[0]];
      const pages: [string, string][] = [
        ["datasets", "/"],
        ["dataset", `/datasets/${dataset.id}`],
        ["examples", `/datasets/${dataset.id}/versions/${newest.id}`],
        ["diff", `/datasets/${dataset.id}/diff?from=${oldest.id}&to=${newest.id}`],
        ["experiment", `/experiments/${head.id}`],
        ["compare", `/compare?base=${base.id}&head=${head.id}`],
      ];
      for (const [name, url] of pages) {
        await page.goto(url);
        await drawn(page);
        await page.screenshot({ path: path.join(OUT, `${name}-${theme}.png`) });
      }
    });
  });
}
