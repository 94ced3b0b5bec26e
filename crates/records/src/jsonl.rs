//! The batch path: hash every record of a JSONL buffer or file on all cores.
//!
//! Each line holds one example record: `input`, optional `output` and `metadata`, and a source
//! id under a key the caller names; any other member is `unknown_field`. Blank lines are
//! skipped; lines end with LF or CRLF (or CR alone, in a file without any LF). The
//! result keeps file order and has, for every record, its source id and content hash or the
//! error of that line, so a CI job can report every bad line at once.
//!
//! The chunked, parallel line loop here is also the JSONL path of [`crate::read_records_file`];
//! the functions of this module are that reader for structured records, one result per line.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use canonhash::{ErrorCode, TextPosition, Value, parse_document, position_of_offset};

use crate::error::{Code, Error, RecordCode, from_hash, record_error};
use crate::read::Shape;

/// How to read a JSONL batch.
#[derive(Debug, Clone)]
pub struct JsonlOptions {
    /// The member that holds each record's source id (a string, or an integer).
    pub id_key: String,
    /// Worker threads; `None` or `Some(0)` uses every core.
    pub threads: Option<usize>,
}

impl Default for JsonlOptions {
    fn default() -> Self {
        JsonlOptions {
            id_key: "id".to_owned(),
            threads: None,
        }
    }
}

/// One hashed record of a JSONL batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHash {
    /// 1-based line number in the input.
    pub line: usize,
    pub source_id: String,
    pub content_hash: String,
}

/// A record's hash, or why that line could not be hashed (its position names the line).
pub type RecordResult = Result<RecordHash, Error>;

/// Bytes read and hashed per step; large enough to keep every core busy, small enough that
/// a file of any size is hashed in bounded memory (plus the results).
const CHUNK_BYTES: usize = 8 << 20;

/// Hashes every record of an in-memory JSONL buffer.
///
/// # Errors
/// Only when the worker pool cannot start (`io_error`); per-line problems are in the results.
///
/// ```
/// use groundset_records::{hash_jsonl_bytes, JsonlOptions};
/// let data = b"{\"id\": \"a\", \"input\": {\"q\": 1}}\n\n{\"id\": 7, \"input\": []}\n";
/// let results = hash_jsonl_bytes(data, &JsonlOptions::default()).unwrap();
/// assert_eq!(results[0].as_ref().unwrap().source_id, "a");
/// let error = results[1].as_ref().unwrap_err();
/// assert_eq!((error.code().as_str(), error.position().unwrap().line), ("not_an_object", 3));
/// ```
pub fn hash_jsonl_bytes(data: &[u8], options: &JsonlOptions) -> Result<Vec<RecordResult>, Error> {
    hash_jsonl_reader(data, options)
}

/// Hashes every record read from `reader`, a chunk at a time. A leading UTF-8 byte-order mark
/// is skipped. This is [`crate::read_records_file`] for structured JSONL records with an id key,
/// one result per non-blank line (source ids are not checked for uniqueness).
///
/// # Errors
/// `io_error` when reading fails or the worker pool cannot start.
pub fn hash_jsonl_reader<R: Read>(reader: R, options: &JsonlOptions) -> Result<Vec<RecordResult>, Error> {
    let shape = Shape::structured(Some(options.id_key.clone()), false);
    let parts = shape.lines(reader, options.threads)?;
    Ok(parts
        .into_iter()
        .flatten()
        .map(|(line, _, result)| match result {
            Ok(hashed) => Ok(RecordHash {
                line,
                source_id: hashed.source_id.unwrap_or_default(),
                content_hash: hashed.content_hash,
            }),
            Err(refused) => Err(refused.error),
        })
        .collect())
}

/// Hashes every record of a JSONL file.
///
/// # Errors
/// `io_error` when the file cannot be opened or read.
pub fn hash_jsonl_file(path: impl AsRef<Path>, options: &JsonlOptions) -> Result<Vec<RecordResult>, Error> {
    hash_jsonl_reader(open_file(path.as_ref())?, options)
}

pub(crate) fn open_file(path: &Path) -> Result<File, Error> {
    File::open(path).map_err(|e| record_error(RecordCode::Io, format!("cannot open {}: {e}", path.display())))
}

/// Results in file order, one vector per chunk read: each with its line and index.
pub(crate) type Parts<T> = Vec<Vec<(usize, usize, T)>>;

/// Applies `per_line` to every non-blank line of what `reader` gives (after a leading UTF-8
/// byte-order mark), on the worker threads, a chunk at a time; gives each line's number, its
/// index among the non-blank lines and its result, in order, in one part per chunk (joining
/// them would copy every result once more). A text in UTF-16 gives one result, `refuse` of its
/// error, at line 1.
pub(crate) fn read_lines<R, T, F>(
    mut reader: R,
    threads: Option<usize>,
    per_line: F,
    refuse: impl FnOnce(Error) -> T,
) -> Result<Parts<T>, Error>
where
    R: Read,
    T: Send,
    F: Fn(&[u8], usize, &mut Vec<u8>) -> T + Sync,
{
    let workers = Workers::new(threads)?;
    let mut parts = Vec::new();
    let mut next_index = 0;
    let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + (64 << 10));
    let mut next_line = 1;
    let mut at_end = false;
    let mut first = true;
    let mut seen_newline = false;
    while !at_end {
        // `read_to_end` reads into the buffer's spare capacity without zeroing it first.
        let read = (&mut reader)
            .take(CHUNK_BYTES as u64)
            .read_to_end(&mut buffer)
            .map_err(io_error)?;
        at_end = read == 0;
        if first && (buffer.len() >= BOM.len() || at_end) {
            first = false;
            if let Some(error) = utf16_mark(&buffer, ErrorCode::InvalidJson.into()) {
                return Ok(vec![vec![(1, 0, refuse(error))]]);
            }
            if buffer.starts_with(BOM) {
                buffer.drain(..BOM.len());
            }
        }
        // Hash the complete lines; carry a partial last line over to the next chunk.
        let complete = if at_end {
            buffer.len()
        } else {
            match memchr::memrchr(b'\n', &buffer) {
                Some(newline) => {
                    seen_newline = true;
                    newline + 1
                }
                // One line longer than a chunk: read more of it before hashing.
                None => continue,
            }
        };
        // A text without any LF whose lines end with CR alone (classic Mac OS): a JSON text
        // holds no raw CR inside a string, so its lines are split at each CR. This is known
        // only at the end, so such a file is read whole; a file with LF pays one `memchr`.
        let cr_only = at_end
            && !seen_newline
            && memchr::memchr(b'\n', &buffer).is_none()
            && memchr::memchr(b'\r', &buffer).is_some();
        let end_of_line = if cr_only { b'\r' } else { b'\n' };
        let (lines, after) = split_lines_at(&buffer[..complete], next_line, end_of_line);
        next_line = after;
        let first_index = next_index;
        next_index += lines.len();
        let part: Vec<(usize, usize, T)> = workers.install(|| {
            lines
                .par_iter()
                .enumerate()
                .with_min_len(64)
                .map_init(
                    || Vec::with_capacity(4096),
                    |scratch, (offset, &(line, bytes))| (line, first_index + offset, per_line(bytes, line, scratch)),
                )
                .collect()
        });
        if !part.is_empty() {
            parts.push(part);
        }
        buffer.drain(..complete);
    }
    Ok(parts)
}

/// The UTF-8 byte-order mark that some editors and spreadsheets write at the start of a file.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The one error of a text that starts with a UTF-16 byte-order mark (Windows "Unicode"
/// exports): read as UTF-8, every line would be an error of its own.
pub(crate) fn utf16_mark(data: &[u8], code: Code) -> Option<Error> {
    let mark = match data {
        [0xFF, 0xFE, ..] => "FF FE",
        [0xFE, 0xFF, ..] => "FE FF",
        _ => return None,
    };
    let message = format!("the file is UTF-16 (it starts with the byte-order mark {mark}); save it as UTF-8");
    Some(Error::new(code, message).with_position(TextPosition { line: 1, column: 1 }))
}

pub(crate) fn io_error(error: std::io::Error) -> Error {
    record_error(RecordCode::Io, error.to_string())
}

/// The threads that hash: rayon's global pool, or a pool of the size the caller asked for.
pub(crate) struct Workers(Option<rayon::ThreadPool>);

impl Workers {
    pub(crate) fn new(threads: Option<usize>) -> Result<Self, Error> {
        match threads {
            None | Some(0) => Ok(Workers(None)),
            Some(count) => rayon::ThreadPoolBuilder::new()
                .num_threads(count)
                .build()
                .map(|pool| Workers(Some(pool)))
                .map_err(|e| record_error(RecordCode::Io, format!("cannot start {count} hashing threads: {e}"))),
        }
    }

    /// Runs `work` so that its parallel iterators use these threads.
    pub(crate) fn install<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        match &self.0 {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }
}

/// The non-blank lines of `data` with their numbers (counted from `first_line`), and the number
/// of the line after the last.
pub(crate) fn split_lines(data: &[u8], first_line: usize) -> (Vec<(usize, &[u8])>, usize) {
    split_lines_at(data, first_line, b'\n')
}

/// As [`split_lines`], with lines that end with `end` (`\n`, or `\r` in a CR-only text).
fn split_lines_at(data: &[u8], first_line: usize, end: u8) -> (Vec<(usize, &[u8])>, usize) {
    let mut lines = Vec::with_capacity(data.len() / 512 + 1);
    let mut start = 0;
    let mut line = first_line;
    for newline in memchr::memchr_iter(end, data).chain((data.last() != Some(&end)).then_some(data.len())) {
        let bytes = &data[start..newline];
        if !bytes.iter().all(|b| b.is_ascii_whitespace()) {
            lines.push((line, bytes));
        }
        start = newline + 1;
        line += 1;
    }
    (lines, line)
}

/// `bytes` as text, or `invalid_json` at the line and column of the first byte that is not UTF-8.
pub(crate) fn utf8_text(bytes: &[u8]) -> Result<&str, Error> {
    // The SIMD validator is several times faster than the standard library's (after parsing,
    // validation is most of a line's cost), which then only runs to locate an error.
    simdutf8::basic::from_utf8(bytes).map_err(|_| {
        let valid_up_to = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), str::len);
        let valid = std::str::from_utf8(&bytes[..valid_up_to]).expect("valid up to there");
        Error::new(ErrorCode::InvalidJson.into(), "the text is not valid UTF-8")
            .with_position(position_of_offset(valid, valid.len()))
    })
}

/// One line parsed as a JSON document, with its text (to locate later errors with
/// [`canonhash::HashError::locate_in_line`]); errors carry the line's number.
pub(crate) fn parse_line(bytes: &[u8], line: usize) -> Result<(&str, Value<'_>), Error> {
    let text = utf8_text(bytes).map_err(|error| {
        let column = error.position().map_or(1, |position| position.column);
        error.with_position(TextPosition { line, column })
    })?;
    let value =
        parse_document(text).map_err(|error| from_hash(lone_cr_hint(error, text).locate_in_line(text, line)))?;
    Ok((text, value))
}

/// A JSON error on a line that holds a carriage return before its end, with a hint: the CR
/// split what its writer meant as two lines (a lone CR is a line break only in a file without
/// LF), or two values were written on one line.
fn lone_cr_hint(error: canonhash::HashError, text: &str) -> canonhash::HashError {
    let Some(at) = text.trim_end_matches('\r').find('\r') else {
        return error;
    };
    if error.code() != ErrorCode::InvalidJson {
        return error;
    }
    let column = text[..at].chars().count() + 1;
    let message = format!(
        "{}; the line holds a carriage return (\\r) at column {column}: a lone CR is a line break only \
         in a file without LF, so in this file it is inside the line (remove it, or make it a line break)",
        error.message()
    );
    error.recoded(ErrorCode::InvalidJson, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canonhash::{example_hash, parse_json};

    fn options(threads: usize) -> JsonlOptions {
        JsonlOptions {
            id_key: "key".to_owned(),
            threads: Some(threads),
        }
    }

    #[test]
    fn matches_example_hash_and_keeps_order() {
        let mut data = String::new();
        let mut expected = Vec::new();
        for i in 0..5_000 {
            data.push_str(&format!(
                "{{\"key\": {i}, \"input\": {{\"n\": {i}, \"t\": \"é{i}\"}}, \"output\": {{\"a\": [{i}]}}}}\r\n"
            ));
            let (input_text, output_text) = (format!("{{\"t\": \"é{i}\", \"n\": {i}}}"), format!("{{\"a\": [{i}]}}"));
            let input = parse_json(&input_text).unwrap();
            let output = parse_json(&output_text).unwrap();
            expected.push(example_hash(&input, Some(&output), None).unwrap());
        }
        for threads in [1, 2] {
            let results = hash_jsonl_bytes(data.as_bytes(), &options(threads)).unwrap();
            assert_eq!(results.len(), 5_000);
            for (i, result) in results.iter().enumerate() {
                let record = result.as_ref().unwrap();
                assert_eq!(
                    (record.line, record.source_id.as_str()),
                    (i + 1, i.to_string().as_str())
                );
                assert_eq!(record.content_hash, expected[i]);
            }
        }
    }

    #[test]
    fn reader_carries_lines_across_chunks() {
        let long_text = "x".repeat(CHUNK_BYTES + 10);
        let data = format!(
            "{{\"key\":\"a\",\"input\":{{}}}}\n{{\"key\":\"long\",\"input\":{{\"t\":\"{long_text}\"}}}}\n{}{{\"key\":\"z\",\"input\":{{}}}}",
            "{\"key\":\"m\",\"input\":{}}\n".repeat(400_000)
        );
        let from_reader = hash_jsonl_reader(data.as_bytes(), &options(2)).unwrap();
        let from_bytes = hash_jsonl_bytes(data.as_bytes(), &options(2)).unwrap();
        assert_eq!(from_reader.len(), 400_003);
        assert!(from_reader == from_bytes, "the reader and the buffer paths disagree");
        assert_eq!(from_reader[1].as_ref().unwrap().source_id, "long");
        assert_eq!(from_reader.last().unwrap().as_ref().unwrap().line, 400_003);
    }

    #[test]
    fn each_bad_line_reports_its_own_error() {
        let data = concat!(
            "{\"key\":\"a\",\"input\":{}}\n",
            "not json\n",
            "{\"input\":{}}\n",
            "{\"key\":1.5,\"input\":{}}\n",
            "[1]\n",
            "{\"key\":\"b\"}\n",
            "{\"key\":\"c\",\"input\":{\"v\":[1, 12345678901234567890]}}\n",
            "{\"key\":\"\",\"input\":{}}\n",
            "\n",
            "{\"key\":\"d\",\"input\":{},\"output\":null,\"metadata\":{\"m\":true}}\n"
        );
        let mut data = data.as_bytes().to_vec();
        data.extend_from_slice(b"{\"key\":\"e\",\"input\":{\"bad\":\"\xff\"}}\n");
        let results = hash_jsonl_bytes(&data, &options(2)).unwrap();
        let outcome: Vec<(usize, String, String)> = results
            .iter()
            .map(|r| match r {
                Ok(record) => (record.line, "ok".to_owned(), String::new()),
                Err(e) => (e.position().unwrap().line, e.code().as_str().to_owned(), e.path()),
            })
            .collect();
        let expected = [
            (1, "ok", "$"),
            (2, "invalid_json", "$"),
            (3, "missing_source_id", "$.key"),
            (4, "invalid_source_id", "$.key"),
            (5, "not_an_object", "$"),
            (6, "not_an_object", "$.input"),
            (7, "integer_not_exact", "$.input.v[1]"),
            (8, "invalid_source_id", "$.key"),
            (10, "ok", "$"),
            (11, "invalid_json", "$"),
        ];
        for (got, want) in outcome.iter().zip(expected) {
            assert_eq!((got.0, got.1.as_str()), (want.0, want.1));
            if want.1 != "ok" {
                assert_eq!(got.2, want.2);
            }
        }
        assert_eq!(outcome.len(), expected.len());
        let error = results[6].as_ref().unwrap_err();
        assert_eq!(error.position().unwrap().column, 29);
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let error = hash_jsonl_file("/nonexistent/data.jsonl", &JsonlOptions::default()).unwrap_err();
        assert_eq!(error.code(), RecordCode::Io);
        assert_eq!(error.path(), "$");
        assert!(error.message().contains("/nonexistent/data.jsonl"), "{error}");
    }

    #[test]
    fn a_lone_carriage_return_inside_a_line_is_named_with_its_column() {
        let data = b"{\"key\":\"a\",\"input\":{}}\r{\"key\":\"b\",\"input\":{}}\n{\"key\":\"c\",\"input\":{}} {}\n\
                     {\"key\":\"d\",\"input\":{}}\r\n";
        let results = hash_jsonl_bytes(data, &options(1)).unwrap();
        let cr = results[0].as_ref().unwrap_err();
        assert_eq!((cr.position().unwrap().line, cr.position().unwrap().column), (1, 24));
        assert_eq!(
            cr.message(),
            "unexpected text after the JSON value; the line holds a carriage return (\\r) at column 23: a lone \
             CR is a line break only in a file without LF, so in this file it is inside the line (remove it, or \
             make it a line break)"
        );
        let two = results[1].as_ref().unwrap_err();
        assert_eq!((two.position().unwrap().line, two.position().unwrap().column), (2, 24));
        assert_eq!(two.message(), "unexpected text after the JSON value");
        assert!(results[2].is_ok(), "a CRLF line end is no lone CR");
    }
}
