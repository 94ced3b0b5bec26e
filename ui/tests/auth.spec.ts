// The API-key prompt, on the server started with GROUNDSET_API_KEY: a 401 asks for the key, a
// wrong key asks again, the right one is kept in sessionStorage (groundset.apiKey) for the
// browser session, and a later 401 returns to the prompt.
import { expect, servers, test } from "./support/fixtures";

// Read when the tests run (global-setup.ts sets it), not when they are listed.
test.use({ baseURL: process.env.GROUNDSET_UI_KEYED_URL });

test("the key prompt: asked on 401, refused when wrong, kept for the session, asked again on a later 401", async ({
  page,
}) => {
  const bare = await fetch(`${servers.keyed()}/v1/datasets`);
  expect(bare.status).toBe(401);
  const keyed = await fetch(`${servers.keyed()}/v1/datasets`, {
    headers: { Authorization: `Bearer ${servers.key()}` },
  });
  const names = ((await keyed.json()) as { data: { name: string }[] }).data.map((dataset) => dataset.name);
  expect(names).toEqual(["ui-many"]);

  await page.goto("/");
  const field = page.getByLabel("API key");
  await expect(field).toBeVisible();
  await expect(field).toHaveAttribute("type", "password");
  await expect(page.getByRole("link", { name: "ui-many" })).toHaveCount(0);

  await field.fill("not-the-key");
  await field.press("Enter");
  await expect(page.getByText("The server refused the API key")).toBeVisible();
  await expect(page.getByLabel("API key")).toHaveValue("");
  expect(await page.evaluate(() => sessionStorage.getItem("groundset.apiKey"))).toBeNull();

  await page.getByLabel("API key").fill(servers.key());
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Datasets");
  await expect(page.getByRole("link", { name: "ui-many", exact: true })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem("groundset.apiKey"))).toBe(servers.key());

  // Kept for the session: a reload and another page need no prompt.
  await page.reload();
  await page.getByRole("link", { name: "ui-many", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("ui-many");
  await expect(page.getByLabel("API key")).toHaveCount(0);

  // The server no longer takes the stored key (as after a restart with another one): prompt again.
  await page.evaluate(() => sessionStorage.setItem("groundset.apiKey", "rotated-away"));
  await page.reload();
  await expect(page.getByLabel("API key")).toBeVisible();
  await expect(page.getByText("The server refused the API key")).toBeVisible();
});

test("the key lives in the browser session: a new session asks for it again", async ({ browser }) => {
  const first = await browser.newContext({ baseURL: servers.keyed() });
  const page = await first.newPage();
  await page.goto("/");
  await page.getByLabel("API key").fill(servers.key());
  await page.getByLabel("API key").press("Enter");
  await expect(page.getByRole("link", { name: "ui-many", exact: true })).toBeVisible();

  const second = await browser.newContext({ baseURL: servers.keyed() });
  const other = await second.newPage();
  await other.goto("/");
  await expect(other.getByLabel("API key")).toBeVisible();
  await Promise.all([first.close(), second.close()]);
});
