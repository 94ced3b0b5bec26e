//! `groundset_core.canonicalize`: the RFC 8785 canonical bytes of a Python value.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::value::Converter;

/// The RFC 8785 (JCS) canonical JSON of `value`, as UTF-8 bytes.
///
/// Raises `HashError` (or its subclass `UnsupportedTypeError`) with the code and JSON path of
/// the first value outside the hash domain.
#[pyfunction]
pub fn canonicalize<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(value.py(), &canonical_bytes(value)?))
}

/// The canonical JSON of `value` (the body of [`canonicalize`], for the other modules).
pub fn canonical_bytes(value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let converter = Converter::new();
    converter
        .convert(value, 0)
        .and_then(|value| Ok(canonhash::canonicalize(&value)?))
        .map_err(|failure| failure.into_pyerr(value.py()))
}
