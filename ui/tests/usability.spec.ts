// Every page: one <h1>, column headers with scope=col, no horizontal scroll of the page in a
// narrow window, the dark theme when the system asks for it; and keyboard navigation.
import type { Page } from "@playwright/test";
import { bodyOverflow, expect, quickstart, settled, test } from "./support/fixtures";

function luminance(color: string): number {
  const [r = 0, g = 0, b = 0] = (color.match(/[\d.]+/g) ?? []).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/** The page's background: the body's, or the root element's where the body has none (Pico). */
const background = (page: Page) =>
  page.evaluate(() => {
    const body = getComputedStyle(document.body).backgroundColor;
    const transparent = body === "transparent" || body === "rgba(0, 0, 0, 0)";
    return transparent ? getComputedStyle(document.documentElement).backgroundColor : body;
  });

const PAGES = ["datasets", "dataset", "examples", "diff", "experiment", "compare"] as const;

for (const name of PAGES) {
  test(`the ${name} page: one h1, scoped column headers, fits a narrow window, follows the dark theme`, async ({
    page,
    api,
  }) => {
    const { dataset, base, head, versions } = await quickstart(api);
    const [newest, oldest] = versions as [(typeof versions)[0], (typeof versions)[0]];
    const url = {
      datasets: "/",
      dataset: `/datasets/${dataset.id}`,
      examples: `/datasets/${dataset.id}/versions/${newest.id}`,
      diff: `/datasets/${dataset.id}/diff?from=${oldest.id}&to=${newest.id}`,
      experiment: `/experiments/${head.id}`,
      compare: `/compare?base=${base.id}&head=${head.id}`,
    }[name];
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(url);
    await settled(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveCount(1);
    const unscoped = await page
      .locator("thead th")
      .evaluateAll((cells) =>
        cells.filter((cell) => cell.getAttribute("scope") !== "col").map((cell) => cell.textContent),
      );
    expect(unscoped, "column headers without scope=col").toEqual([]);
    await expect(page.getByRole("alert")).toHaveCount(0);

    const light = await background(page);
    expect(luminance(light)).toBeGreaterThan(0.8);
    await page.emulateMedia({ colorScheme: "dark" });
    await expect.poll(() => background(page)).not.toBe(light);
    expect(luminance(await background(page))).toBeLessThan(0.2);

    await page.setViewportSize({ width: 360, height: 740 });
    await expect.poll(() => bodyOverflow(page), { message: "horizontal overflow at 360 px" }).toBeLessThanOrEqual(0);
  });
}

test("Tab reaches the links and Enter follows them", async ({ page, api }) => {
  const { dataset } = await quickstart(api);
  await page.goto("/");
  await settled(page);
  let focused = "";
  for (let press = 0; press < 30 && focused !== dataset.name; press++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() =>
      document.activeElement?.tagName === "A" ? document.activeElement.textContent : "",
    );
  }
  expect(focused, "Tab never reached the dataset's link").toBe(dataset.name);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(`/datasets/${dataset.id}`);
  // The URL changes before the router's transition renders the new page: until the dataset's own
  // heading shows, Tab could still land on the old page's links, which vanish under the Enter.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(dataset.name);
  await settled(page);

  // On the dataset's page, onwards to a version's examples by keyboard only.
  for (let press = 0; press < 40 && !/^version \d+$/.test(focused); press++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() =>
      document.activeElement?.tagName === "A" ? (document.activeElement.textContent ?? "") : "",
    );
  }
  expect(focused).toMatch(/^version \d+$/);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/datasets/${dataset.id}/versions/\\d+$`));
});

/** Each table wider than its container, or a cell whose content is cut (clipped, not wrapped). */
const clippedTables = (page: Page) =>
  page.locator("table").evaluateAll((tables) =>
    tables.flatMap((table, index) => {
      const container = table.parentElement;
      if (!container) return [];
      const name = `table ${index + 1} (${table.querySelector("thead")?.textContent?.replace(/\s+/g, " ").trim().slice(0, 60)})`;
      const problems: string[] = [];
      if (table.scrollWidth > container.clientWidth + 1) {
        problems.push(`${name}: ${table.scrollWidth} px wide in a container of ${container.clientWidth} px`);
      }
      for (const cell of table.querySelectorAll("th, td")) {
        if (cell.scrollWidth > cell.clientWidth + 1) {
          problems.push(
            `${name}: cell "${cell.textContent?.slice(0, 30)}" cut (${cell.scrollWidth} > ${cell.clientWidth})`,
          );
        }
      }
      return problems;
    }),
  );

for (const name of ["datasets", "dataset", "chart dataset", "compare"] as const) {
  test(`the ${name} page's tables fit a 1280 px window and a 390 px one without scrolling the page`, async ({
    page,
    api,
  }) => {
    const { datasets, dataset, base, head } = await quickstart(api);
    const chart = datasets.find((candidate) => candidate.name === "ui-chart");
    const url = {
      datasets: "/",
      dataset: `/datasets/${dataset.id}`,
      "chart dataset": `/datasets/${chart?.id}`,
      compare: `/compare?base=${base.id}&head=${head.id}`,
    }[name];
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(url);
    await settled(page);
    await expect(page.locator("table").first()).toBeVisible();
    expect(await clippedTables(page), "tables clipped at 1280 px").toEqual([]);
    expect(await bodyOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 390, height: 800 });
    await expect.poll(() => bodyOverflow(page), { message: "horizontal overflow at 390 px" }).toBeLessThanOrEqual(0);
    if (name === "datasets") expect(await clippedTables(page), "tables clipped at 390 px").toEqual([]);
  });
}
