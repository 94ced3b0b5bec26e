// Error states: a server that went away, an address that is no page.
import { expect, servers, test } from "./support/fixtures";

test("a server that stopped answering: the page says the server did not answer", async ({ page }) => {
  await page.goto(`${servers.doomed()}/`);
  const link = page.getByRole("link", { name: "going-away", exact: true });
  await expect(link).toBeVisible();
  process.kill(servers.doomedPid(), "SIGTERM");
  await expect
    .poll(
      async () =>
        fetch(`${servers.doomed()}/health`).then(
          () => "up",
          () => "down",
        ),
      { timeout: 15_000 },
    )
    .toBe("down");
  await link.click();
  await expect(page).toHaveURL(/\/datasets\/\d+$/);
  await expect(page.getByRole("alert")).toContainText("The server did not answer");
});

test("an address that is no page says so and links back to the datasets", async ({ page }) => {
  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await page.getByRole("link", { name: "See the datasets" }).click();
  await expect(page).toHaveURL("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Datasets");
});
