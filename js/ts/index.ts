/**
 * groundset for Node: content hashes of JSON values and evaluation examples, computed by the
 * same Rust core (`canonhash`) as every other groundset SDK, so one value has one hash
 * everywhere.
 *
 * @module
 */

export { canonicalize } from "./canon.js";
export { GroundsetError, HashError } from "./errors.js";
export { exampleHash, hashExamples, hashValue, manifestDigest } from "./hash.js";
export { hashJsonl } from "./jsonl.js";
