//! Reading example records from JSONL, JSON and CSV files: the one reader of the SDKs, the CLI
//! and `groundset hash`, so that a file gives the same source ids and content hashes wherever
//! it is read.
//!
//! Rules for every format: a leading UTF-8 byte-order mark is skipped, CRLF line ends are
//! accepted, a text starting with a UTF-16 byte-order mark is one issue (save it as UTF-8), and
//! every problem names the line where its record starts and the JSON path inside the record.
//! Every bad record is reported (up to [`ReadOptions::max_errors`], then counted), not only the
//! first; a record with a problem is left out of [`ReadOutcome::records`].
//!
//! - JSONL (`.jsonl`, `.ndjson`): one JSON object per non-blank line, read in chunks on all
//!   cores. Lines end with LF or CRLF, or with CR alone in a file without any LF.
//! - JSON (`.json`): an array of record objects, or an object whose only member is `examples`,
//!   that array (another member is `unknown_field`). A record's line is the line where its item
//!   starts; its issue's position is where the parser found the problem, else where the item
//!   starts, and its message ends with the item's index, so that a file on one line is usable.
//! - CSV (`.csv`): a header row, then one record per row; values stay strings (an empty cell
//!   is `""`), and a dotted column name such as `input.question` becomes nested objects
//!   (`{"input": {"question": …}}`). Quoted cells may hold newlines and have no length limit;
//!   a quote left open or text after a closing quote is `invalid_csv` (RFC 4180), a `"` inside
//!   an unquoted cell is a literal. An empty file (or blank) has no records, as a header-only one.
//!   A column named `….:json` (`input.score:json`, `metadata:json`) holds JSON text instead,
//!   read as a JSONL value is, and its empty cell leaves the member out (see `csv.rs`).
//!
//! A record is *structured* (`input` an object, `output` and `metadata` objects, null or
//! absent, and no other member but the id key: another is `unknown_field`, and in CSV a column
//! outside them is `invalid_header`) unless [`ReadOptions`] names `input_keys`, `output_keys` or
//! `metadata_keys`: then it is *flat*, and its top-level members are picked into `input`,
//! `output` and `metadata` (`input_keys` defaults to every member not named in the other two
//! lists and not the id key).
//!
//! The source id is `record[id_key]` by the rule of [`crate::source_id_from_value`]; with no
//! id key it is the content hash, and identical records count once (the first). With an id
//! key, a repeated source id is `duplicate_source_id`.

mod csv;
mod flat;
mod json;

use std::fs::File;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

pub(crate) use flat::Shape;
pub use flat::{check_structured_members, is_structured_member};

use canonhash::ErrorCode;

use crate::error::{Error, RecordCode, record_error};
use crate::jsonl::{BOM, open_file, utf16_mark};
use crate::records::RecordContent;
use crate::source_id::MAX_REPORTED_ERRORS;

/// The formats the reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    Jsonl,
    /// An array of objects, or an object with an `examples` array (`.json`).
    Json,
    /// A header row and one record per row (`.csv`, RFC 4180).
    Csv,
}

impl Format {
    /// The format a file name's extension stands for, ignoring case; `None` for another one.
    ///
    /// ```
    /// use groundset_records::Format;
    /// assert_eq!(Format::from_path("data/Evals.NDJSON".as_ref()), Some(Format::Jsonl));
    /// assert_eq!(Format::from_path("data.txt".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The name of the format: `jsonl`, `json` or `csv`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
}

impl FromStr for Format {
    type Err = Error;

    /// `jsonl`, `json` or `csv` (also `ndjson`), ignoring case.
    fn from_str(name: &str) -> Result<Self, Error> {
        match name.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(record_error(
                RecordCode::Io,
                format!("unknown format {name:?}: expected jsonl, json or csv"),
            )),
        }
    }
}

/// How to read a file of records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The format; `None` takes it from the file's extension.
    pub format: Option<Format>,
    /// The member holding each record's source id; `None` makes the content hash the source id.
    pub id_key: Option<String>,
    /// Top-level members that form `input` (flat records); see the module documentation.
    pub input_keys: Option<Vec<String>>,
    /// Top-level members that form `output` (flat records).
    pub output_keys: Option<Vec<String>>,
    /// Top-level members that form `metadata` (flat records).
    pub metadata_keys: Option<Vec<String>>,
    /// Worker threads; `None` or `Some(0)` uses every core.
    pub threads: Option<usize>,
    /// Whether to give each record's canonical content ([`ReadRecord::content`]).
    pub with_content: bool,
    /// How many issues to keep; the rest are counted in [`ReadOutcome::more_issues`].
    pub max_errors: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            id_key: None,
            input_keys: None,
            output_keys: None,
            metadata_keys: None,
            threads: None,
            with_content: false,
            max_errors: MAX_REPORTED_ERRORS,
        }
    }
}

/// One record read and hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRecord {
    /// The 1-based line where the record starts.
    pub line: usize,
    /// The 0-based index of the record in the file (CSV: the data row, header not counted).
    pub index: usize,
    /// The source id: by the rule of [`crate::source_id_from_value`], or the content hash.
    pub source_id: String,
    /// The SHA-256 of the canonical example (64 lowercase hex digits).
    pub content_hash: String,
    /// The canonical JSON of `input`, `output` and `metadata`, when asked for.
    pub content: Option<RecordContent>,
}

/// Why a record (or the file, from `line` on) could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadIssue {
    /// The 1-based line where the record starts.
    pub line: usize,
    /// The 0-based index of the record in the file.
    pub index: usize,
    /// The record's source id, when it had a valid one.
    pub source_id: Option<String>,
    /// The code, the JSON path inside the record, the message (and the line and column in
    /// the file where the parser knows it).
    pub error: Error,
}

/// What a file held: its good records, in file order, and its problems.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadOutcome {
    pub records: Vec<ReadRecord>,
    /// At most [`ReadOptions::max_errors`] issues, in file order.
    pub issues: Vec<ReadIssue>,
    /// How many issues there were beyond those in `issues`.
    pub more_issues: usize,
}

/// A record hashed by [`Shape`]: its source id (`None` when the content hash is the id).
#[derive(Debug)]
pub(crate) struct Hashed {
    pub(crate) source_id: Option<String>,
    pub(crate) content_hash: String,
    /// Boxed: a result is moved several times, and most are read without their content.
    pub(crate) content: Option<Box<RecordContent>>,
    /// [`key_hash`] of the record's identity (its source id, else its content hash), taken on
    /// the worker thread while the id is in its cache, for [`finish`]'s check of repeats.
    pub(crate) key_hash: u64,
}

impl Hashed {
    pub(crate) fn new(source_id: Option<String>, content_hash: String, content: Option<Box<RecordContent>>) -> Hashed {
        let key_hash = key_hash(source_id.as_deref().unwrap_or(&content_hash));
        Hashed {
            source_id,
            content_hash,
            content,
            key_hash,
        }
    }

    /// What identifies the record in the file: its source id, else its content hash.
    fn key(&self) -> &str {
        self.source_id.as_deref().unwrap_or(&self.content_hash)
    }
}

/// A record refused by [`Shape`], with its source id when it had a valid one.
#[derive(Debug)]
pub(crate) struct Refused {
    pub(crate) source_id: Option<String>,
    pub(crate) error: Error,
}

impl From<Error> for Refused {
    fn from(error: Error) -> Self {
        Refused { source_id: None, error }
    }
}

pub(crate) type Processed = Result<Hashed, Refused>;

/// Reads every record of a file.
///
/// # Errors
/// `io_error` when the file cannot be read, when no format is given and the extension is not
/// one of `.jsonl`, `.ndjson`, `.json`, `.csv`, or when the worker pool cannot start. Problems
/// with the content are in [`ReadOutcome::issues`].
///
/// ```no_run
/// let options = groundset_records::ReadOptions { id_key: Some("id".into()), ..Default::default() };
/// let outcome = groundset_records::read_records_file("evals.csv", &options).unwrap();
/// let digest = canonhash::manifest_digest(outcome.records.iter().map(|r| (&r.source_id, &r.content_hash)));
/// ```
pub fn read_records_file(path: impl AsRef<Path>, options: &ReadOptions) -> Result<ReadOutcome, Error> {
    let path = path.as_ref();
    let format = match options.format.or_else(|| Format::from_path(path)) {
        Some(format) => format,
        None => {
            return Err(record_error(
                RecordCode::Io,
                format!(
                    "cannot tell the format of {}: its name ends in none of .jsonl, .ndjson, .json, .csv (give the format)",
                    path.display()
                ),
            ));
        }
    };
    let file = open_file(path)?;
    let in_file = |error: Error| {
        let message = format!("{}: {}", path.display(), error.message());
        error.recoded(RecordCode::Io.into(), message)
    };
    match format {
        Format::Jsonl => read_jsonl(file, options).map_err(in_file),
        // Both need the whole text: JSON to parse it, CSV to find where each record starts.
        Format::Csv | Format::Json => {
            let data = read_whole(file, options.threads)
                .map_err(|e| record_error(RecordCode::Io, format!("cannot read {}: {e}", path.display())))?;
            read_records_bytes(&data, format, options).map_err(in_file)
        }
    }
}

/// The bytes of a file. On Unix the workers read parts of it at once: copying a large file out
/// of the page cache into fresh memory is bound by the page faults it takes, and on one
/// thread it is a large part of reading a CSV file.
fn read_whole(mut file: File, threads: Option<usize>) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    #[cfg(unix)]
    {
        use std::io::{Seek, SeekFrom};
        use std::os::unix::fs::FileExt;

        use rayon::prelude::*;

        const PART: usize = 4 << 20;
        let size = usize::try_from(file.metadata()?.len()).unwrap_or(0);
        if size > PART {
            data = vec![0; size];
            let workers = crate::jsonl::Workers::new(threads).map_err(std::io::Error::other)?;
            let shared = &file;
            let read = workers.install(|| {
                data.par_chunks_mut(PART)
                    .enumerate()
                    .try_for_each(|(part, bytes)| shared.read_exact_at(bytes, (part * PART) as u64))
            });
            match read {
                // Whatever was appended since the size was taken is read below.
                Ok(()) => _ = file.seek(SeekFrom::Start(size as u64))?,
                // The file shrank while it was read: read it again from the start.
                Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                    data.clear();
                    file.rewind()?;
                }
                Err(error) => return Err(error),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = threads;
    file.read_to_end(&mut data)?;
    Ok(data)
}

/// Reads every record of an in-memory file of the given format.
///
/// # Errors
/// `io_error` only when the worker pool cannot start; problems with the content are in
/// [`ReadOutcome::issues`].
///
/// ```
/// use groundset_records::{Format, ReadOptions, read_records_bytes};
/// let data = "\u{FEFF}id,input.q,output.a\r\nq1,\"two\nlines\",4\r\nq2,x\r\n";
/// let options = ReadOptions { id_key: Some("id".into()), ..Default::default() };
/// let outcome = read_records_bytes(data.as_bytes(), Format::Csv, &options).unwrap();
/// assert_eq!(outcome.records[0].source_id, "q1");
/// let issue = &outcome.issues[0];
/// assert_eq!((issue.line, issue.error.code().as_str()), (4, "field_count"));
/// ```
pub fn read_records_bytes(data: &[u8], format: Format, options: &ReadOptions) -> Result<ReadOutcome, Error> {
    let code = match format {
        Format::Jsonl => return read_jsonl(data, options),
        Format::Json => ErrorCode::InvalidJson.into(),
        Format::Csv => RecordCode::InvalidCsv.into(),
    };
    if let Some(error) = utf16_mark(data, code) {
        return Ok(finish(vec![vec![(1, 0, Err(error.into()))]], options));
    }
    match format {
        Format::Json => json::read(strip_bom(data), options),
        _ => csv::read(strip_bom(data), options),
    }
}

pub(crate) fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(BOM).unwrap_or(data)
}

fn read_jsonl<R: Read>(reader: R, options: &ReadOptions) -> Result<ReadOutcome, Error> {
    let shape = Shape::new(options);
    let parts = shape.lines(reader, options.threads)?;
    Ok(finish(parts, options))
}

/// Collects records and issues in file order: checks that source ids are unique (with an id
/// key) or keeps the first of identical records (without), and bounds the issues kept.
/// The results come in parts (in file order), as the workers made them, so that they are not
/// copied into one vector first.
pub(crate) fn finish(parts: Vec<Vec<(usize, usize, Processed)>>, options: &ReadOptions) -> ReadOutcome {
    let count = parts.iter().map(Vec::len).sum();
    let repeats = repeats(&parts);
    let mut outcome = ReadOutcome {
        records: Vec::with_capacity(count),
        ..ReadOutcome::default()
    };
    let mut repeats = repeats.into_iter().peekable();
    for (position, (line, index, result)) in parts.into_iter().flatten().enumerate() {
        let repeat = repeats.next_if(|(at, _)| *at == position).map(|(_, first)| first);
        let refused = match (result, repeat) {
            (Ok(hashed), None) => {
                let source_id = hashed.source_id.unwrap_or_else(|| hashed.content_hash.clone());
                outcome.records.push(ReadRecord {
                    line,
                    index,
                    source_id,
                    content_hash: hashed.content_hash,
                    content: hashed.content.map(|content| *content),
                });
                continue;
            }
            // The same content again: the content hash is its identity, so it is one example.
            (Ok(Hashed { source_id: None, .. }), Some(_)) => continue,
            (
                Ok(Hashed {
                    source_id: Some(source_id),
                    ..
                }),
                Some((first_line, _)),
            ) => {
                let id_key = options.id_key.as_deref().unwrap_or("id");
                // A file's records are named by their line everywhere (`FILE:LINE:`), so the
                // other record is too; a 0-based row beside 1-based lines read as an off-by-one.
                let message = format!("the source id {source_id:?} is also the id of line {first_line}");
                Refused {
                    error: record_error(RecordCode::DuplicateSourceId, message).within_key(id_key),
                    source_id: Some(source_id),
                }
            }
            (Err(refused), _) => refused,
        };
        if outcome.issues.len() < options.max_errors {
            outcome.issues.push(ReadIssue {
                line,
                index,
                source_id: refused.source_id,
                error: refused.error,
            });
        } else {
            outcome.more_issues += 1;
        }
    }
    outcome
}

/// The records (by their position in `parts`, flattened) whose identity an earlier record
/// already has, in order, each with that first record's line and index.
///
/// The identities are grouped by their [`key_hash`], taken on the workers, sorted: a map of
/// the ids would read every id once more, scattered in memory, on one thread (on a 500 MB file
/// that was a sixth of the reading time). Ids whose hashes are equal are then compared.
fn repeats(parts: &[Vec<(usize, usize, Processed)>]) -> Vec<(usize, (usize, usize))> {
    let all: Vec<&(usize, usize, Processed)> = parts.iter().flatten().collect();
    let hashed = |position: usize| all[position].2.as_ref().ok();
    let mut keys: Vec<(u64, usize)> = all
        .iter()
        .enumerate()
        .filter_map(|(position, (_, _, result))| Some((result.as_ref().ok()?.key_hash, position)))
        .collect();
    // By hash, then by position: the first of a run of equal ids comes first.
    keys.sort_unstable();
    let mut repeats = Vec::new();
    let mut distinct: Vec<usize> = Vec::new();
    for run in keys.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
        distinct.clear();
        for &(_, position) in run {
            let key = hashed(position).map(Hashed::key);
            match distinct.iter().find(|&&first| hashed(first).map(Hashed::key) == key) {
                Some(&first) => repeats.push((position, (all[first].0, all[first].1))),
                None => distinct.push(position),
            }
        }
    }
    repeats.sort_unstable_by_key(|(position, _)| *position);
    repeats
}

/// The hash [`finish`] groups identities by.
fn key_hash(key: &str) -> u64 {
    BuildHasherDefault::<IdHasher>::default().hash_one(key)
}

/// The hasher of [`key_hash`] (FxHash's multiply-and-rotate): several times faster than the
/// default SipHash on short ids. It does not resist chosen collisions, which only a file's own
/// author could choose, at worst slowing the reading of that file (ids of equal hash are
/// compared with each other).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut add = |word: u64| self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            add(u64::from_le_bytes(word.try_into().expect("eight bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0; 8];
            last[..rest.len()].copy_from_slice(rest);
            add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        // `str` hashing ends with 0xFF, so that "a" + "b" and "ab" differ in composite keys.
        self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    /// Mixes the high bits into the low ones (MurmurHash3's finalizer): a multiply only carries
    /// low bits upwards, and the map picks buckets by the low bits.
    fn finish(&self) -> u64 {
        let mut hash = self.0;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^ (hash >> 33)
    }
}
