//! `canonhash::HashError` (and `groundset_records::Error`, the same type over the record
//! layer's codes) as the Python exceptions of `groundset_core.errors`.
//!
//! The exception classes are defined in Python (so that the SDK's errors share their root,
//! `GroundsetError`); this module imports them once and raises them with `code`, `path`, `line` and `column`.

use canonhash::{HashError, StableCode};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

static HASH_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UNSUPPORTED_TYPE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const ERRORS_MODULE: &str = "groundset_core.errors";

/// Why converting or hashing failed: a core error to raise as `groundset_core.HashError`, or a
/// Python exception (such as `MemoryError`) to pass through unchanged.
#[derive(Debug)]
pub enum Failure {
    Hash(HashError),
    /// A record that breaks a rule of the record layer (the structured-record member rule).
    Record(groundset_records::Error),
    Python(PyErr),
}

impl Failure {
    /// Puts an object member name in front of a core error's path.
    #[must_use]
    pub fn within_key(self, key: &str) -> Self {
        match self {
            Failure::Hash(error) => Failure::Hash(error.within_key(key)),
            Failure::Record(error) => Failure::Record(error.within_key(key)),
            other => other,
        }
    }

    /// Puts an array index in front of a core error's path.
    #[must_use]
    pub fn within_index(self, index: usize) -> Self {
        match self {
            Failure::Hash(error) => Failure::Hash(error.within_index(index)),
            Failure::Record(error) => Failure::Record(error.within_index(index)),
            other => other,
        }
    }

    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            Failure::Hash(error) => to_pyerr(py, &error),
            Failure::Record(error) => to_pyerr(py, &error),
            Failure::Python(error) => error,
        }
    }
}

impl From<HashError> for Failure {
    fn from(error: HashError) -> Self {
        Failure::Hash(error)
    }
}

impl From<PyErr> for Failure {
    fn from(error: PyErr) -> Self {
        Failure::Python(error)
    }
}

/// The `groundset_core.errors` exception for `error`: `UnsupportedTypeError` for values of a Python
/// type outside JSON, `HashError` otherwise.
pub fn to_pyerr<C: StableCode>(py: Python<'_>, error: &HashError<C>) -> PyErr {
    match build(py, error) {
        Ok(exception) => exception,
        Err(import_failure) => import_failure,
    }
}

fn build<C: StableCode>(py: Python<'_>, error: &HashError<C>) -> PyResult<PyErr> {
    // By name, so that a record error (`groundset_records::Error`) takes the same path.
    let class = match error.code().as_str() {
        "unsupported_type" | "non_string_key" => {
            UNSUPPORTED_TYPE_ERROR.import(py, ERRORS_MODULE, "UnsupportedTypeError")?
        }
        _ => HASH_ERROR.import(py, ERRORS_MODULE, "HashError")?,
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", error.code().as_str())?;
    kwargs.set_item("path", error.path())?;
    kwargs.set_item("reason", error.message())?;
    if let Some(position) = error.position() {
        kwargs.set_item("line", position.line)?;
        kwargs.set_item("column", position.column)?;
    }
    let exception = class.call((error.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(exception))
}

/// `OSError` (its errno subclass, such as `FileNotFoundError`) for a file that cannot be read,
/// with `filename` as the caller gave it, as `open()` does.
pub fn os_error(py: Python<'_>, error: &std::io::Error, filename: &Bound<'_, PyAny>) -> PyErr {
    let Some(errno) = error.raw_os_error() else {
        return PyOSError::new_err(format!("{error}: {filename}"));
    };
    let strerror = py
        .import("os")
        .and_then(|os| os.getattr("strerror")?.call1((errno,))?.extract::<String>())
        .unwrap_or_else(|_| error.to_string());
    PyOSError::new_err((errno, strerror, filename.clone().unbind()))
}
