// The diff between two versions (`/datasets/:id/diff?from=&to=`): created, deleted and updated
// examples as GET .../diff gives them; an updated example's old and new content side by side.
import { data, examples, expect, quickstart, test } from "./support/fixtures";

test("the diff shows the API's created, updated and deleted examples; an update side by side", async ({
  page,
  api,
}) => {
  const { dataset, versions } = await quickstart(api);
  const [newest, oldest] = versions as [(typeof versions)[0], (typeof versions)[0]];
  const diff = await data(
    api.GET("/v1/datasets/{dataset_id}/diff", {
      params: { path: { dataset_id: dataset.id }, query: { from_version_id: oldest.id, to_version_id: newest.id } },
    }),
  );
  expect([diff.created.length, diff.updated.length, diff.deleted.length]).toEqual([3, 2, 1]);
  await page.goto(`/datasets/${dataset.id}/diff?from=${oldest.id}&to=${newest.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    `Diff of ${dataset.name}: version ${oldest.id} → ${newest.id}`,
  );
  const kinds = page.getByRole("navigation", { name: "Kinds of change" });
  for (const kind of ["created", "updated", "deleted"] as const) {
    await expect(kinds.getByRole("link", { name: `${diff[kind].length} ${kind}` })).toBeVisible();
  }

  // Updated first: each one's parts in two columns, the changed ones marked.
  const updated = page.getByRole("region", { name: "Examples updated" });
  await expect(updated.locator("article header code")).toHaveText(diff.updated);
  const sourceId = diff.updated[0] ?? "";
  const [before, after] = await Promise.all(
    [oldest.id, newest.id].map(async (version) => {
      const answer = await examples(api, dataset.id, { version_id: version, source_id: [sourceId] });
      return answer.data[0];
    }),
  );
  const article = updated.locator("article").filter({ has: page.getByText(sourceId, { exact: true }) });
  const table = article.getByRole("table");
  await expect(table.getByRole("columnheader")).toHaveText(["Part", `Version ${oldest.id}`, `Version ${newest.id}`]);
  const parts = ["input", "output", "metadata"] as const;
  for (const part of parts) {
    const row = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: new RegExp(`^${part}`) }) });
    const changed = JSON.stringify(before?.[part]) !== JSON.stringify(after?.[part]);
    await expect(row.getByRole("rowheader")).toContainText(changed ? "changed" : "(same)");
  }
  await expect(article.locator(".changed, ins, del").first()).toBeVisible();

  // The other kinds, one click away.
  await kinds.getByRole("link", { name: `${diff.deleted.length} deleted` }).click();
  await expect(page).toHaveURL(/[?&]show=deleted/);
  await expect(page.getByRole("region", { name: "Examples deleted" }).locator("article header code")).toHaveText(
    diff.deleted,
  );
  await kinds.getByRole("link", { name: `${diff.created.length} created` }).click();
  await expect(page.getByRole("region", { name: "Examples created" }).locator("article header code")).toHaveText(
    diff.created,
  );
});

test("the version picker and Swap change the URL and the diff", async ({ page, api }) => {
  const { dataset, versions } = await quickstart(api);
  const [newest, oldest] = versions as [(typeof versions)[0], (typeof versions)[0]];
  await page.goto(`/datasets/${dataset.id}/diff`);
  // Without from/to: the latest version against the one before it.
  await expect(page).toHaveURL(`/datasets/${dataset.id}/diff?from=${oldest.id}&to=${newest.id}`);
  await page.getByRole("link", { name: "Swap" }).click();
  await expect(page).toHaveURL(`/datasets/${dataset.id}/diff?from=${newest.id}&to=${oldest.id}`);
  // Backwards, the created examples are the deleted ones.
  const reverse = await data(
    api.GET("/v1/datasets/{dataset_id}/diff", {
      params: { path: { dataset_id: dataset.id }, query: { from_version_id: newest.id, to_version_id: oldest.id } },
    }),
  );
  await expect(
    page.getByRole("navigation", { name: "Kinds of change" }).getByRole("link", { name: /created$/ }),
  ).toHaveText(`${reverse.created.length} created`);

  await page.getByLabel("From").selectOption(oldest.id);
  await page.getByLabel("To").selectOption(oldest.id);
  await page.getByRole("button", { name: "Show the diff" }).click();
  await expect(page).toHaveURL(`/datasets/${dataset.id}/diff?from=${oldest.id}&to=${oldest.id}`);
  await expect(page.getByText("The two versions hold the same examples with the same content.")).toBeVisible();
});

test("an unknown version shows the API's error, apart from the form, and no select pretends another version", async ({
  page,
  api,
}) => {
  const { dataset, versions } = await quickstart(api);
  const oldest = versions[versions.length - 1] as (typeof versions)[0];
  const answer = await api.GET("/v1/datasets/{dataset_id}/diff", {
    params: { path: { dataset_id: dataset.id }, query: { from_version_id: oldest.id, to_version_id: "999999" } },
  });
  expect(answer.response.status).toBe(404);
  await page.goto(`/datasets/${dataset.id}/diff?from=${oldest.id}&to=999999`);
  await expect(page).toHaveURL(`/datasets/${dataset.id}/diff?from=${oldest.id}&to=999999`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    `Diff of ${dataset.name}: version ${oldest.id} → 999999`,
  );
  const alert = page.getByRole("alert");
  await expect(alert).toContainText(answer.error?.detail ?? "?");
  await expect(page.getByLabel("From")).toHaveValue(oldest.id);
  await expect(page.getByLabel("To")).toHaveValue("");
  await expect(page.getByLabel("To").locator("option:checked")).toHaveText("Choose (no version 999999)");
  // The error card stands apart from the form above it.
  const form = await page.locator("form.version-picker").boundingBox();
  const card = await alert.boundingBox();
  expect((card?.y ?? 0) - ((form?.y ?? 0) + (form?.height ?? 0))).toBeGreaterThanOrEqual(12);
});
