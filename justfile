# groundset tasks. `just --list` shows them; `just test` is what CI runs.

set shell := ["bash", "-euo", "pipefail", "-c"]

# The SDKs' own recipes: `just python::test`, `just js::bench`, ...
mod core "core/justfile"
mod python "python/justfile"
mod js "js/justfile"
mod server "server/justfile"
mod ui "ui/justfile"

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

# Build everything: the core, the Python SDK and the server into .venv (the core's wheel into
# target/wheels), the Node package in js/, the web UI into the server's package (before it).
build: venv core::build python::build js::build ui::build server::build

# Every check CI runs: lint, the core's tests, conformance, the SDKs' and the server's suites, the web UI's browser test, parity, examples, docs, the clean-room install.
test: build lint test-core conformance python::test js::test server::test server::check-install ui::test parity test-examples test-docs test-install

# The core crates' tests (unit, golden vectors, JCS files, property tests, read tests, doc tests):
# canonhash (RFC 8785 + SHA-256), groundset-records (file reader, source ids, request records) and
# groundset-schema (JSON Schema 2020-12 on examples).
test-core:
    cargo test -p canonhash -p groundset-records -p groundset-schema

# Python and Node hash the same 12,000 seeded values: identical bytes, hashes and error codes.
parity: build
    {{python}} -m pytest -q tests/parity

# Proof against references nobody here wrote: JCS files, the 1M-number sequence, Node's String(x).
conformance: venv
    cargo test --release -p canonhash --test es6_numbers --test jcs_conformance --test vectors -- --include-ignored
    cargo test --release -p groundset-records --test source_id_vectors
    {{python}} fixtures/generate_hash_vectors.py --check

# Format, lint and type checks, the SDKs' included.
lint: venv core::lint python::lint js::lint server::lint ui::lint
    cargo fmt --all --check
    cargo clippy -p canonhash -p groundset-records -p groundset-schema --all-targets -- -D warnings
    {{python}} -m ruff check fixtures scripts tests
    {{python}} -m ruff format --check fixtures scripts tests
    MYPYPATH=scripts {{python}} -m mypy --strict scripts/versions.py scripts/check_dist.py scripts/test_install.py scripts/bench_import.py

# Benchmarks; writes the tables bench-results/*.md.
bench: bench-core python::bench js::bench server::bench bench-import

# The core crates' criterion benchmarks (hashing, and the file readers); writes bench-results/canonhash.md.
bench-core: venv
    cargo bench -p canonhash --bench hashing
    cargo bench -p groundset-records --bench reading
    mkdir -p bench-results
    {{python}} scripts/criterion_table.py target/criterion > bench-results/canonhash.md
    cat bench-results/canonhash.md

# Fuzz the JSON text entry point (stable toolchain; not run in CI).
fuzz seconds="60":
    cargo install --quiet cargo-fuzz --locked || true
    cd crates/canonhash && RUSTC_BOOTSTRAP=1 cargo fuzz run canonicalize_text -- -max_total_time={{seconds}}

# groundset-core's abi3 manylinux2014 wheel (glibc 2.17+) and sdist, the groundset (SDK) and groundset-server wheels
# built from their sdists (the server's with the web UI that ui::build writes into its package,
# gitignored, so built here first), the npm tarballs of groundset and of its platform package
# groundset-linux-x64-gnu; scripts/check_dist.py checks tags, licences and contents.
# Release artifacts into dist/, checked, with their sizes.
dist: venv core::build js::build ui::build
    {{python}} scripts/versions.py --check
    rm -rf dist && mkdir -p dist
    # groundset-core linked by zig (the ziglang wheel) against glibc 2.17's symbol versions, for the
    # manylinux2014 tag; core::build's wheel would carry this machine's glibc. Its own target
    # directory (target/x86_64-unknown-linux-gnu), so core::build's incremental builds are kept.
    cd core && PATH="{{venv}}/bin:$PATH" {{python}} -m maturin build --release --zig --compatibility manylinux2014 --quiet --out ../dist
    cd core && {{python}} -m maturin sdist --out ../dist
    {{python}} -m build --quiet --outdir dist python
    {{python}} -m build --quiet --outdir dist server
    cp js/native/groundset.linux-x64-gnu.node js/npm/linux-x64-gnu/
    cd dist && npm pack --silent ../js ../js/npm/linux-x64-gnu
    {{python}} scripts/check_dist.py dist

# scripts/bench_import.py: installs dist/ as test-install does, then times `import groundset` and
# the Node package's import in 20 fresh processes each (goals 150 ms and 100 ms), lists what the
# Python import loads, and the artifacts' sizes; writes bench-results/import-time.md.
# Size and start-up of the installed SDKs.
bench-import: dist
    {{python}} scripts/bench_import.py --out bench-results/import-time.md

# scripts/test_install.py: without cargo, rustc or just on PATH and away from the repository, a new
# virtualenv installs the wheels and a new Node project the npm tarballs; the installed server
# runs both quickstarts (checked as the demo checks them); then the sdists build with the toolchain.
# Install dist/ in a clean room and run both quickstarts on the installed server.
test-install: dist
    {{python}} scripts/test_install.py

# The demo: build, start a server on a temporary SQLite, run and check the Python and TypeScript quickstarts.
demo: build
    {{python}} scripts/demo.py

# Both quickstarts on a live server: v1 -> same v1 (no-op) -> v2 and two experiments each; their linters.
test-examples: build
    {{python}} scripts/demo.py --quiet
    {{python}} -m ruff check examples
    {{python}} -m ruff format --check examples
    cd examples/ts && ../../js/node_modules/.bin/biome check .

# Every code snippet of README.md and docs/*.md, run against a live server (tests/docs); mypy on the scripts.
test-docs: build
    {{python}} -m pytest -q tests/docs
    MYPYPATH=scripts:tests/docs {{python}} -m mypy --strict scripts/demo.py scripts/local_server.py scripts/render_openapi.py tests/docs examples/python/quickstart.py examples/python/nightly.py
