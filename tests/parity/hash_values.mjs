// Node half of the cross-language differential test (see test_parity.py).
// Usage: node hash_values.mjs VALUES.jsonl EXAMPLE_CASES.json RESULTS.json
// Builds each line's value as native JS, hashes it with the `groundset` package, and writes
// one result per line: the canonical bytes in hex and the hash, or the error code; then hashes
// the values of EXAMPLE_CASES (a JSON list of case numbers) as example inputs in one batch.

import { readFileSync, writeFileSync } from 'node:fs';
import { canonicalize, hashExamples, hashValue } from '../../js/dist/index.js';

const NON_FINITE = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$nonfinite') return NON_FINITE[value.$nonfinite];
    // fromEntries defines own properties, so a "__proto__" key stays a key.
    return Object.fromEntries(keys.map((key) => [key, decode(value[key])]));
  }
  return value;
}

const [inputPath, exampleCasesPath, outputPath] = process.argv.slice(2);
const exampleCases = new Set(JSON.parse(readFileSync(exampleCasesPath, 'utf8')));
const results = [];
const exampleInputs = [];
for (const line of readFileSync(inputPath, 'utf8').split('\n')) {
  if (!line) continue;
  const { case: id, value: encoded } = JSON.parse(line);
  const value = decode(encoded);
  if (exampleCases.has(id)) exampleInputs.push(value);
  try {
    const canonical = canonicalize(value);
    results.push({ case: id, canonical_hex: Buffer.from(canonical, 'utf8').toString('hex'), hash: hashValue(value) });
  } catch (error) {
    if (error?.code === undefined) throw error;
    results.push({ case: id, error: error.code });
  }
}
const exampleHashes = hashExamples(exampleInputs.map((input) => ({ input })));
writeFileSync(outputPath, JSON.stringify({ results, example_hashes: exampleHashes }));
