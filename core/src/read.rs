//! The core's record reader (`read_records_file`/`read_records_bytes`) and its source-id rule,
//! without the GIL: the one way the SDK and the CLI read a JSONL, JSON or CSV file.
//!
//! Records come back as tuples of plain strings (the canonical JSON texts of each part, never
//! Python values of the content), and problems as `(line, index, source_id, HashError)`, so a
//! caller can report every bad record at once.

use std::path::PathBuf;

use groundset_records::{Error, Format, ReadIssue, ReadOptions, ReadOutcome, ReadRecord, RecordCode};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString};

use crate::error::{os_error, to_pyerr};
use crate::value::Converter;

/// `(line, index, source_id, content_hash, input, output, metadata)`: the content texts are
/// canonical JSON (RFC 8785), or `None` when the content was not asked for.
type RecordTuple = (
    usize,
    usize,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);
/// `(line, index, source_id, error)`: the source id when the record had a valid one.
type IssueTuple = (usize, usize, Option<String>, Py<PyAny>);
/// The records in file order, at most `max_errors` issues, and how many issues were left out.
type Outcome = (Vec<RecordTuple>, Vec<IssueTuple>, usize);

// The `max_errors = 100` defaults (here and in `hash_examples_collect`) are written as numbers so
// that Python's signature shows them; this keeps them equal to the core's limit.
const _: () = assert!(groundset_records::MAX_REPORTED_ERRORS == 100);

fn format(name: Option<&str>) -> PyResult<Option<Format>> {
    name.map(|name| {
        name.parse::<Format>()
            .map_err(|error| PyValueError::new_err(error.message().to_owned()))
    })
    .transpose()
}

fn thread_count(threads: Option<i64>) -> PyResult<Option<usize>> {
    threads
        .map(|count| {
            usize::try_from(count).map_err(|_| PyValueError::new_err("threads must be None or a non-negative integer"))
        })
        .transpose()
}

/// The reader's options from the keywords of `read_file` and `read_hashes`; `keys` are the
/// input, output and metadata key lists.
fn read_options(
    format: Option<&str>,
    id_key: Option<String>,
    keys: [Option<Vec<String>>; 3],
    threads: Option<i64>,
    with_content: bool,
    max_errors: usize,
) -> PyResult<ReadOptions> {
    let [input_keys, output_keys, metadata_keys] = keys;
    Ok(ReadOptions {
        format: self::format(format)?,
        id_key,
        input_keys,
        output_keys,
        metadata_keys,
        threads: thread_count(threads)?,
        with_content,
        max_errors,
    })
}

fn outcome(py: Python<'_>, outcome: ReadOutcome) -> Outcome {
    let records = outcome
        .records
        .into_iter()
        .map(|record| {
            let (input, output, metadata) = match record.content {
                Some(content) => (Some(content.input), Some(content.output), Some(content.metadata)),
                None => (None, None, None),
            };
            (
                record.line,
                record.index,
                record.source_id,
                record.content_hash,
                input,
                output,
                metadata,
            )
        })
        .collect();
    (records, issue_tuples(py, outcome.issues), outcome.more_issues)
}

/// Each bad record as `(line, index, source_id, HashError)`.
fn issue_tuples(py: Python<'_>, issues: Vec<ReadIssue>) -> Vec<IssueTuple> {
    issues
        .into_iter()
        .map(|issue| {
            let error = to_pyerr(py, &issue.error).into_value(py).into_any();
            (issue.line, issue.index, issue.source_id, error)
        })
        .collect()
}

/// The `(source_id, content_hash)` pairs of `records` as a Python list, built straight from the
/// records (a vector of the pairs first would be one more copy of every id and hash).
fn pair_list(py: Python<'_>, records: Vec<ReadRecord>) -> PyResult<Bound<'_, PyList>> {
    PyList::new(
        py,
        records
            .into_iter()
            .map(|record| (record.source_id, record.content_hash)),
    )
}

/// Reads a file with the GIL released, after [`check_readable`].
fn read_path(py: Python<'_>, path: &Bound<'_, PyAny>, options: &ReadOptions) -> PyResult<ReadOutcome> {
    let file_path = check_readable(py, path)?;
    py.detach(|| groundset_records::read_records_file(&file_path, options))
        .map_err(|error| to_pyerr(py, &error))
}

/// Raises the `OSError` subclass `open()` would for a path that is missing,
/// unreadable or a directory, before the core reads it.
fn check_readable(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    let file_path: PathBuf = path.extract()?;
    let file = std::fs::File::open(&file_path).map_err(|error| os_error(py, &error, path))?;
    #[cfg(unix)]
    if file.metadata().is_ok_and(|metadata| metadata.is_dir()) {
        const EISDIR: i32 = 21;
        return Err(os_error(py, &std::io::Error::from_raw_os_error(EISDIR), path));
    }
    Ok(file_path)
}

/// Reads every record of a JSONL, JSON or CSV file on `threads` threads (`None` or 0: every
/// core) with the GIL released. `format` is `"jsonl"`, `"json"` or `"csv"` (`None`: from the
/// extension). Raises `OSError` for a file that cannot be read and `HashError` (`io_error`) for
/// an unknown extension; problems with records are returned, not raised.
#[pyfunction]
#[pyo3(signature = (
    path, *, format = None, id_key = None, input_keys = None, output_keys = None, metadata_keys = None,
    with_content = true, threads = None, max_errors = 100,
))]
#[allow(clippy::too_many_arguments)]
pub fn read_file(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    format: Option<&str>,
    id_key: Option<String>,
    input_keys: Option<Vec<String>>,
    output_keys: Option<Vec<String>>,
    metadata_keys: Option<Vec<String>>,
    with_content: bool,
    threads: Option<i64>,
    max_errors: usize,
) -> PyResult<Outcome> {
    let keys = [input_keys, output_keys, metadata_keys];
    let options = read_options(format, id_key, keys, threads, with_content, max_errors)?;
    let read = read_path(py, path, &options)?;
    Ok(outcome(py, read))
}

/// `(source_id, content_hash)` pairs of every record of a JSONL, JSON or CSV file, as
/// [`read_file`] reads them without content, with its issues and the count left out: what
/// `groundset.hash_file` needs, without building a seven-item tuple per record (on a 500 MB
/// file that was a fifth of the time).
#[pyfunction]
#[pyo3(signature = (
    path, *, format = None, id_key = None, input_keys = None, output_keys = None, metadata_keys = None,
    threads = None, max_errors = 100,
))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn read_hashes<'py>(
    py: Python<'py>,
    path: &Bound<'_, PyAny>,
    format: Option<&str>,
    id_key: Option<String>,
    input_keys: Option<Vec<String>>,
    output_keys: Option<Vec<String>>,
    metadata_keys: Option<Vec<String>>,
    threads: Option<i64>,
    max_errors: usize,
) -> PyResult<(Bound<'py, PyList>, Vec<IssueTuple>, usize)> {
    let keys = [input_keys, output_keys, metadata_keys];
    let options = read_options(format, id_key, keys, threads, false, max_errors)?;
    let read = read_path(py, path, &options)?;
    let issues = issue_tuples(py, read.issues);
    Ok((pair_list(py, read.records)?, issues, read.more_issues))
}

/// `(source_id, content_hash)` for every record of a JSONL file of structured records, in file
/// order, read by the core reader with the GIL released. The first bad record is raised as its
/// `HashError` (with its line); `groundset.hash_file` reports every one.
#[pyfunction]
#[pyo3(signature = (path, *, id_key = "id", threads = None))]
pub fn hash_jsonl<'py>(
    py: Python<'py>,
    path: &Bound<'_, PyAny>,
    id_key: &str,
    threads: Option<i64>,
) -> PyResult<Bound<'py, PyList>> {
    // One issue is enough: the first bad record is raised.
    let options = ReadOptions {
        format: Some(Format::Jsonl),
        id_key: Some(id_key.to_owned()),
        threads: thread_count(threads)?,
        max_errors: 1,
        ..ReadOptions::default()
    };
    let read = read_path(py, path, &options)?;
    if let Some(issue) = read.issues.first() {
        return Err(to_pyerr(py, &issue.error));
    }
    pair_list(py, read.records)
}

/// The source id a Python value stands for, by the one rule of the core (docs/hashing.md): a
/// `str` of 1 to 512 characters without U+0000, or an integral `int` or `float` of magnitude at
/// most 2^53 - 1 (RFC 7493 section 2.2) spelled as its digits (`7.0` gives `"7"`). `bool` is not
/// a number here. Raises `HashError` `invalid_source_id` at `$` for anything else.
#[pyfunction]
pub fn source_id(value: &Bound<'_, PyAny>) -> PyResult<String> {
    source_id_of(value).map_err(|error| to_pyerr(value.py(), &error))
}

fn invalid(message: String) -> Error {
    Error::new(RecordCode::InvalidSourceId.into(), message)
}

pub fn source_id_of(value: &Bound<'_, PyAny>) -> Result<String, Error> {
    if let Ok(text) = value.cast::<PyString>() {
        let Ok(text) = text.to_str() else {
            return Err(invalid(
                "a source id must be well-formed Unicode; this str holds a lone surrogate".to_owned(),
            ));
        };
        return groundset_records::check_source_id(text).map(|()| text.to_owned());
    }
    if value.is_instance_of::<PyBool>() {
        return Err(invalid(
            "a source id must be a string or an integer, found a boolean".to_owned(),
        ));
    }
    if value.is_instance_of::<PyInt>() {
        return match value.extract::<i128>() {
            Ok(number) => groundset_records::source_id_from_i128(number),
            // No i128 holds it, so it is far beyond the range.
            Err(_) => Err(invalid(format!(
                "the integer {} is beyond the source-id range of ±{} (2^53 - 1); write it as a string",
                value.str().map_or_else(|_| "?".to_owned(), |text| text.to_string()),
                groundset_records::MAX_SAFE_INTEGER
            ))),
        };
    }
    if let Ok(number) = value.cast::<PyFloat>() {
        return groundset_records::source_id_from_f64(number.value());
    }
    match Converter::new().kind_only(value) {
        Ok(kind) => groundset_records::source_id_from_value(&kind),
        Err(_) => Err(invalid(format!(
            "a source id must be a string or an integer, found a value of Python type {}",
            crate::value::type_name(value)
        ))),
    }
}
