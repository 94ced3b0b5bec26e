// Node half of the cross-SDK comparison test (see test_compare_parity.py).
// Usage: GROUNDSET_BASE_URL=... node compare.mjs TASK.json RESULT.json
// TASK: {"dataset": name, "baseId": the Python SDK's base experiment}. Runs the head on the
// dataset's latest version with reuse of the base (the task and evaluators as Python's, the head's
// task failing on q15 and answering q05 wrong (and q08, as the base did)), then compares them with a selector for the base.
// RESULT: {"headId", "calls": source ids the task ran on, "comparison": the Comparison with its
// member names in snake_case (as Python's dataclasses), "table", "regressed", "comparable"}.

import { readFileSync, writeFileSync } from 'node:fs';
import { asEvaluator, compareExperiments, runExperiment } from '../../js/dist/index.js';

const [taskPath, outputPath] = process.argv.slice(2);
const task = JSON.parse(readFileSync(taskPath, 'utf8'));

const calls = [];
const head = await runExperiment({
  dataset: { datasetName: task.dataset },
  task: (example) => {
    calls.push(example.sourceId);
    if (example.sourceId === 'q15') throw new Error('model unavailable');
    return example.sourceId === 'q05' || example.sourceId === 'q08' ? 'wrong' : example.output.answer;
  },
  evaluators: [
    asEvaluator({ name: 'exact', version: '1', evaluate: ({ output, expected }) => output === expected.answer }),
    asEvaluator({ name: 'length', evaluate: ({ output }) => String(output).length / 100 }),
    asEvaluator({ name: 'verdict', evaluate: ({ output, expected }) => (output === expected.answer ? 'right' : 'wrong') }),
  ],
  experimentName: 'nightly',
  repetitions: 2,
  taskVersion: 't1',
  reuse: task.baseId,
  printSummary: false,
});

const comparison = await compareExperiments({
  base: { dataset: task.dataset, experimentName: 'nightly', before: head },
  head: head.id,
  thresholds: { length: 0.05 },
  includeChanged: true,
});

const snake = (name) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
function snaked(value, key) {
  if (Array.isArray(value)) return value.map((item) => snaked(item));
  if (value === null || typeof value !== 'object' || key === 'regressions') return value;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [snake(name), snaked(item, name)]));
}
const { regressed, ...members } = comparison;
writeFileSync(
  outputPath,
  JSON.stringify({
    headId: head.id,
    calls: calls.sort(),
    comparison: snaked(members),
    table: comparison.table(),
    regressed: comparison.regressed,
    comparable: comparison.comparable,
  }),
);
