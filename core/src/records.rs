//! The server's request decoding: `groundset_records`' example records, without the GIL.
//!
//! Public as `groundset_core.decode_ndjson_records` and friends (the server's request path): each
//! record comes back as a tuple of plain strings (the content as UTF-8 `bytes` when asked), and
//! each refused record as its line, source id and `HashError`, so no Python value is built for
//! the content.

use groundset_records::{DecodedRecord, RecordError, RecordOptions};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::error::to_pyerr;

/// `(position, source_id, content_hash, input, output, metadata)`; the content texts are the
/// canonical JSON of each part (`str`, or UTF-8 `bytes`), or `None` for a hash-only record.
type RecordTuple = (
    usize,
    String,
    String,
    Option<Py<PyAny>>,
    Option<Py<PyAny>>,
    Option<Py<PyAny>>,
);
/// `(line, source_id, error)`: the NDJSON line (`None` in a JSON body, whose error path names
/// the item) and the source id when the record had a valid one.
pub(crate) type FailureTuple = (Option<usize>, Option<String>, Py<PyAny>);

/// A content text as Python `bytes` (a copy: a `str` of non-ASCII text is a decoding into
/// wider code units that a database driver encodes back to UTF-8) or `str`.
fn text(py: Python<'_>, text: &str, as_bytes: bool) -> Py<PyAny> {
    if as_bytes {
        PyBytes::new(py, text.as_bytes()).into_any().unbind()
    } else {
        PyString::new(py, text).into_any().unbind()
    }
}

fn split(py: Python<'_>, decoded: Vec<DecodedRecord>, content_bytes: bool) -> (Vec<RecordTuple>, Vec<FailureTuple>) {
    let mut records = Vec::with_capacity(decoded.len());
    let mut failures = Vec::new();
    for result in decoded {
        match result {
            Ok(record) => {
                let (input, output, metadata) = match record.content {
                    Some(content) => (
                        Some(text(py, &content.input, content_bytes)),
                        Some(text(py, &content.output, content_bytes)),
                        Some(text(py, &content.metadata, content_bytes)),
                    ),
                    None => (None, None, None),
                };
                records.push((
                    record.position,
                    record.source_id,
                    record.content_hash,
                    input,
                    output,
                    metadata,
                ));
            }
            Err(failure) => failures.push(failure_tuple(py, failure)),
        }
    }
    (records, failures)
}

/// A refused record as `(line, source_id, HashError)`.
pub(crate) fn failure_tuple(py: Python<'_>, failure: RecordError) -> FailureTuple {
    let line = failure.error.position().map(|position| position.line);
    let error = to_pyerr(py, &failure.error).into_value(py).into_any();
    (line, failure.source_id, error)
}

fn options(with_content: bool, max_source_id_chars: usize) -> RecordOptions {
    RecordOptions {
        with_content,
        max_source_id_chars,
    }
}

/// Decodes the example records of an NDJSON block (complete lines, numbered from
/// `first_line`) on all cores with the GIL released: `(records, failures)`, in line order; the
/// content texts as UTF-8 `bytes` with `content_bytes`.
#[pyfunction]
#[pyo3(signature = (data, *, first_line = 1, with_content = true, max_source_id_chars = 512, content_bytes = false))]
pub fn decode_ndjson_records(
    py: Python<'_>,
    data: &[u8],
    first_line: usize,
    with_content: bool,
    max_source_id_chars: usize,
    content_bytes: bool,
) -> (Vec<RecordTuple>, Vec<FailureTuple>) {
    let options = options(with_content, max_source_id_chars);
    let decoded = py.detach(|| groundset_records::decode_ndjson_records(data, first_line, options));
    split(py, decoded, content_bytes)
}

/// Decodes a JSON request body: the canonical text of the object without its `examples`
/// array, and `(records, failures)` of that array (`None` when `examples` is not an array),
/// the content texts as UTF-8 `bytes` with `content_bytes`.
/// Raises `HashError` when the body is not JSON or holds a value outside the hash domain.
#[pyfunction]
#[pyo3(signature = (data, *, with_content = true, max_source_id_chars = 512, content_bytes = false))]
#[allow(clippy::type_complexity)]
pub fn decode_request_json(
    py: Python<'_>,
    data: &[u8],
    with_content: bool,
    max_source_id_chars: usize,
    content_bytes: bool,
) -> PyResult<(String, Option<(Vec<RecordTuple>, Vec<FailureTuple>)>)> {
    let options = options(with_content, max_source_id_chars);
    let body = py
        .detach(|| groundset_records::decode_request_json(data, options))
        .map_err(|error| to_pyerr(py, &error))?;
    Ok((
        body.header,
        body.records.map(|decoded| split(py, decoded, content_bytes)),
    ))
}

/// The canonical JSON text of one NDJSON line that is not a record (a request's header).
#[pyfunction]
pub fn canonicalize_ndjson_line(py: Python<'_>, data: &[u8], line: usize) -> PyResult<String> {
    groundset_records::canonicalize_ndjson_line(data, line).map_err(|error| to_pyerr(py, &error))
}

/// The number of line feeds in `data`, found by a SIMD search (`bytes.count` reads a byte at a
/// time: ~0.4 s of a million-example body): where the line numbers of the block after it start.
#[pyfunction]
pub fn count_newlines(py: Python<'_>, data: &[u8]) -> usize {
    py.detach(|| memchr::memchr_iter(b'\n', data).count())
}
