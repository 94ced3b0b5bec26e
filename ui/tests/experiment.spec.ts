// An experiment (`/experiments/:id`): its summary and its runs table (filtered by error and
// score, sorted, paged by the server), against GET /v1/experiments/{id} and .../runs.
import type { Page } from "@playwright/test";
import { type Api, data, expect, format, type paths, quickstart, type Schemas, test } from "./support/fixtures";

type RunsQuery = NonNullable<paths["/v1/experiments/{experiment_id}/runs"]["get"]["parameters"]["query"]>;

async function runs(api: Api, experimentId: string, query: RunsQuery = {}): Promise<Schemas["RunPage"]> {
  return data(
    api.GET("/v1/experiments/{experiment_id}/runs", {
      params: { path: { experiment_id: experimentId }, query: { limit: 50, ...query } },
    }),
  );
}

/** The rows of the runs table. */
function shownRuns(page: Page) {
  return page.getByTestId("run-row");
}

const keys = (page: Schemas["RunPage"]) => page.data.map((run) => run.source_id);

async function expectRows(page: Page, expected: Schemas["RunPage"]) {
  await expect(page.locator('main [aria-busy="true"]')).toHaveCount(0);
  await expect(shownRuns(page)).toHaveCount(expected.data.length);
  // Polled: after a new sort or filter the previous page's rows can still be on screen, with
  // the same count, for a moment.
  await expect
    .poll(() => shownRuns(page).evaluateAll((rows) => rows.map((row) => row.getAttribute("data-source-id"))))
    .toEqual(keys(expected));
}

test("the summary shows the API's runs, errors, reused runs and each evaluator's mean", async ({ page, api }) => {
  const { head, dataset } = await quickstart(api);
  const experiment = await data(
    api.GET("/v1/experiments/{experiment_id}", { params: { path: { experiment_id: head.id } } }),
  );
  const summary = experiment.summary;
  if (!summary) throw new Error("the experiment has no summary");
  await page.goto(`/experiments/${head.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`#${head.id}`);
  await expect(page.getByTestId("summary-runs")).toContainText(
    `${format.count(summary.runs)} of ${format.count(summary.expected_runs)} expected`,
  );
  await expect(page.getByTestId("summary-errors")).toContainText(format.count(summary.errored_runs));
  await expect(page.getByTestId("summary-reused")).toHaveText(format.count(summary.reused_runs));
  expect(summary.reused_runs).toBe(17);
  await expect(page.getByTestId("summary-latency")).toContainText(`${format.count(summary.latency_ms.count)} runs`);
  const means = page.getByTestId("evaluator-means");
  for (const evaluation of summary.evaluations) {
    const row = means.getByRole("row").filter({ has: page.getByRole("rowheader", { name: evaluation.name }) });
    await expect(row.getByRole("cell")).toHaveText([
      format.score(evaluation.mean_score),
      format.count(evaluation.scored),
      format.count(evaluation.count),
      format.count(evaluation.errors),
    ]);
  }
  // Links back to the dataset and to the version the experiment ran on.
  await page.getByTestId("experiment-summary").getByRole("link", { name: dataset.name }).click();
  await expect(page).toHaveURL(`/datasets/${dataset.id}`);
});

test("the runs table shows the API's pages of runs with outputs, scores and errors", async ({ page, api }) => {
  const { flaky } = await quickstart(api);
  const first = await runs(api, flaky.id);
  const second = await runs(api, flaky.id, { cursor: first.next_cursor });
  expect([first.data.length, second.data.length, second.next_cursor]).toEqual([50, 16, null]);
  await page.goto(`/experiments/${flaky.id}`);
  await expectRows(page, first);

  const failed = first.data.find((run) => run.error);
  const scored = first.data.find((run) => !run.error && run.evaluations.length > 0);
  const rows = shownRuns(page);
  if (failed) {
    await expect(rows.nth(first.data.indexOf(failed))).toContainText(String(failed.error));
  }
  if (scored) {
    const row = rows.nth(first.data.indexOf(scored));
    await expect(row).toContainText(String((scored.output as { answer: string }).answer));
    await expect(row.getByTestId("score")).toHaveText(scored.evaluations.map((e) => format.score(e.score)));
    await expect(row).toContainText(`repetition ${scored.repetition_number}`);
  }

  const pager = page.getByRole("navigation", { name: "Pages of runs" });
  await pager.getByRole("link", { name: /Next/ }).click();
  await expect(page).toHaveURL(/[?&]cursor=/);
  await expectRows(page, second);
  await expect(pager.getByRole("link", { name: /Next/ })).toHaveCount(0);
  await pager.getByRole("link", { name: /Previous/ }).click();
  await expectRows(page, first);
});

test("filters on errors and scores and the sort: the API's answers, kept in the URL", async ({ page, api }) => {
  const { flaky } = await quickstart(api);
  await page.goto(`/experiments/${flaky.id}`);
  const filters = page.getByTestId("runs-filters");

  await filters.getByLabel("Errors").selectOption("only");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]errors=only/);
  const failed = await runs(api, flaky.id, { errors: "only" });
  expect(failed.data).toHaveLength(18);
  await expectRows(page, failed);
  await expect(shownRuns(page).first()).toContainText("lookup timed out");

  await filters.getByLabel("Errors").selectOption("none");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]errors=none/);
  await expectRows(page, await runs(api, flaky.id, { errors: "none" }));

  // Scores: the runs contains_answer scored 1, lowest latency first.
  await filters.getByLabel("Errors").selectOption("");
  await filters.getByLabel("Evaluator").selectOption("contains_answer");
  await filters.getByLabel("Score from").fill("1");
  await filters.getByLabel("Score to").fill("1");
  await filters.getByLabel("Sort").selectOption("latency_ms");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/evaluator=contains_answer/);
  const best = await runs(api, flaky.id, {
    evaluator: "contains_answer",
    min_score: 1,
    max_score: 1,
    sort: "latency_ms",
  });
  expect(best.data.length).toBeGreaterThan(0);
  await expectRows(page, best);

  // The view is in the URL: opened anew, the same runs.
  await page.goto(page.url());
  await expectRows(page, best);

  // Sorting by a column's header: the evaluator's scores, highest first.
  await page.getByRole("columnheader", { name: "contains_answer" }).getByRole("link").click();
  await expect(page).toHaveURL(/sort=-score/);
  await expectRows(page, await runs(api, flaky.id, { evaluator: "contains_answer", sort: "-score" }));

  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(`/experiments/${flaky.id}`);
  await expectRows(page, await runs(api, flaky.id));
});

test("an evaluator of the summary links to the runs by its score, highest first", async ({ page, api }) => {
  const { head } = await quickstart(api);
  await page.goto(`/experiments/${head.id}`);
  await page.getByTestId("evaluator-means").getByRole("link", { name: "token_f1" }).click();
  await expect(page).toHaveURL(/evaluator=token_f1/);
  await expect(page).toHaveURL(/sort=-score/);
  const sorted = await runs(api, head.id, { evaluator: "token_f1", sort: "-score" });
  await expectRows(page, sorted);
  const scores = sorted.data.map((run) => run.evaluations.find((e) => e.name === "token_f1")?.score ?? -1);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
});

test("a filter nothing matches says so; a range upside down is refused before asking", async ({ page, api }) => {
  const { flaky } = await quickstart(api);
  await page.goto(`/experiments/${flaky.id}?evaluator=contains_answer&min=2`);
  await expect(page.getByText("No run matches these filters.")).toBeVisible();
  expect((await runs(api, flaky.id, { evaluator: "contains_answer", min_score: 2 })).data).toEqual([]);

  const filters = page.getByTestId("runs-filters");
  await filters.getByLabel("Score from").fill("0.9");
  await filters.getByLabel("Score to").fill("0.1");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(filters.getByRole("alert")).toContainText("above the highest");
  await expect(page).toHaveURL(/min=2/);
});

test("an evaluator the experiment lacks is the API's refusal, shown under the filters that fix it", async ({
  page,
  api,
}) => {
  const { flaky } = await quickstart(api);
  await page.goto(`/experiments/${flaky.id}?evaluator=contains_anser&min=0.5`);
  const refusal = page.getByRole("alert");
  await expect(refusal).toContainText("no run of the experiment has the evaluator `contains_anser` (it has: ");
  await expect(refusal).toContainText("contains_answer");
  await expect(refusal).toContainText("HTTP 422, unknown_evaluator");
  await expect(page.getByText("No run matches these filters.")).toHaveCount(0);
  const filters = page.getByTestId("runs-filters");
  await expect(filters.getByLabel("Evaluator")).toHaveValue("contains_anser");
  await filters.getByLabel("Evaluator").selectOption("contains_answer");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expectRows(page, await runs(api, flaky.id, { evaluator: "contains_answer", min_score: 0.5 }));
});

test("Compare with previous leads to the comparison with the experiment before it", async ({ page, api }) => {
  const { base, head } = await quickstart(api);
  await page.goto(`/experiments/${head.id}`);
  await page.getByTestId("compare-previous").click();
  await expect(page).toHaveURL(`/compare?base=${base.id}&head=${head.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(new RegExp(`#${base.id}\\b.*→.*#${head.id}\\b`));
});
