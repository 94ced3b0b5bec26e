// A version's examples (`/datasets/:id/versions/:versionId`): server-side pages, `?q=` search of
// source ids and text, collapsible JSON; against GET .../examples.
import type { Locator } from "@playwright/test";
import { examples, expect, quickstart, test } from "./support/fixtures";

/** The rows' source ids (data-source-id), in order. */
const sourceIds = (rows: Locator) => rows.evaluateAll((list) => list.map((row) => row.getAttribute("data-source-id")));

test("the examples page shows the API's first page of the version, in order, with each example's JSON", async ({
  page,
  api,
}) => {
  const { dataset, versions } = await quickstart(api);
  const [newest] = versions as [(typeof versions)[0]];
  const answer = await examples(api, dataset.id, { version_id: newest.id, limit: 25 });
  expect(answer.data).toHaveLength(22);
  await page.goto(`/datasets/${dataset.id}/versions/${newest.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`${dataset.name}, version ${newest.id}`);
  const table = page.getByRole("table");
  await expect(table.locator("tbody tr")).toHaveCount(answer.data.length);
  await expect
    .poll(() => sourceIds(table.locator("tbody tr")))
    .toEqual(answer.data.map((example) => example.source_id));
  const first = answer.data[0];
  const row = table.locator("tbody tr").first();
  await expect(row).toContainText(String(first?.input.question));
  await expect(row).toContainText(String(first?.output.answer));
  await expect(row).toContainText(String(first?.metadata.topic));
  // An example unchanged since version 1 says where it comes from.
  const older = answer.data.find((example) => example.version_id !== newest.id);
  if (older) {
    await expect(table.locator(`tbody tr[data-source-id="${older.source_id}"]`)).toContainText(
      `since version ${older.version_id}`,
    );
  }
});

test("the JSON of an example collapses and expands", async ({ page, api }) => {
  const { many } = await quickstart(api);
  await page.goto(`/datasets/${many.id}/versions/${many.latest_version_id}`);
  const cell = page.locator("tbody tr").first().locator("td").first();
  await expect(cell).toContainText("What is item 0?");
  await cell.getByRole("button", { name: "collapse JSON" }).click();
  await expect(cell).not.toContainText("What is item 0?");
  await expect(cell.getByRole("button", { name: "collapse JSON" })).toHaveCount(0);
  await cell.getByRole("button", { name: /expand JSON/ }).click();
  await expect(cell).toContainText("What is item 0?");
});

test("paging goes through the version's examples as the API's cursor does, and back", async ({ page, api }) => {
  const { many } = await quickstart(api);
  const read = (cursor: string | null, limit: number) =>
    examples(api, many.id, { version_id: many.latest_version_id, cursor, limit });
  const first = await read(null, 25);
  const second = await read(first.next_cursor, 25);
  const ids = (answer: typeof first) => answer.data.map((example) => example.source_id);
  const shown = page.locator("tbody tr[data-source-id]");

  await page.goto(`/datasets/${many.id}/versions/${many.latest_version_id}`);
  await expect.poll(() => sourceIds(shown)).toEqual(ids(first));
  const pager = page.getByRole("navigation", { name: "Pages of examples" });
  await pager.getByRole("link", { name: /Next/ }).click();
  await expect(page).toHaveURL(/[?&]cursor=/);
  await expect.poll(() => sourceIds(shown)).toEqual(ids(second));
  await pager.getByRole("link", { name: /Previous/ }).click();
  await expect.poll(() => sourceIds(shown)).toEqual(ids(first));
  await expect(page).not.toHaveURL(/cursor=/);

  // 100 a page: 2 pages of 130, the second without a next one.
  await page.getByLabel("Per page").selectOption("100");
  await expect(shown).toHaveCount(100);
  await pager.getByRole("link", { name: /Next/ }).click();
  await expect(shown).toHaveCount(30);
  await expect.poll(async () => (await sourceIds(shown)).at(-1)).toBe("item-129");
  await expect(pager.getByRole("link", { name: /Next/ })).toHaveCount(0);

  // A page's URL can be shared: opened anew, it shows the same examples.
  const url = page.url();
  await page.goto(url);
  await expect(shown).toHaveCount(30);
});

test("search finds examples by text and by source id as the API's q does; no match says so", async ({ page, api }) => {
  const { many } = await quickstart(api);
  const search = async (q: string) =>
    (await examples(api, many.id, { version_id: many.latest_version_id, q, limit: 25 })).data.map(
      (example) => example.source_id,
    );
  const shown = page.locator("tbody tr[data-source-id]");
  await page.goto(`/datasets/${many.id}/versions/${many.latest_version_id}`);
  const box = page.getByRole("searchbox", { name: "Search source ids and text" });

  await box.fill("Zebra");
  await box.press("Enter");
  await expect(page).toHaveURL(/[?&]q=Zebra/);
  expect(await search("Zebra")).toEqual(["item-077"]);
  await expect.poll(() => sourceIds(shown)).toEqual(["item-077"]);
  // The line above the table says the search reads text too, not only ids.
  await expect(
    page.getByText("Examples whose source id or text matches “Zebra”, oldest first, 1 on this page."),
  ).toBeVisible();

  await box.fill("needle-42");
  await page.getByRole("button", { name: "Search" }).click();
  expect(await search("needle-42")).toEqual(["needle-42"]);
  await expect.poll(() => sourceIds(shown)).toEqual(["needle-42"]);

  // "item 1" is in the text of items 1, 10-19 and 100-129.
  await box.fill("item 1");
  await box.press("Enter");
  await expect.poll(() => sourceIds(shown)).toEqual(await search("item 1"));

  await box.fill("no such words anywhere");
  await box.press("Enter");
  await expect(page.getByText("No example of this version matches")).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);

  // The search is in the URL: opened anew, the page searches again.
  await page.goto(`/datasets/${many.id}/versions/${many.latest_version_id}?q=zebra`);
  await expect(box).toHaveValue("zebra");
  await expect.poll(() => sourceIds(shown)).toEqual(["item-077"]);
});
