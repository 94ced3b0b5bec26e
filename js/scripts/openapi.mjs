// Writes ts/generated/openapi.ts: the TypeScript types of server/openapi.json (openapi-typescript).
//
//   node scripts/openapi.mjs [--out FILE]
//
// `just js::lint` runs this with --out on a temporary file and fails when it differs from the
// committed one, so the SDK's wire types never drift from the server's contract.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const source = resolve(here, "../../server/openapi.json");
const outIndex = process.argv.indexOf("--out");
const target = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : resolve(here, "../ts/generated/openapi.ts");

const schema = JSON.parse(readFileSync(source, "utf8"));

// Every `$ref` must name a component of the document (server/tests/test_openapi.py checks it
// too): a dangling one would silently become `unknown` in the types.
const defined = new Set(Object.keys(schema.components?.schemas ?? {}));
const dangling = new Set(
  [...JSON.stringify(schema).matchAll(/"#\/components\/schemas\/([^"]+)"/g)]
    .map((match) => match[1])
    .filter((name) => !defined.has(name)),
);
if (dangling.size > 0) {
  process.stderr.write(`server/openapi.json refers to missing schemas: ${[...dangling].sort().join(", ")}\n`);
  process.exit(1);
}

// defaultNonNullable off: a member with a default may be left out of a request.
const ast = await openapiTS(schema, { alphabetize: true, defaultNonNullable: false });
const banner = [
  "// Generated from server/openapi.json by scripts/openapi.mjs (openapi-typescript). Do not edit:",
  "// run `node scripts/openapi.mjs` after the server's contract changes.",
  "",
].join("\n");
writeFileSync(target, `${banner}\n${astToString(ast)}`);
