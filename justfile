# groundset tasks. `just --list` shows them; `just test` is what CI runs.

set shell := ["bash", "-euo", "pipefail", "-c"]

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

# Build everything that exists.
build: venv
    cargo build --release --workspace

# Every check CI runs: lint, unit and property tests, conformance.
test: lint test-core conformance

# The Rust workspace's tests (unit, golden vectors, JCS files, property tests, doc tests).
test-core:
    cargo test --workspace

# Proof against references nobody here wrote: JCS files, the 1M-number sequence, Node's String(x).
conformance: venv
    cargo test --release -p canonhash --test es6_numbers --test jcs_conformance --test vectors -- --include-ignored
    {{python}} fixtures/generate_hash_vectors.py --check

# Format, lint and type checks.
lint: venv
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings
    {{python}} -m ruff check fixtures scripts tests
    {{python}} -m ruff format --check fixtures scripts tests

# Benchmarks; writes bench-results/*.md tables.
bench: venv
    cargo bench -p canonhash --bench hashing
    mkdir -p bench-results
    {{python}} scripts/criterion_table.py target/criterion > bench-results/canonhash.md
    cat bench-results/canonhash.md

# Fuzz the JSON text entry point (stable toolchain; not run in CI).
fuzz seconds="60":
    cargo install --quiet cargo-fuzz --locked || true
    cd crates/canonhash && RUSTC_BOOTSTRAP=1 cargo fuzz run canonicalize_text -- -max_total_time={{seconds}}

# The end-to-end demo (completed by the examples issue): for now, hash the bundled example set.
demo: build
    @echo "groundset demo: the server and SDKs are not built yet; showing the hashing core on its golden vectors."
    cargo test -q --release -p canonhash --test vectors
