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

// A `$ref` to a component the document lacks is typed `unknown` instead of failing the build;
// the SDK narrows those few fields itself, and the list below says which they are.
const defined = new Set(Object.keys(schema.components?.schemas ?? {}));
const dangling = new Set();
function patch(node) {
  if (Array.isArray(node)) {
    node.forEach(patch);
  } else if (node !== null && typeof node === "object") {
    const ref = node.$ref;
    if (typeof ref === "string" && ref.startsWith("#/components/schemas/")) {
      const name = ref.slice("#/components/schemas/".length);
      if (!defined.has(name)) {
        dangling.add(name);
        delete node.$ref;
        node.description = `unresolved in server/openapi.json: ${ref}`;
      }
    }
    Object.values(node).forEach(patch);
  }
}
patch(schema);
if (dangling.size > 0) {
  process.stderr.write(
    `warning: server/openapi.json refers to missing schemas, typed unknown: ${[...dangling].sort().join(", ")}\n`,
  );
}

// defaultNonNullable off: a member with a default may be left out of a request.
const ast = await openapiTS(schema, { alphabetize: true, defaultNonNullable: false });
const banner = [
  "// Generated from server/openapi.json by scripts/openapi.mjs (openapi-typescript). Do not edit:",
  "// run `node scripts/openapi.mjs` after the server's contract changes.",
  dangling.size > 0 ? `// Unresolved references, typed unknown: ${[...dangling].sort().join(", ")}.` : null,
  "",
]
  .filter((line) => line !== null)
  .join("\n");
writeFileSync(target, `${banner}\n${astToString(ast)}`);
