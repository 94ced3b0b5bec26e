// The public names of the TypeScript SDK, read from its built declarations (dist/index.d.ts) with
// the TypeScript compiler API, printed as JSON for test_sdk_names.py: every export with its kind,
// the members a class or an object type declares (not those inherited from Error), and for a
// function the keys of each object parameter (its options) or else the parameter's name.
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const js = resolve(dirname(fileURLToPath(import.meta.url)), "../../js");
const ts = createRequire(`${js}/package.json`)("typescript");
const entry = `${js}/dist/index.d.ts`;
const program = ts.createProgram([entry], { strict: true, skipLibCheck: true, types: ["node"] });
const checker = program.getTypeChecker();
const ours = (symbol) => (symbol.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(`${js}/dist/`));
const visible = (symbol) => !symbol.name.startsWith("#") && !symbol.name.startsWith("__");

function propertiesOf(type) {
  // A union of literals (`"merge" | "mirror"`) or an array type has no members of its own.
  const parts = (type.isUnion() ? type.types : [type]).filter(
    (t) => t.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection) && !checker.isArrayType(t),
  );
  const names = new Set();
  for (const part of parts) {
    for (const property of checker.getPropertiesOfType(part)) {
      if (visible(property)) {
        names.add(property.name);
      }
    }
  }
  return [...names];
}

function isOptionsObject(type) {
  const parts = type.isUnion() ? type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined)) : [type];
  return (
    parts.length > 0 &&
    parts.every(
      (t) =>
        t.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection) &&
        !checker.isArrayType(t) &&
        t.getCallSignatures().length === 0 &&
        !["URL", "Iterable", "AsyncIterable"].includes(t.symbol?.name),
    )
  );
}

/** The option keys (or names) of the parameters of a function's, or a class's constructor's, signatures. */
function parametersOf(type, construct) {
  const params = new Set();
  for (const signature of construct ? type.getConstructSignatures() : type.getCallSignatures()) {
    for (const parameter of signature.getParameters()) {
      const parameterType = checker.getTypeOfSymbolAtLocation(parameter, parameter.declarations[0]);
      if (isOptionsObject(parameterType)) {
        for (const name of propertiesOf(parameterType)) params.add(name);
      } else {
        params.add(parameter.name);
      }
    }
  }
  return [...params];
}

const result = {};
const module = checker.getSymbolAtLocation(program.getSourceFile(entry));
for (const exported of checker.getExportsOfModule(module)) {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const entryOut = { kind: "value", members: [], params: [] };
  if (symbol.flags & ts.SymbolFlags.Class) {
    entryOut.kind = "class";
    const instance = checker.getDeclaredTypeOfSymbol(symbol);
    entryOut.members = checker
      .getPropertiesOfType(instance)
      .filter((p) => visible(p) && ours(p))
      .map((p) => p.name);
    entryOut.params = parametersOf(checker.getTypeOfSymbolAtLocation(symbol, symbol.declarations[0]), true);
  } else if (symbol.flags & ts.SymbolFlags.Function) {
    entryOut.kind = "function";
    entryOut.params = parametersOf(checker.getTypeOfSymbolAtLocation(symbol, symbol.declarations[0]), false);
  } else if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
    entryOut.kind = "type";
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    entryOut.members = propertiesOf(type);
  }
  result[exported.name] = entryOut;
}
process.stdout.write(JSON.stringify(result, null, 1));
