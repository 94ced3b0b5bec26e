//! `groundset.hash_jsonl`: the core's parallel JSONL hashing, without the GIL.

use std::fs::File;
use std::path::PathBuf;

use canonhash::{JsonlOptions, hash_jsonl_reader};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::error::{os_error, to_pyerr};

/// Hashes every example record of a JSONL file on `threads` threads (`None` or 0: every core),
/// with the GIL released, and returns `(source_id, content_hash)` pairs in file order.
///
/// Each line is an object with a source id under `id_key` (a string or an integer), `input`,
/// and optional `output` and `metadata`; blank lines are skipped. If any line fails, the
/// `HashError` of the first failing line is raised, with its `line` and `column`.
#[pyfunction]
#[pyo3(signature = (path, *, id_key = "id", threads = None))]
pub fn hash_jsonl(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    id_key: &str,
    threads: Option<i64>,
) -> PyResult<Vec<(String, String)>> {
    let threads = match threads.map(usize::try_from) {
        None => None,
        Some(Ok(count)) => Some(count),
        Some(Err(_)) => return Err(PyValueError::new_err("threads must be None or a non-negative integer")),
    };
    let options = JsonlOptions {
        id_key: id_key.to_owned(),
        threads,
    };
    // Opened here rather than by `canonhash::hash_jsonl_file` (which does only this before
    // reading) so that a missing or unreadable file raises the matching `OSError` subclass.
    let file_path: PathBuf = path.extract()?;
    let file = File::open(&file_path).map_err(|error| os_error(py, &error, path))?;
    // Opening a directory succeeds on Unix; reading it would fail with a less clear message.
    #[cfg(unix)]
    if file.metadata().is_ok_and(|metadata| metadata.is_dir()) {
        const EISDIR: i32 = 21;
        return Err(os_error(py, &std::io::Error::from_raw_os_error(EISDIR), path));
    }
    let results = py
        .detach(|| hash_jsonl_reader(file, &options))
        .map_err(|error| to_pyerr(py, &error))?;
    results
        .into_iter()
        .map(|result| match result {
            Ok(record) => Ok((record.source_id, record.content_hash)),
            Err(error) => Err(to_pyerr(py, &error)),
        })
        .collect()
}
