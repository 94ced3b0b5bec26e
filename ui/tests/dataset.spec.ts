// A dataset's page (`/datasets/:id`): versions timeline, experiments with evaluator means, the
// chart; against the API's answers, and the links to the other pages.
import { data, expect, format, quickstart, readTable, test } from "./support/fixtures";

test("the versions timeline shows each version's counts, digest and tags as the API gives them", async ({
  page,
  api,
}) => {
  const { dataset, versions } = await quickstart(api);
  expect(versions).toHaveLength(2);
  await page.goto(`/datasets/${dataset.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(dataset.name);
  const timeline = page.getByRole("list", { name: /Versions/ });
  await expect(timeline.getByRole("listitem")).toHaveCount(versions.length);
  for (const version of versions) {
    const item = timeline.getByRole("listitem").filter({
      has: page.getByRole("link", { name: `version ${version.id}`, exact: true }),
    });
    await expect(item).toContainText(`+${format.count(version.created)} created`);
    await expect(item).toContainText(`~${format.count(version.updated)} updated`);
    await expect(item).toContainText(`−${format.count(version.deleted)} deleted`);
    await expect(item).toContainText(`${format.count(version.example_count)} examples`);
    await expect(item).toContainText(version.digest.slice(0, 16));
    for (const tag of version.tags) await expect(item).toContainText(tag);
  }
});

test("the experiments table shows runs, errors and each evaluator's mean from the summaries", async ({ page, api }) => {
  const { dataset, experiments } = await quickstart(api);
  expect(experiments).toHaveLength(3);
  await page.goto(`/datasets/${dataset.id}`);
  const section = page.getByRole("region", { name: "Experiments", exact: true });
  const table = section.getByRole("table");
  const rows = await readTable(table);
  const ids = await table
    .locator("tbody tr")
    .evaluateAll((list) => list.map((row) => row.getAttribute("data-experiment-id")));
  // Newest first, as the API lists them.
  expect(ids).toEqual(experiments.map((experiment) => experiment.id));
  for (const experiment of experiments) {
    const row = rows[ids.indexOf(experiment.id)];
    expect(row, `experiment ${experiment.id}`).toBeDefined();
    expect(row?.Version).toBe(experiment.version_id);
    expect(row?.Runs).toBe(format.count(experiment.summary?.runs));
    expect(row?.Errors).toBe(format.count(experiment.summary?.errored_runs));
    for (const evaluation of experiment.summary?.evaluations ?? []) {
      expect(row?.[evaluation.name], `${evaluation.name} of ${experiment.id}`).toBe(
        format.score(evaluation.mean_score),
      );
    }
  }
  // The flaky experiment failed on every fourth of the 22 examples, in each of 3 repetitions.
  const flaky = experiments.find((experiment) => experiment.name === "flaky lookup");
  expect([flaky?.summary?.runs, flaky?.summary?.errored_runs]).toEqual([66, 18]);
});

test("the chart of evaluator means is drawn", async ({ page, api }) => {
  const { dataset } = await quickstart(api);
  await page.goto(`/datasets/${dataset.id}`);
  const chart = page.getByRole("region", { name: "Evaluator means across experiments" });
  const canvas = chart.locator("canvas");
  await expect(canvas).toBeVisible();
  const size = await canvas.boundingBox();
  expect(size?.width ?? 0).toBeGreaterThan(200);
  expect(size?.height ?? 0).toBeGreaterThan(100);
  await expect(chart).toContainText("3 scored experiments");
});

test("links lead to the experiment, the version's examples, the diff and the comparison", async ({ page, api }) => {
  const { dataset, base, head, versions } = await quickstart(api);
  const [newest, oldest] = versions as [(typeof versions)[0], (typeof versions)[0]];
  await page.goto(`/datasets/${dataset.id}`);
  const experiments = page.getByRole("region", { name: "Experiments", exact: true });

  await experiments.locator(`a[href="/experiments/${head.id}"]`).click();
  await expect(page).toHaveURL(`/experiments/${head.id}`);
  await page.goBack();

  await page.getByRole("link", { name: `version ${oldest.id}`, exact: true }).click();
  await expect(page).toHaveURL(`/datasets/${dataset.id}/versions/${oldest.id}`);
  await page.goBack();

  await page.getByRole("link", { name: "diff with the previous version" }).click();
  await expect(page).toHaveURL(`/datasets/${dataset.id}/diff?from=${oldest.id}&to=${newest.id}`);
  await page.goBack();

  await experiments.getByRole("link", { name: `Compare experiment ${head.id} with ${base.id}` }).click();
  await expect(page).toHaveURL(`/compare?base=${base.id}&head=${head.id}`);
});

test("a dataset without experiments says so, in the table's place and the chart's", async ({ page, api }) => {
  const { many } = await quickstart(api);
  const answer = await data(
    api.GET("/v1/datasets/{dataset_id}/experiments", { params: { path: { dataset_id: many.id } } }),
  );
  expect(answer.data).toEqual([]);
  await page.goto(`/datasets/${many.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("ui-many");
  const experiments = page.getByRole("region", { name: "Experiments", exact: true });
  // Points to what exists: the CLI has no command that runs an experiment.
  await expect(experiments).toContainText(
    "No experiments yet: run one on this dataset with an SDK (Python run_experiment, TypeScript runExperiment); " +
      "the CLI lists and compares them (groundset experiments, groundset compare).",
  );
  await expect(experiments.getByRole("table")).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Evaluator means across experiments" })).toContainText(
    "No evaluations yet",
  );
});

test("an unknown dataset shows the API's not-found problem", async ({ page, api }) => {
  const answer = await api.GET("/v1/datasets/{dataset_id}", { params: { path: { dataset_id: "999999" } } });
  expect(answer.response.status).toBe(404);
  await page.goto("/datasets/999999");
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Not found");
  await expect(alert).toContainText("HTTP 404");
  await expect(alert).toContainText(answer.error?.code ?? "?");
});

test("the chart shows only scored experiments and evaluators with a mean", async ({ page, api }) => {
  const datasets = await data(api.GET("/v1/datasets", { params: { query: { name: "ui-chart" } } }));
  const chartDataset = datasets.data[0];
  expect(chartDataset?.name).toBe("ui-chart");
  const answer = await data(
    api.GET("/v1/datasets/{dataset_id}/experiments", {
      params: { path: { dataset_id: chartDataset?.id ?? "" }, query: { summary: true, limit: 100 } },
    }),
  );
  expect(answer.data).toHaveLength(5);
  const means = (experiment: (typeof answer.data)[0]) =>
    (experiment.summary?.evaluations ?? []).filter((summary) => summary.mean_score != null).map((s) => s.name);
  const scored = answer.data.filter((experiment) => means(experiment).length > 0);
  const evaluators = [...new Set(scored.flatMap(means))].sort();
  // The seed's label-only evaluator and its experiments without scores are in the API's answer.
  expect(answer.data.flatMap((e) => e.summary?.evaluations.map((s) => s.name) ?? [])).toContain("verdict");
  expect([scored.length, evaluators]).toEqual([3, ["exact", "other"]]);

  await page.goto(`/datasets/${chartDataset?.id}`);
  const chart = page.getByRole("region", { name: "Evaluator means across experiments" });
  await expect(chart.getByRole("img")).toHaveAttribute(
    "aria-label",
    `Mean score of ${evaluators.join(", ")} across ${scored.length} experiments, oldest first; the experiments table lists the same values.`,
  );
  await expect(chart.getByTestId("chart-caption")).toContainText(`All ${scored.length} scored experiments`);
});

test("the dataset page asks for the experiments' summaries once, for the table and the chart", async ({
  page,
  api,
}) => {
  const { dataset, experiments } = await quickstart(api);
  const asked: string[] = [];
  page.on("request", (request) => {
    if (/\/v1\/datasets\/[^/]+\/experiments\?/.test(request.url())) asked.push(request.url());
  });
  await page.goto(`/datasets/${dataset.id}`);
  const table = page.getByRole("region", { name: "Experiments", exact: true }).getByRole("table");
  await expect(table.locator("tbody tr[data-experiment-id]")).toHaveCount(experiments.length);
  await expect(
    page.getByRole("region", { name: "Evaluator means across experiments" }).locator("canvas"),
  ).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  expect(asked, "requests of the experiments").toHaveLength(1);
});
