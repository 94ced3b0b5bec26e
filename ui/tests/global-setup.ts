// The servers of the browser test, started once for all its tests:
// - `main`: the quickstart's data and experiments (examples/python/quickstart.py) and what
//   tests/seed.py adds (a dataset of 130 examples without experiments, an experiment with failed
//   runs);
// - `keyed`: started with GROUNDSET_API_KEY, seeded through the SDK with that key;
// - `doomed`: one empty dataset; the test of the "server went away" state stops it.
// Their URLs (and the key) reach the tests as GROUNDSET_UI_* environment variables; the function
// returned stops them all when the run ends.
import { runPython, type Server, startServer } from "./support/servers";

export const API_KEY = "ui-test-key-5f1c";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const started: Server[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((server) => server.stop()));
  };
  const t0 = Date.now();
  try {
    const [main, keyed, doomed] = await Promise.all([
      startServer(),
      startServer({ apiKey: API_KEY }),
      startServer(),
    ]).then((servers) => {
      started.push(...servers);
      return servers as [Server, Server, Server];
    });
    await Promise.all([
      runPython(main, "examples/python/quickstart.py").then(() => runPython(main, "ui/tests/seed.py")),
      runPython(keyed, "ui/tests/seed.py"),
      fetch(`${doomed.url}/v1/datasets/upsert`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dataset: { name: "going-away" }, examples: [], allow_empty: true }),
      }).then((answer) => {
        if (!answer.ok) throw new Error(`creating the dataset going-away answered ${answer.status}`);
      }),
    ]);
    console.log(`groundset servers seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s (main ${main.url})`);
    process.env.GROUNDSET_UI_URL = main.url;
    process.env.GROUNDSET_UI_KEYED_URL = keyed.url;
    process.env.GROUNDSET_UI_KEY = API_KEY;
    process.env.GROUNDSET_UI_DOOMED_URL = doomed.url;
    process.env.GROUNDSET_UI_DOOMED_PID = String(doomed.pid);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
