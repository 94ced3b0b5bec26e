// The datasets list (`/`) against GET /v1/datasets, and its links.
import { data, expect, format, quickstart, readTable, test } from "./support/fixtures";

test("the datasets page lists every dataset with the API's latest version, example count and tags", async ({
  page,
  api,
}) => {
  const answer = await data(api.GET("/v1/datasets", { params: { query: { limit: 100 } } }));
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Datasets");
  const rows = await readTable(page.getByRole("table"));
  expect(rows.map((row) => row.Name?.split(" ")[0])).toEqual(
    expect.arrayContaining(answer.data.map((dataset) => dataset.name)),
  );
  expect(rows).toHaveLength(answer.data.length);
  for (const dataset of answer.data) {
    const row = rows.find((candidate) => candidate.Name?.startsWith(dataset.name));
    expect(row, dataset.name).toBeDefined();
    expect(row?.["Latest version"]).toBe(`version ${dataset.latest_version_id}`);
    expect(row?.Examples).toBe(format.count(dataset.example_count));
    for (const tag of dataset.tags ?? []) expect(row?.Tags).toContain(tag);
    if (dataset.description) expect(row?.Name).toContain(dataset.description);
  }
  const many = answer.data.find((dataset) => dataset.name === "ui-many");
  expect(many?.tags).toEqual(["stable"]);
  expect(many?.example_count).toBe(130);
});

test("a dataset's name leads to its page, its latest version to that version's examples", async ({ page, api }) => {
  const { dataset } = await quickstart(api);
  await page.goto("/");
  await page.getByRole("link", { name: dataset.name, exact: true }).click();
  await expect(page).toHaveURL(`/datasets/${dataset.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(dataset.name);

  await page.goBack();
  await page
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name: dataset.name, exact: true }) })
    .getByRole("link", { name: `Examples of version ${dataset.latest_version_id}` })
    .click();
  await expect(page).toHaveURL(`/datasets/${dataset.id}/versions/${dataset.latest_version_id}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(dataset.name);
});
