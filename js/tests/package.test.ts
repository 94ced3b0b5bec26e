// The package surface: exactly the promised names, importable by package name.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as groundset from "groundset";
import { describe, expect, test } from "vitest";

describe("the package", () => {
  test("exports exactly the public names", () => {
    expect(Object.keys(groundset).sort()).toEqual([
      "APIConnectionError",
      "APIError",
      "APITimeoutError",
      "AuthenticationError",
      "BATCH_SIZE",
      "BadRequestError",
      "Client",
      "Comparison",
      "ConflictError",
      "ContentTooLargeError",
      "DEFAULT_BASE_URL",
      "ExampleError",
      "Experiment",
      "GroundsetError",
      "HashError",
      "InternalServerError",
      "MAX_DEPTH",
      "MAX_NAME_CHARS",
      "MAX_REPORTED_ERRORS",
      "MAX_SAFE_INTEGER",
      "MAX_SOURCE_ID_CHARS",
      "NotFoundError",
      "PLAN_THRESHOLD",
      "PermissionDeniedError",
      "RateLimitError",
      "UnsupportedMediaTypeError",
      "UnsupportedTypeError",
      "ValidationError",
      "asEvaluator",
      "canonicalize",
      "compareExperiments",
      "createClient",
      "deleteDataset",
      "deleteSchema",
      "deleteTag",
      "diffVersions",
      "evaluateExperiment",
      "exampleHash",
      "exportDataset",
      "getDataset",
      "getSchema",
      "hashExamples",
      "hashFile",
      "hashJsonl",
      "hashValue",
      "listDatasets",
      "listExperiments",
      "listTags",
      "listVersions",
      "loadExperiment",
      "manifestDigest",
      "readExamples",
      "resumeExperiment",
      "runExperiment",
      "setSchema",
      "sourceIdOf",
      "tagHistory",
      "tagVersion",
      "upsertDataset",
    ]);
  });

  test("is ESM with types and no path to the addon", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      type: string;
      types: string;
      exports: Record<string, unknown>;
      engines: { node: string };
    };
    expect(manifest.type).toBe("module");
    expect(Object.keys(manifest.exports)).toEqual([".", "./package.json"]);
    expect(manifest.engines.node).toBe(">=18");
    const declarations = readFileSync(new URL(`../${manifest.types}`, import.meta.url), "utf8");
    expect(declarations).not.toMatch(/native|\.node/);
  });

  test("a plain node process imports it by name and hashes", () => {
    const script = "import { hashValue } from 'groundset'; console.log(hashValue({ b: 1, a: [1, 'é'] }));";
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: new URL("..", import.meta.url),
      encoding: "utf8",
    });
    expect(output.trim()).toBe("8717ac25ea6b88548fae92fcf938c6f0764f85913ba025812e1859bf0166f5d8");
  });
});
