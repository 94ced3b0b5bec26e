// Node half of the cross-language file and source-id test (see test_read_parity.py).
// Usage: GROUNDSET_BASE_URL=... node read_files.mjs TASKS.json RESULTS.json
// TASKS: {"files": [{"path", "format", "sourceIdKey", "inputKeys", "outputKeys", "metadataKeys",
// "dataset"}], "ids": [JSON texts]}. For each file: hashFile's digest and upsertDataset's digest,
// or the issues of the ExampleError ([line, code, path]); for each id text: sourceIdOf of its
// JSON.parse value, or the error code.

import { readFileSync, writeFileSync } from 'node:fs';
import { hashFile, manifestDigest, sourceIdOf, upsertDataset } from '../../js/dist/index.js';

function refusal(error) {
  if (Array.isArray(error.errors)) return { issues: error.errors.map((issue) => [issue.line ?? null, issue.column ?? null, issue.code, issue.path, issue.message]) };
  return { error: error.code ?? String(error) };
}

const [tasksPath, outputPath] = process.argv.slice(2);
const tasks = JSON.parse(readFileSync(tasksPath, 'utf8'));
const files = [];
for (const task of tasks.files) {
  const options = {};
  for (const key of ['format', 'sourceIdKey', 'inputKeys', 'outputKeys', 'metadataKeys']) {
    if (task[key] !== null && task[key] !== undefined) options[key] = task[key];
  }
  const result = {};
  try {
    result.hash = { digest: manifestDigest(await hashFile(task.path, options)) };
  } catch (error) {
    result.hash = refusal(error);
  }
  try {
    const upserted = await upsertDataset({ dataset: { datasetName: task.dataset }, path: task.path, ...options });
    result.upsert = { digest: upserted.digest };
  } catch (error) {
    result.upsert = refusal(error);
  }
  files.push(result);
}
const ids = tasks.ids.map((text) => {
  try {
    return { sourceId: sourceIdOf(JSON.parse(text)) };
  } catch (error) {
    return { error: error.code ?? String(error) };
  }
});
writeFileSync(outputPath, JSON.stringify({ files, ids }));
