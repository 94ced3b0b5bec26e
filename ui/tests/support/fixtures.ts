// What every spec imports: Playwright's `test` on the main server (tests/global-setup.ts), an
// `api` client typed with the SDK's generated OpenAPI paths to read the answers a page must show,
// and the formats the pages use (en-US, as playwright.config.ts sets the browser's locale).
import { test as base, expect, type Locator, type Page } from "@playwright/test";
import createClient from "openapi-fetch";
import type { components, paths } from "../../../js/ts/generated/openapi.ts";

export type { paths };
export { expect };
export type Schemas = components["schemas"];

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through playwright.config.ts (just ui::test)`);
  return value;
}

export const servers = {
  main: () => env("GROUNDSET_UI_URL"),
  keyed: () => env("GROUNDSET_UI_KEYED_URL"),
  key: () => env("GROUNDSET_UI_KEY"),
  doomed: () => env("GROUNDSET_UI_DOOMED_URL"),
  doomedPid: () => Number(env("GROUNDSET_UI_DOOMED_PID")),
};

export type Api = ReturnType<typeof createClient<paths>>;

/** The answer's data, or a thrown error naming the call and its status. */
export async function data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data: answer, error, response } = await call;
  if (!response.ok || answer === undefined) {
    throw new Error(`${response.url} answered ${response.status}: ${JSON.stringify(error)}`);
  }
  return answer;
}

type ExamplesQuery = NonNullable<paths["/v1/datasets/{dataset_id}/examples"]["get"]["parameters"]["query"]>;

/** GET /v1/datasets/{id}/examples as a JSON page (the route also answers NDJSON, typed as text). */
export async function examples(api: Api, datasetId: string, query: ExamplesQuery): Promise<Schemas["ExamplePage"]> {
  const answer = await data(
    api.GET("/v1/datasets/{dataset_id}/examples", { params: { path: { dataset_id: datasetId }, query } }),
  );
  if (typeof answer === "string") throw new Error(`expected a JSON page, got text: ${answer.slice(0, 200)}`);
  return answer;
}

export const test = base.extend<{ api: Api }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright passes the fixtures a function destructures.
  baseURL: async ({}, use) => {
    await use(servers.main());
  },
  // biome-ignore lint/correctness/noEmptyPattern: as above.
  api: async ({}, use) => {
    await use(createClient<paths>({ baseUrl: servers.main() }));
  },
});

const integer = new Intl.NumberFormat("en-US");
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });

export const format = {
  count: (value: number | null | undefined) => (value === null || value === undefined ? "—" : integer.format(value)),
  score: (value: number | null | undefined) => (value === null || value === undefined ? "—" : decimal.format(value)),
};

/** The ids of the quickstart's dataset and its two experiments (on versions 1 and 2), and the
 * seeded dataset without experiments. */
export async function quickstart(api: Api) {
  const datasets = await data(api.GET("/v1/datasets", { params: { query: { limit: 100 } } }));
  const find = (name: string) => {
    const found = datasets.data.find((dataset) => dataset.name === name);
    if (!found) throw new Error(`the server has no dataset ${name}: ${datasets.data.map((d) => d.name)}`);
    return found;
  };
  const dataset = find("quickstart-qa-python");
  const many = find("ui-many");
  const experiments = await data(
    api.GET("/v1/datasets/{dataset_id}/experiments", {
      params: { path: { dataset_id: dataset.id }, query: { limit: 100, summary: true } },
    }),
  );
  const named = (prefix: string) => {
    const found = experiments.data.filter((experiment) => experiment.name?.startsWith(prefix));
    if (found.length === 0) throw new Error(`no experiment named ${prefix}…`);
    return found;
  };
  const lookups = named("keyword lookup").sort((a, b) => Number(a.id) - Number(b.id));
  const [base, head] = lookups as [Schemas["Experiment"], Schemas["Experiment"]];
  const [flaky] = named("flaky lookup") as [Schemas["Experiment"]];
  const versions = await data(
    api.GET("/v1/datasets/{dataset_id}/versions", { params: { path: { dataset_id: dataset.id } } }),
  );
  return {
    datasets: datasets.data,
    dataset,
    many,
    experiments: experiments.data,
    base,
    head,
    flaky,
    versions: versions.data,
  };
}

/** Waits until the page shows its <h1> and nothing on it is loading any more. */
export async function settled(page: Page): Promise<void> {
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
}

/** The page has no horizontal scroll: its body is no wider than the window. */
export async function bodyOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** A table's body as records: column header text -> cell text (whitespace collapsed), in row order. */
export async function readTable(table: Locator): Promise<Record<string, string>[]> {
  await expect(table).toBeVisible();
  return table.evaluate((element) => {
    const clean = (text: string | null) => (text ?? "").replace(/\s+/g, " ").trim();
    const headers = [...element.querySelectorAll("thead th")].map((th) => clean(th.textContent));
    return [...element.querySelectorAll("tbody tr")].map((row) => {
      const record: Record<string, string> = {};
      [...row.children].forEach((cell, index) => {
        // biome-ignore lint/performance/useDomNodeTextContent: the text as shown (a <br> is a space).
        record[headers[index] ?? String(index)] = clean((cell as HTMLElement).innerText);
      });
      return record;
    });
  });
}
