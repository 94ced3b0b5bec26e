// The comparison of two experiments (`/compare?base=&head=`): the aggregates at the top, the
// aligned examples regressions first, filters, pages; against GET /v1/experiments/compare.
import type { Page } from "@playwright/test";
import { type Api, data, expect, format, type paths, quickstart, type Schemas, test } from "./support/fixtures";

type CompareQuery = NonNullable<paths["/v1/experiments/compare"]["get"]["parameters"]["query"]>;

function compare(api: Api, query: CompareQuery): Promise<Schemas["Comparison"]> {
  return data(
    api.GET("/v1/experiments/compare", { params: { query: { order: "regressions_first", limit: 20, ...query } } }),
  );
}

async function expectExamples(page: Page, expected: Schemas["Comparison"]) {
  await expect(page.locator('main [aria-busy="true"]')).toHaveCount(0);
  const rows = page.getByTestId("compared-example");
  await expect(rows).toHaveCount(expected.data.length);
  const shown = await rows.evaluateAll((all) =>
    all.map((row) => [row.getAttribute("data-source-id"), row.getAttribute("data-status")]),
  );
  expect(shown).toEqual(expected.data.map((item) => [item.source_id, item.status]));
}

test("the overview shows the API's counts and each evaluator's means; the examples in the API's order", async ({
  page,
  api,
}) => {
  const { base, head } = await quickstart(api);
  const answer = await compare(api, { base: base.id, head: head.id });
  expect([answer.counts.same_content, answer.counts.changed, answer.counts.only_head, answer.counts.only_base]).toEqual(
    [17, 2, 3, 1],
  );
  await page.goto(`/compare?base=${base.id}&head=${head.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(new RegExp(`#${base.id}\\b.*→.*#${head.id}\\b`));
  const counts = page.getByTestId("compare-counts");
  for (const [label, value] of [
    ["Same content", answer.counts.same_content],
    ["Example changed", answer.counts.changed],
    ["Only in base", answer.counts.only_base],
    ["Only in head", answer.counts.only_head],
    ["Output changed", answer.counts.output_changed],
    ["Missing runs in head", answer.counts.missing_runs],
    ["New run errors", answer.counts.new_run_errors],
  ] as const) {
    await expect(counts.locator("div").filter({ hasText: label }).locator("dd")).toHaveText(format.count(value));
  }
  await expect(page.getByTestId("verdict")).toBeVisible();
  const noun = (count: number, word: string) => `${format.count(count)} ${word}${count === 1 ? "" : "s"}`;
  await expect(page.getByTestId("verdict")).toContainText(
    `${noun(answer.verdict.regressed_examples, "example")} regressed`,
  );
  for (const side of [answer.base, answer.head]) {
    await expect(page.locator("dd").filter({ hasText: `#${side.id} ·` })).toContainText(
      `${noun(side.runs, "run")}, ${noun(side.errored_runs, "error")}`,
    );
  }
  const evaluators = page.getByTestId("compare-evaluator");
  await expect(evaluators).toHaveCount(answer.evaluators.length);
  for (const evaluator of answer.evaluators) {
    const row = evaluators.filter({ has: page.getByRole("rowheader", { name: new RegExp(`^${evaluator.name}`) }) });
    const cells = row.getByRole("cell");
    // An evaluator no side scored (every evaluation errored) has no kind nor threshold to show.
    const unscored = evaluator.kind !== "label" && evaluator.all.base.count === 0 && evaluator.all.head.count === 0;
    await expect(row.getByRole("rowheader")).toContainText(
      unscored
        ? "no scores (every evaluation errored)"
        : `${evaluator.kind}, threshold ${format.score(evaluator.threshold)}`,
    );
    await expect(cells.nth(0)).toContainText(format.score(evaluator.all.base.mean));
    await expect(cells.nth(1)).toContainText(format.score(evaluator.all.head.mean));
    await expect(cells.nth(3)).toHaveText(format.score(evaluator.like_for_like.base_mean));
    await expect(cells.nth(4)).toHaveText(format.score(evaluator.like_for_like.head_mean));
    await expect(cells.nth(6)).toHaveText(format.count(evaluator.like_for_like.count));
  }
  await expectExamples(page, answer);

  // Page 2 (23 examples, 20 a page): the API's next page.
  expect(answer.next_cursor).not.toBeNull();
  const pager = page.getByRole("navigation", { name: "Pages of examples" });
  await pager.getByRole("link", { name: /Next/ }).click();
  await expectExamples(page, await compare(api, { base: base.id, head: head.id, cursor: answer.next_cursor }));
});

test("an example's outputs side by side with their text differences marked", async ({ page, api }) => {
  const { base, head } = await quickstart(api);
  const changed = await compare(api, { base: base.id, head: head.id, only: ["output_changed"] });
  expect(changed.data.length).toBeGreaterThan(0);
  await page.goto(`/compare?base=${base.id}&head=${head.id}&only=output_changed`);
  await expectExamples(page, changed);
  const row = page.getByTestId("compared-example").first();
  await expect(row.locator("del, ins").first()).toBeVisible();
  const scores = row.getByTestId("compared-score");
  await expect(scores).toHaveCount(changed.data[0]?.scores.length ?? 0);
});

test("the kinds of example narrow the list as the API's only does", async ({ page, api }) => {
  const { base, head } = await quickstart(api);
  await page.goto(`/compare?base=${base.id}&head=${head.id}`);
  const kinds = page.getByRole("navigation", { name: "Which examples" });
  for (const [label, only] of [
    ["Only in head", "only_head"],
    ["Only in base", "only_base"],
    ["Example changed", "changed"],
  ] as const) {
    await kinds.getByRole("link", { name: label, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]only=${only}`));
    const answer = await compare(api, { base: base.id, head: head.id, only: [only] });
    await expectExamples(page, answer);
    for (const item of answer.data) expect(item.status).toBe(only);
  }
  await kinds.getByRole("link", { name: "Regressions", exact: true }).click();
  await expect(page.getByText("No example of this kind.")).toBeVisible();
});

test("regressions come first, flagged, and the verdict says the head regressed", async ({ page, api }) => {
  const { head, flaky } = await quickstart(api);
  const answer = await compare(api, { base: head.id, head: flaky.id });
  expect(answer.verdict.regressed).toBe(true);
  // The 6 examples whose 3 runs all failed, and those answered wrong that the base got right.
  const regressions = answer.data.filter((item) => item.regression).length;
  expect(regressions).toBeGreaterThan(6);
  expect(regressions).toBeLessThan(answer.data.length);
  await page.goto(`/compare?base=${head.id}&head=${flaky.id}`);
  await expectExamples(page, answer);
  const flags = await page
    .getByTestId("compared-example")
    .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-regression")));
  expect(flags).toEqual([...Array(regressions).fill("true"), ...Array(flags.length - regressions).fill("false")]);
  await expect(page.getByTestId("verdict")).toContainText(/regress/i);
});

test("the compare page without experiments asks for them; picking two opens their comparison", async ({
  page,
  api,
}) => {
  const { base, head } = await quickstart(api);
  // The dataset's experiments held back until the loading state is seen.
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(/\/v1\/datasets\/[^/]+\/experiments\?/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`/compare?head=${head.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Compare experiments");
  const picker = page.getByTestId("compare-picker");
  const loadingBase = picker.getByRole("combobox", { name: "Base experiment" });
  await expect(loadingBase).toBeDisabled();
  await expect(loadingBase).toHaveText("Loading…");
  await expect(picker.getByRole("textbox")).toHaveCount(0);
  release();
  await expect(loadingBase).toBeEnabled();
  await expect(picker.getByRole("textbox")).toHaveCount(0);
  // With the head known, the fields become lists of its dataset's experiments once those load.
  await picker.getByRole("combobox", { name: "Base experiment" }).selectOption(base.id);
  await picker.getByRole("combobox", { name: "Head experiment" }).selectOption(head.id);
  await picker.getByRole("button", { name: "Compare" }).click();
  await expect(page).toHaveURL(`/compare?base=${base.id}&head=${head.id}`);
  await expect(page.getByTestId("compared-example").first()).toBeVisible();
});
