//! `groundset_core.SchemaValidator`: the JSON Schema (draft 2020-12) check of examples of the
//! `groundset-schema` crate, for the Python SDK (before upload) and the server (every upsert).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyType};

use groundset_schema::{SchemaIssue, Violation};

use crate::canon::canonical_bytes;

/// A JSON text given as `str` or as UTF-8 `bytes` (the server's decoded content).
fn text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    match value.cast::<PyBytes>() {
        Ok(bytes) => String::from_utf8(bytes.as_bytes().to_vec())
            .map_err(|error| pyo3::exceptions::PyValueError::new_err(error.to_string())),
        Err(_) => value.extract(),
    }
}

static INVALID_SCHEMA_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A Python value (dict, bool, ...) as a `serde_json` value, through its canonical JSON: the
/// same hash-domain rules as every other value the core reads (NaN, lone surrogates refused).
fn to_json(value: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    serde_json::from_slice(&canonical_bytes(value)?)
        .map_err(|error| pyo3::exceptions::PyValueError::new_err(error.to_string()))
}

fn optional_json(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<serde_json::Value>> {
    value.filter(|value| !value.is_none()).map(to_json).transpose()
}

fn invalid_schema(py: Python<'_>, issues: &[SchemaIssue]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = INVALID_SCHEMA_ERROR.import(py, "groundset_core.errors", "InvalidSchemaError")?;
        let listed: Vec<(&str, &str, &str)> = issues
            .iter()
            .map(|issue| (issue.part.as_str(), issue.path.as_str(), issue.message.as_str()))
            .collect();
        let message = issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        let kwargs = PyDict::new(py);
        kwargs.set_item("issues", listed)?;
        Ok(PyErr::from_value(
            class.call((format!("invalid JSON Schema: {message}"),), Some(&kwargs))?,
        ))
    };
    build().unwrap_or_else(|failure| failure)
}

fn triple(violation: Violation) -> (String, String, String) {
    (violation.path, violation.schema_path, violation.message)
}

/// The compiled draft 2020-12 schemas of a dataset's `input`, `output` and `metadata`.
#[pyclass(frozen, module = "groundset_core._native")]
pub struct SchemaValidator {
    inner: groundset_schema::SchemaValidator,
}

#[pymethods]
impl SchemaValidator {
    #[new]
    #[pyo3(signature = (input=None, output=None, metadata=None))]
    fn new(
        py: Python<'_>,
        input: Option<&Bound<'_, PyAny>>,
        output: Option<&Bound<'_, PyAny>>,
        metadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let (input, output, metadata) = (optional_json(input)?, optional_json(output)?, optional_json(metadata)?);
        groundset_schema::SchemaValidator::new(input.as_ref(), output.as_ref(), metadata.as_ref())
            .map(|inner| Self { inner })
            .map_err(|issues| invalid_schema(py, &issues))
    }

    /// Whether no part has a schema.
    #[getter]
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Every violation of one example as `(path, schema_path, message)`.
    #[pyo3(signature = (input, output=None, metadata=None))]
    fn validate(
        &self,
        input: &Bound<'_, PyAny>,
        output: Option<&Bound<'_, PyAny>>,
        metadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<(String, String, String)>> {
        if self.inner.is_empty() {
            return Ok(Vec::new());
        }
        let (input, output, metadata) = (to_json(input)?, optional_json(output)?, optional_json(metadata)?);
        Ok(self
            .inner
            .validate(&input, output.as_ref(), metadata.as_ref())
            .into_iter()
            .map(triple)
            .collect())
    }

    /// Every violation of many examples given as JSON texts `(input, output, metadata)` (each a
    /// `str` or UTF-8 `bytes`), on all cores without the GIL: `(index, path, schema_path,
    /// message)` in the examples' order.
    #[allow(clippy::type_complexity)]
    fn validate_texts(
        &self,
        py: Python<'_>,
        examples: Vec<(Bound<'_, PyAny>, Option<Bound<'_, PyAny>>, Option<Bound<'_, PyAny>>)>,
    ) -> PyResult<Vec<(usize, String, String, String)>> {
        if self.inner.is_empty() {
            return Ok(Vec::new());
        }
        let examples = examples
            .iter()
            .map(|(i, o, m)| {
                Ok((
                    text(i)?,
                    o.as_ref().map(text).transpose()?,
                    m.as_ref().map(text).transpose()?,
                ))
            })
            .collect::<PyResult<Vec<(String, Option<String>, Option<String>)>>>()?;
        let found = py.detach(|| {
            let borrowed: Vec<(&str, Option<&str>, Option<&str>)> = examples
                .iter()
                .map(|(i, o, m)| (i.as_str(), o.as_deref(), m.as_deref()))
                .collect();
            self.inner.validate_many_texts(&borrowed)
        });
        found
            .map(|found| {
                found
                    .into_iter()
                    .map(|(index, violation)| {
                        let (path, schema_path, message) = triple(violation);
                        (index, path, schema_path, message)
                    })
                    .collect()
            })
            .map_err(pyo3::exceptions::PyValueError::new_err)
    }
}
