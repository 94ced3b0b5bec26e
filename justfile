# groundset tasks. `just --list` shows them; `just test` is what CI runs.

set shell := ["bash", "-euo", "pipefail", "-c"]

# The SDKs' own recipes: `just python::test`, `just js::bench`, ...
mod python "python/justfile"
mod js "js/justfile"
mod server "server/justfile"

root := justfile_directory()
venv := root / ".venv"
python := venv / "bin/python"

# List the recipes.
default:
    @just --list

# The project virtualenv with the Python tools the recipes use.
venv:
    [ -x {{python}} ] || python3 -m venv {{venv}}
    {{python}} -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Build everything: the Python package and the server into .venv, the Node package in js/.
build: venv python::build js::build server::build

# Every check CI runs: lint, the core's tests, conformance, the SDKs' and the server's suites, parity.
test: build lint test-core conformance python::test js::test server::test parity

# The core crate's tests (unit, golden vectors, JCS files, property tests, doc tests).
test-core:
    cargo test -p canonhash

# Python and Node hash the same 12,000 seeded values: identical bytes, hashes and error codes.
parity: build
    {{python}} -m pytest -q tests/parity

# Proof against references nobody here wrote: JCS files, the 1M-number sequence, Node's String(x).
conformance: venv
    cargo test --release -p canonhash --test es6_numbers --test jcs_conformance --test vectors -- --include-ignored
    {{python}} fixtures/generate_hash_vectors.py --check

# Format, lint and type checks, the SDKs' included.
lint: venv python::lint js::lint server::lint
    cargo fmt --all --check
    cargo clippy -p canonhash --all-targets -- -D warnings
    {{python}} -m ruff check fixtures scripts tests
    {{python}} -m ruff format --check fixtures scripts tests

# Benchmarks; writes the tables bench-results/*.md.
bench: bench-core python::bench js::bench server::bench

# The core's criterion benchmarks; writes bench-results/canonhash.md.
bench-core: venv
    cargo bench -p canonhash --bench hashing
    mkdir -p bench-results
    {{python}} scripts/criterion_table.py target/criterion > bench-results/canonhash.md
    cat bench-results/canonhash.md

# Fuzz the JSON text entry point (stable toolchain; not run in CI).
fuzz seconds="60":
    cargo install --quiet cargo-fuzz --locked || true
    cd crates/canonhash && RUSTC_BOOTSTRAP=1 cargo fuzz run canonicalize_text -- -max_total_time={{seconds}}

# The end-to-end demo (completed by the examples issue): for now, both SDKs hash the same data.
demo: build
    #!/usr/bin/env bash
    set -euo pipefail
    data=$(mktemp -d)
    trap 'rm -rf "$data"' EXIT
    {{python}} fixtures/bench/generate_examples.py --count 20000 --out "$data/examples.jsonl"
    py_value=$({{python}} -c "import groundset; print(groundset.hash_value({'b': 1, 'a': [1.0, 'é']}))")
    node_value=$(node --input-type=module -e "import { hashValue } from '{{root}}/js/dist/index.js'; console.log(hashValue({ b: 1, a: [1, 'é'] }))")
    echo "The same value, hashed by each SDK:"
    echo "  python $py_value"
    echo "  node   $node_value"
    py_digest=$({{python}} -c "import groundset, sys; pairs = groundset.hash_jsonl(sys.argv[1]); print(len(pairs), 'examples, digest', groundset.manifest_digest(pairs))" "$data/examples.jsonl")
    node_digest=$(node --input-type=module -e "import { hashJsonl, manifestDigest } from '{{root}}/js/dist/index.js'; const pairs = await hashJsonl(process.argv[1]); console.log(pairs.length, 'examples, digest', manifestDigest(pairs))" "$data/examples.jsonl")
    echo "20,000 examples from a JSONL file, hashed by each SDK on all cores:"
    echo "  python $py_digest"
    echo "  node   $node_digest"
    [ "$py_value" = "$node_value" ] && [ "$py_digest" = "$node_digest" ] || { echo "the SDKs disagree" >&2; exit 1; }
    echo "The server and the upsert/experiment examples arrive with the next issues."
