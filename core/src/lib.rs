//! `groundset_core._native`: the compiled module of the `groundset-core` Python package.
//!
//! A thin layer over the `canonhash`, `groundset-records` and `groundset-schema` crates, one module per core module: arguments are
//! converted ([`value`]), the core is called, and its errors are raised as the exceptions of
//! `groundset_core.errors` ([`error`]). The public API is `groundset_core/__init__.py`; this
//! module is private to it.

use pyo3::prelude::*;

mod canon;
mod copy;
mod error;
mod hash;
mod lines;
mod manifest;
mod prepare;
mod read;
mod records;
mod schema;
mod tape;
mod value;

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add("MAX_DEPTH", canonhash::MAX_DEPTH)?;
    module.add("MAX_SOURCE_ID_CHARS", groundset_records::MAX_SOURCE_ID_CHARS)?;
    module.add("MAX_SAFE_INTEGER", groundset_records::MAX_SAFE_INTEGER)?;
    module.add("MAX_NAME_CHARS", groundset_records::MAX_NAME_CHARS)?;
    module.add("MAX_REPORTED_ERRORS", groundset_records::MAX_REPORTED_ERRORS)?;
    module.add_function(wrap_pyfunction!(canon::canonicalize, module)?)?;
    module.add_function(wrap_pyfunction!(hash::hash_value, module)?)?;
    module.add_function(wrap_pyfunction!(hash::example_hash, module)?)?;
    module.add_function(wrap_pyfunction!(hash::hash_examples, module)?)?;
    module.add_function(wrap_pyfunction!(hash::manifest_digest, module)?)?;
    module.add_function(wrap_pyfunction!(hash::manifest_digest_packed, module)?)?;
    module.add_function(wrap_pyfunction!(hash::hash_examples_collect, module)?)?;
    module.add_function(wrap_pyfunction!(prepare::prepare_examples, module)?)?;
    module.add_function(wrap_pyfunction!(lines::example_lines, module)?)?;
    module.add_function(wrap_pyfunction!(manifest::classify_manifest, module)?)?;
    module.add_function(wrap_pyfunction!(manifest::manifest_digest_ordered, module)?)?;
    module.add_function(wrap_pyfunction!(read::hash_jsonl, module)?)?;
    module.add_function(wrap_pyfunction!(read::read_file, module)?)?;
    module.add_function(wrap_pyfunction!(read::read_hashes, module)?)?;
    module.add_function(wrap_pyfunction!(read::source_id, module)?)?;
    module.add_function(wrap_pyfunction!(records::decode_ndjson_records, module)?)?;
    module.add_function(wrap_pyfunction!(records::decode_request_json, module)?)?;
    module.add_function(wrap_pyfunction!(records::canonicalize_ndjson_line, module)?)?;
    module.add_function(wrap_pyfunction!(copy::copy_binary_rows, module)?)?;
    module.add_function(wrap_pyfunction!(records::count_newlines, module)?)?;
    module.add_class::<schema::SchemaValidator>()?;
    Ok(())
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
