//! The core's record reader (`groundset_records::read_records_file`) off the JS thread: JSONL, JSON
//! and CSV files, structured or flat records, source ids, content hashes, canonical content,
//! and every bad record.

use canonhash::{HashError, StableCode};
use groundset_records::{Format, ReadIssue, ReadOptions, ReadOutcome};
use napi::bindgen_prelude::{AsyncTask, Uint32Array};
use napi::{Env, Task};
use napi_derive::napi;

use crate::error::to_napi;

/// How to read a file (`groundset_records::ReadOptions`).
#[napi(object)]
pub struct ReadFileOptions {
    /// `jsonl`, `json` or `csv` (also `ndjson`); missing: from the file name's extension.
    pub format: Option<String>,
    /// The member holding each record's source id; missing: the content hash is the id.
    pub id_key: Option<String>,
    /// Flat records: the members that form `input`.
    pub input_keys: Option<Vec<String>>,
    /// Flat records: the members that form `output`.
    pub output_keys: Option<Vec<String>>,
    /// Flat records: the members that form `metadata`.
    pub metadata_keys: Option<Vec<String>>,
    /// Worker threads; missing or 0: every core.
    pub threads: Option<u32>,
    /// Whether to give each record's canonical content.
    pub with_content: Option<bool>,
}

/// A bad record (or the rest of the file, from `line` on).
#[napi(object)]
pub struct NativeIssue {
    /// The 1-based line where the record starts (files only).
    pub line: Option<u32>,
    /// The 0-based index of the record.
    pub row: u32,
    /// The record's source id, when it had a valid one.
    pub source_id: Option<String>,
    /// The core's stable code (`Code::as_str`).
    pub code: String,
    /// The JSON path inside the record.
    pub path: String,
    /// The explanation.
    pub message: String,
    /// The 1-based column (in characters) on `line` where the reader found the problem (a JSON
    /// syntax error), when it is on that line.
    pub column: Option<u32>,
}

impl NativeIssue {
    pub(crate) fn new<C: StableCode>(
        line: Option<usize>,
        row: usize,
        source_id: Option<String>,
        error: &HashError<C>,
    ) -> Self {
        NativeIssue {
            line: line.map(saturate),
            row: saturate(row),
            source_id,
            code: error.code().as_str().to_owned(),
            path: error.path(),
            message: error.message().to_owned(),
            column: syntax_column(line, error),
        }
    }
}

/// The column of a JSON syntax error inside the record's line, as the Python SDK gives it: only
/// for `invalid_json` past the line's first character (a CSV cell's error is located in its
/// message, at column 1 of its line; other codes are located at their object, not the fault),
/// and only on the record's own line (a JSON document's record spans lines).
fn syntax_column<C: StableCode>(line: Option<usize>, error: &HashError<C>) -> Option<u32> {
    let position = error.position()?;
    let located = error.code().as_str() == "invalid_json" && position.column > 1 && Some(position.line) == line;
    located.then(|| saturate(position.column))
}

fn saturate(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// The records of a file, packed: strings made one by one would cost the JS thread more than
/// the reading costs a core.
#[napi(object)]
pub struct ReadRecords {
    /// The source ids, one after the other.
    pub ids: String,
    /// The length of each source id in `ids`, in UTF-16 units.
    pub id_lengths: Uint32Array,
    /// The content hashes, 64 hex digits each.
    pub hashes: String,
    /// The 1-based line where each record starts.
    pub lines: Uint32Array,
    /// The 0-based index of each record in the file.
    pub rows: Uint32Array,
    /// With content: each record's `"input":…,"output":…,"metadata":…` (the members of its
    /// wire line, canonical JSON), one after the other; a new string starts where one would
    /// outgrow what a JS string holds, never inside a record.
    pub contents: Option<Vec<String>>,
    /// With content: the length of each record's text in `contents`, in UTF-16 units.
    pub content_lengths: Option<Uint32Array>,
    /// At most `MAX_REPORTED_ERRORS` bad records, in file order.
    pub issues: Vec<NativeIssue>,
    /// How many bad records there were beyond `issues`.
    pub more_issues: u32,
}

/// A packed [`ReadRecords`], built on the worker.
pub struct Packed {
    ids: String,
    id_lengths: Vec<u32>,
    hashes: String,
    lines: Vec<u32>,
    rows: Vec<u32>,
    contents: Option<(Vec<String>, Vec<u32>)>,
    issues: Vec<ReadIssue>,
    more_issues: usize,
}

/// The most UTF-16 units in one string of `contents`: below V8's limit of 2^29 - 24.
const CONTENT_CHUNK_UNITS: usize = 1 << 28;

fn utf16_len(text: &str) -> napi::Result<u32> {
    let units = if text.is_ascii() {
        text.len()
    } else {
        text.encode_utf16().count()
    };
    u32::try_from(units).map_err(|_| napi::Error::from_reason("groundset: a record is too long for a JS string"))
}

fn pack(outcome: ReadOutcome, with_content: bool) -> napi::Result<Packed> {
    let records = &outcome.records;
    let mut ids = String::with_capacity(records.iter().map(|record| record.source_id.len()).sum());
    let mut id_lengths = Vec::with_capacity(records.len());
    let mut hashes = String::with_capacity(records.len() * 64);
    let mut lines = Vec::with_capacity(records.len());
    let mut rows = Vec::with_capacity(records.len());
    let mut chunks: Vec<String> = Vec::new();
    let mut content_lengths = Vec::with_capacity(if with_content { records.len() } else { 0 });
    let mut chunk = String::new();
    let mut chunk_units = 0;
    for record in records {
        ids.push_str(&record.source_id);
        id_lengths.push(utf16_len(&record.source_id)?);
        hashes.push_str(&record.content_hash);
        lines.push(saturate(record.line));
        rows.push(saturate(record.index));
        if let (true, Some(content)) = (with_content, &record.content) {
            let start = chunk.len();
            chunk.push_str("\"input\":");
            chunk.push_str(&content.input);
            chunk.push_str(",\"output\":");
            chunk.push_str(&content.output);
            chunk.push_str(",\"metadata\":");
            chunk.push_str(&content.metadata);
            let units = utf16_len(&chunk[start..])?;
            if chunk_units + units as usize > CONTENT_CHUNK_UNITS && start > 0 {
                let text = chunk.split_off(start);
                chunks.push(std::mem::replace(&mut chunk, text));
                chunk_units = 0;
            }
            chunk_units += units as usize;
            content_lengths.push(units);
        }
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    Ok(Packed {
        ids,
        id_lengths,
        hashes,
        lines,
        rows,
        contents: with_content.then_some((chunks, content_lengths)),
        issues: outcome.issues,
        more_issues: outcome.more_issues,
    })
}

/// Reads a file on a libuv worker (which waits for rayon's threads).
pub struct ReadFile {
    path: String,
    options: ReadOptions,
}

impl Task for ReadFile {
    type Output = Packed;
    type JsValue = ReadRecords;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let outcome = groundset_records::read_records_file(&self.path, &self.options).map_err(|e| to_napi(&e))?;
        pack(outcome, self.options.with_content)
    }

    fn resolve(&mut self, _env: Env, packed: Self::Output) -> napi::Result<Self::JsValue> {
        let (contents, content_lengths) = match packed.contents {
            Some((chunks, lengths)) => (Some(chunks), Some(Uint32Array::new(lengths))),
            None => (None, None),
        };
        Ok(ReadRecords {
            ids: packed.ids,
            id_lengths: Uint32Array::new(packed.id_lengths),
            hashes: packed.hashes,
            lines: Uint32Array::new(packed.lines),
            rows: Uint32Array::new(packed.rows),
            contents,
            content_lengths,
            issues: packed
                .issues
                .into_iter()
                .map(|issue| NativeIssue::new(Some(issue.line), issue.index, issue.source_id, &issue.error))
                .collect(),
            more_issues: saturate(packed.more_issues),
        })
    }
}

/// Every record of the file at `path`, read and hashed by the core on its threads, in file
/// order, with every bad record (up to `MAX_REPORTED_ERRORS`, then a count). The promise
/// rejects only when the file cannot be read (`io_error`) or an option is bad.
#[napi(ts_return_type = "Promise<ReadRecords>")]
pub fn read_file(path: String, options: ReadFileOptions) -> napi::Result<AsyncTask<ReadFile>> {
    let format = options
        .format
        .as_deref()
        .map(str::parse::<Format>)
        .transpose()
        .map_err(|e| to_napi(&e))?;
    let options = ReadOptions {
        format,
        id_key: options.id_key,
        input_keys: options.input_keys,
        output_keys: options.output_keys,
        metadata_keys: options.metadata_keys,
        threads: options.threads.map(|count| count as usize),
        with_content: options.with_content.unwrap_or(false),
        ..ReadOptions::default()
    };
    Ok(AsyncTask::new(ReadFile { path, options }))
}
