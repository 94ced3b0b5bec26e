// Every page's URL, built in one place (the routes of router.tsx).

export const paths = {
  datasets: () => "/",
  dataset: (datasetId: string) => `/datasets/${encodeURIComponent(datasetId)}`,
  version: (datasetId: string, versionId: string) =>
    `/datasets/${encodeURIComponent(datasetId)}/versions/${encodeURIComponent(versionId)}`,
  diff: (datasetId: string, from?: string, to?: string) => {
    const query = new URLSearchParams();
    if (from) query.set("from", from);
    if (to) query.set("to", to);
    const text = query.toString();
    return `/datasets/${encodeURIComponent(datasetId)}/diff${text ? `?${text}` : ""}`;
  },
  experiment: (experimentId: string) => `/experiments/${encodeURIComponent(experimentId)}`,
  compare: (base?: string, head?: string) => {
    const query = new URLSearchParams();
    if (base) query.set("base", base);
    if (head) query.set("head", head);
    const text = query.toString();
    return `/compare${text ? `?${text}` : ""}`;
  },
};
