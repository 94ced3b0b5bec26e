//! A CSV file of records (RFC 4180, read by the `csv` crate): a header row, then one record
//! per row. Values stay strings (but in typed columns, below); a dotted column name
//! (`input.question`) nests.
//!
//! Typed cells: a column whose name ends in `:json` (`input.score:json`, `metadata:json`,
//! `input:json`) holds JSON text, parsed under the hash domain's rules as a JSONL value is (a
//! duplicate key, a non-finite number or a lone surrogate is refused with the row's line, the
//! column and the JSON path); an empty cell there leaves the member out. The objects a header
//! names exist in every row: only a `:json` member can be absent, so a file written by the
//! server's export (which puts every value that is not a string present in every record in
//! such a column) reads back to the same content hashes. A `:json` column and a column inside
//! it (`input:json` with `input.x`) are `invalid_header`, as `input` with `input.x` are. The `csv`
//! crate reads bad quoting leniently, so each record's text is checked after it is read
//! ([`quoting_problem`]): a quote left open would read the rest of the file into one cell.
//!
//! A large file is parsed on every worker at once, because one `csv` reader is slower than
//! the hashing it feeds. The text after the header is cut into chunks at likely record
//! boundaries: the start of a line that follows an even number of `"` since the header, which
//! in RFC 4180 text is exactly a record boundary. Each chunk gets its own reader. The cut is
//! only a guess for other text (a `"` inside an unquoted cell, as in `5" screen`, is a literal
//! to the `csv` crate but flips the count), so a chunk's records are used only if the reader
//! of the records before it stopped exactly at the chunk's start; otherwise that reader reads
//! on through the chunk, as one reader over the whole text would. So the records, their lines
//! and every problem are those of a single reader, whatever the text.

use std::borrow::Cow;
use std::ops::Range;

use ::csv::{ByteRecord, Reader, ReaderBuilder, StringRecord};
use rayon::prelude::*;

use super::flat::{STRUCTURED_MEMBERS, similar};
use super::{Processed, ReadOptions, ReadOutcome, Refused, Shape, finish};
use canonhash::{TextPosition, Value, compare_utf16, parse_document};

use crate::error::{Error, RecordCode, from_hash, record_error};
use crate::jsonl::{BOM, Workers};

/// The most text one chunk holds: small enough for every worker to get several chunks (so
/// that one slow chunk does not leave the others idle), large enough that finding the cuts and
/// starting the readers costs nothing next to parsing.
const CHUNK_BYTES: usize = 1 << 20;
/// The least text one chunk holds.
const MIN_CHUNK_BYTES: usize = 64 << 10;

/// A column name's place in the nested record: a cell, or an object of further names.
#[derive(Debug)]
enum Node {
    Cell(usize),
    /// A `:json` column: its cell's JSON text, or no member when the cell is empty.
    Json(usize),
    /// Members in canonical order, so that every row's object is already sorted.
    Object(Vec<(String, Node)>),
}

/// Reads the records of CSV text (a leading byte-order mark already taken off).
pub(super) fn read(data: &[u8], options: &ReadOptions) -> Result<ReadOutcome, Error> {
    read_in_chunks(data, options, None)
}

/// As [`read`], with chunks of at most `chunk_bytes` (by default from the text's size and the
/// number of workers), so that tests can cut small texts into many chunks.
fn read_in_chunks(data: &[u8], options: &ReadOptions, chunk_bytes: Option<usize>) -> Result<ReadOutcome, Error> {
    let workers = Workers::new(options.threads)?;
    let shape = Shape::new(options);
    // With an id key a row of empty cells cannot be a record (an empty id is refused); without
    // one it is a record of empty strings, as a program writing such a record would mean it.
    let data = if options.id_key.is_some() {
        without_empty_tail(data)
    } else {
        data
    };
    // An empty file (or one of line ends and spaces only) has no records, as a header-only one:
    // so that an export of an empty sheet can mirror a dataset to empty (when allowed).
    if data.iter().all(u8::is_ascii_whitespace) {
        return Ok(ReadOutcome::default());
    }
    let mut reader = csv_reader(data);
    let mut header = StringRecord::new();
    let header_issue = |error: Error| Ok(finish(vec![vec![(1, 0, Err(error.into()))]], options));
    match reader.read_record(&mut header) {
        Ok(true) => {}
        Ok(false) => return Ok(ReadOutcome::default()),
        Err(error) => return header_issue(csv_error(error, 1)),
    }
    let header_line = header.position().map_or(1, |position| start_line(data, 0, 0, position));
    let body = reader.position().byte() as usize;
    if let Some(problem) = quoting_problem(&data[..body]) {
        let field = format!("name {} of the header", problem.field + 1);
        return header_issue(problem.error(data, 0, header_line, &field));
    }
    let columns = match column_tree(&header, &shape) {
        Ok(tree) => tree,
        Err(errors) => {
            let issues = errors
                .into_iter()
                .map(|error| (header_line, 0, Err(located(error, header_line).into())))
                .collect();
            return Ok(finish(vec![issues], options));
        }
    };
    let table = Table {
        data,
        names: header.iter().map(str::to_owned).collect(),
        named: named_columns(&header),
        columns,
        shape,
    };
    let results = workers.install(|| {
        let chunk_bytes = chunk_bytes
            .unwrap_or_else(|| (data.len() / (8 * rayon::current_num_threads())).clamp(MIN_CHUNK_BYTES, CHUNK_BYTES));
        let starts = Starts::find(data, body, chunk_bytes);
        let mut chunks: Vec<Option<Chunk>> = (0..starts.count())
            .into_par_iter()
            .map(|k| Some(table.chunk(&starts, k, true)))
            .collect();
        // In file order, from the chunk the previous reader stopped at; a chunk whose reader
        // gave up (its start was no record boundary for the reader before it, or it ran
        // past the next start) is read again without a bound, from a start that is known good.
        let mut parts = Vec::with_capacity(chunks.len());
        let (mut k, mut index) = (0, 0);
        while k < starts.count() {
            let mut chunk = match chunks[k].take() {
                Some(chunk @ Chunk { next: Some(_), .. }) => chunk,
                _ => table.chunk(&starts, k, false),
            };
            for row in &mut chunk.rows {
                row.1 = index;
                index += 1;
            }
            parts.push(chunk.rows);
            k = chunk
                .next
                .expect("a reader without a bound reads to a start or to the end");
        }
        parts
    });
    Ok(finish(results, options))
}

fn csv_reader(data: &[u8]) -> Reader<&[u8]> {
    ReaderBuilder::new().has_headers(false).flexible(true).from_reader(data)
}

/// Where chunks start: at [`Starts::at`]`[0]` the first data row, then lines that follow an
/// even number of `"` counted from there; the last entry is the end of the text.
struct Starts {
    at: Vec<usize>,
    /// How many `\n` come before each start, to give a chunk's reader its line numbers.
    lines: Vec<usize>,
}

impl Starts {
    fn find(data: &[u8], body: usize, chunk_bytes: usize) -> Starts {
        let segments: Vec<Range<usize>> = (body..data.len())
            .step_by(chunk_bytes)
            .map(|start| start..start.saturating_add(chunk_bytes).min(data.len()))
            .collect();
        let counts: Vec<(usize, usize)> = segments
            .par_iter()
            .map(|segment| {
                let text = &data[segment.clone()];
                (count(b'"', text), count(b'\n', text))
            })
            .collect();
        let mut starts = Starts {
            at: vec![body],
            lines: vec![count(b'\n', &data[..body])],
        };
        let (mut quotes, mut lines) = (0, starts.lines[0]);
        for (segment, (segment_quotes, segment_lines)) in segments.iter().zip(counts) {
            let start = (segment.start > body)
                .then(|| line_after_even_quotes(data, segment.clone(), quotes % 2 == 0))
                .flatten()
                .filter(|&start| start < data.len());
            if let Some(start) = start {
                starts.at.push(start);
                starts.lines.push(lines + count(b'\n', &data[segment.start..start]));
            }
            quotes += segment_quotes;
            lines += segment_lines;
        }
        starts.at.push(data.len());
        starts.lines.push(lines);
        starts
    }

    /// How many chunks there are.
    fn count(&self) -> usize {
        self.at.len() - 1
    }
}

fn count(byte: u8, text: &[u8]) -> usize {
    memchr::memchr_iter(byte, text).count()
}

/// The first start of a line within `segment` that follows an even number of `"` (`even`
/// says whether the count before the segment is even). A line starting with a byte-order mark
/// is passed over: a new reader would drop the mark, where the reader before would keep it.
fn line_after_even_quotes(data: &[u8], segment: Range<usize>, mut even: bool) -> Option<usize> {
    for at in memchr::memchr2_iter(b'"', b'\n', &data[segment.clone()]) {
        let at = segment.start + at;
        if data[at] == b'"' {
            even = !even;
        } else if even && !data[at + 1..].starts_with(BOM) {
            return Some(at + 1);
        }
    }
    None
}

/// What a chunk's records are checked and hashed against.
struct Table<'d> {
    data: &'d [u8],
    /// The header's column names.
    names: Vec<String>,
    /// How many columns have a name: the header's unnamed columns at its end (a spreadsheet's
    /// empty columns beside the table) are read as absent, and must be empty in every row.
    named: usize,
    columns: Vec<(String, Node)>,
    shape: Shape,
}

/// The records one reader read from a chunk's start: each with the line where it starts.
struct Chunk {
    /// The line where each record starts, its index (set once the chunks are put in order)
    /// and what it gave.
    rows: Vec<(usize, usize, Processed)>,
    /// The index of the start where the reader stopped, exactly at a record boundary
    /// ([`Starts::count`] at the end of the text); `None` when it gave up.
    next: Option<usize>,
}

impl Table<'_> {
    /// Reads and hashes the records from start `k` until the reader reaches a later start
    /// with nothing but line ends in between (where a reader starting afresh would be in the
    /// same state). `bounded`: give up once past start `k + 1` without stopping there.
    fn chunk(&self, starts: &Starts, k: usize, bounded: bool) -> Chunk {
        // The first chunk's reader reads the header again, so that it is in exactly the state
        // of the reader that read it; later ones start afresh.
        let (mut reader, base, base_lines) = if k == 0 {
            let mut reader = csv_reader(self.data);
            reader.read_byte_record(&mut ByteRecord::new()).ok();
            (reader, 0, 0)
        } else {
            (csv_reader(&self.data[starts.at[k]..]), starts.at[k], starts.lines[k])
        };
        let mut row = ByteRecord::new();
        let mut scratch = Vec::with_capacity(4096);
        // No more records than line ends, unless the reader runs past the chunk's end.
        let mut rows = Vec::with_capacity(starts.lines[k + 1] - starts.lines[k] + 1);
        loop {
            let at = base + reader.position().byte() as usize;
            let next = starts.at.partition_point(|&start| start < at);
            if next > k && only_line_ends(&self.data[at..starts.at[next]]) {
                return Chunk { rows, next: Some(next) };
            }
            if bounded && next > k + 1 {
                return Chunk { rows, next: None };
            }
            let line_of = |position: &::csv::Position| start_line(self.data, base, base_lines, position);
            match reader.read_byte_record(&mut row) {
                Ok(true) => {
                    let line = row.position().map_or(1, line_of);
                    let text = &self.data[at..base + reader.position().byte() as usize];
                    let processed = match quoting_problem(text) {
                        None => self.row(&row, line, &mut scratch),
                        Some(problem) => {
                            let field = match self.names.get(problem.field) {
                                Some(name) => format!("field {} ({name:?})", problem.field + 1),
                                None => format!("field {}", problem.field + 1),
                            };
                            Err(problem.error(self.data, at, line, &field).into())
                        }
                    };
                    rows.push((line, 0, processed));
                }
                Ok(false) => {
                    return Chunk {
                        rows,
                        next: Some(starts.count()),
                    };
                }
                Err(error) => {
                    let line = error.position().map_or(1, line_of);
                    let error = csv_error(error, line);
                    let line = error.position().map_or(1, |position| position.line);
                    rows.push((line, 0, Err(error.into())));
                }
            }
        }
    }

    /// The source id and hash of one row, or why it has none.
    fn row(&self, row: &ByteRecord, line: usize, scratch: &mut Vec<u8>) -> Processed {
        // A row may leave out the unnamed empty columns at the end, as some writers do.
        if row.len() < self.named || row.len() > self.names.len() {
            let error = record_error(
                RecordCode::FieldCount,
                format!(
                    "line {line} has {} fields, the header has {}",
                    row.len(),
                    self.names.len()
                ),
            );
            return Err(located(error, line).into());
        }
        if let Some(column) = (self.named..row.len()).find(|&column| !row[column].is_empty()) {
            let error = record_error(
                RecordCode::FieldCount,
                format!(
                    "field {} of line {line} holds a value, but column {} has no name in the header: name it, or clear the cell",
                    column + 1,
                    column + 1
                ),
            );
            return Err(located(error, line).into());
        }
        let cells = cells(row).map_err(|column| {
            let error = record_error(
                RecordCode::InvalidCsv,
                format!("field {} of line {line} is not valid UTF-8", column + 1),
            );
            located(error, line)
        })?;
        let members = objects(&self.columns, &cells).map_err(|error| Refused {
            source_id: self.plain_source_id(&cells),
            error: located(self.shape.parse_error(self.json_cell_error(error, &cells)), line),
        })?;
        self.shape
            .record(&Value::Object(members), scratch)
            .map_err(|refused| Refused {
                source_id: refused.source_id,
                error: located(refused.error, line),
            })
    }
}

impl Table<'_> {
    /// The row's source id when the id column is a plain one holding a valid id: so that an
    /// issue of a row whose record could not be built still names it.
    fn plain_source_id(&self, cells: &[&str]) -> Option<String> {
        let id_key = self.shape.id_key()?;
        self.columns.iter().find_map(|(name, node)| match node {
            Node::Cell(column) if name == id_key => {
                crate::source_id::source_id_from_value(&Value::String(Cow::Borrowed(cells[*column]))).ok()
            }
            _ => None,
        })
    }

    /// The error of a `:json` cell that is not JSON of the hash domain, its message naming the
    /// column and where in the cell the parser stopped (the record's line is set by the caller).
    fn json_cell_error(&self, (column, mut error): (usize, Error), cells: &[&str]) -> Error {
        let at = match error.take_offset() {
            Some(offset) => {
                let TextPosition { line, column } = canonhash::position_of_offset(cells[column], offset);
                if line == 1 {
                    format!(", at character {column} of the cell")
                } else {
                    format!(", at line {line}, character {column} of the cell")
                }
            }
            None => String::new(),
        };
        let message = format!(
            "column {} ({:?}) holds JSON text{at}: {}",
            column + 1,
            self.names[column],
            error.message()
        );
        let code = error.code();
        error.recoded(code, message)
    }
}

/// Quoting the `csv` crate reads leniently, and so silently: a quote left open reads the rest
/// of the file into one field, and text after a closing quote (`"x"y`) is glued to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteFault {
    /// The quote at this offset opens a field that the text never closes.
    Unclosed,
    /// The byte at this offset follows a field's closing quote, where a comma or line end belongs.
    TextAfterQuote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QuoteProblem {
    fault: QuoteFault,
    /// The offset in the record's text.
    at: usize,
    /// The 0-based field.
    field: usize,
}

/// The first quoting fault in the text of one record (as the reader read it: from the end of
/// the record before, through its line end), by RFC 4180: a field that starts with `"` ends at
/// the next lone `"` (`""` is a quote inside it), then a comma or a line end. A `"` inside an
/// unquoted field is a literal (`5" screen`), as Python's csv module and spreadsheets read it.
/// This only reads what the reader read, so it is the same whichever reader read the record.
fn quoting_problem(text: &[u8]) -> Option<QuoteProblem> {
    memchr::memchr(b'"', text)?;
    let mut at = text.iter().position(|&b| b != b'\n' && b != b'\r')?;
    let mut field = 0;
    loop {
        if text[at] == b'"' {
            let open = at;
            at += 1;
            loop {
                let Some(quote) = memchr::memchr(b'"', &text[at..]) else {
                    let fault = QuoteFault::Unclosed;
                    return Some(QuoteProblem { fault, at: open, field });
                };
                at += quote + 1;
                if text.get(at) != Some(&b'"') {
                    break;
                }
                at += 1;
            }
            match text.get(at) {
                None | Some(b'\n' | b'\r') => return None,
                Some(b',') => {}
                Some(_) => {
                    let fault = QuoteFault::TextAfterQuote;
                    return Some(QuoteProblem { fault, at, field });
                }
            }
        } else {
            match memchr::memchr3(b',', b'\n', b'\r', &text[at..]) {
                Some(end) if text[at + end] == b',' => at += end,
                _ => return None,
            }
        }
        // Past the comma, at the start of the next field.
        at += 1;
        field += 1;
        if at == text.len() {
            return None;
        }
    }
}

impl QuoteProblem {
    /// The `invalid_csv` error of a problem in the record whose text starts at `start` in
    /// `data` and whose first line is `line`; `field` names the field.
    fn error(&self, data: &[u8], start: usize, line: usize, field: &str) -> Error {
        let at = start + self.at;
        let first = start + data[start..].iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
        let line = line + count(b'\n', &data[first.min(at)..at]);
        let line_start =
            memchr::memrchr2(b'\n', b'\r', &data[first.min(at)..at]).map_or(first.min(at), |end| first + end + 1);
        // Columns count characters: every byte but UTF-8 continuation bytes starts one.
        let column = data[line_start..at].iter().filter(|&&b| b & 0xC0 != 0x80).count() + 1;
        let message = match self.fault {
            QuoteFault::Unclosed => {
                let after = count(b'\n', &data[at..]) - usize::from(data.ends_with(b"\n"));
                let rest = match after {
                    0 => "the rest of its line".to_owned(),
                    1 => "the rest of the file (1 more line)".to_owned(),
                    _ => format!("the rest of the file ({after} more lines)"),
                };
                format!(
                    "the quote that opens {field} at line {line}, column {column} is never closed, so \
                     {rest} would be read into that one field; close it (a quote inside a quoted field \
                     is written twice: \"\")"
                )
            }
            QuoteFault::TextAfterQuote => format!(
                "{field} has text after its closing quote at line {line}, column {column}: a quoted \
                 field ends at its closing quote, then a comma or the line end (a quote inside a \
                 quoted field is written twice: \"\")"
            ),
        };
        record_error(RecordCode::InvalidCsv, message).with_position(TextPosition { line, column })
    }
}

fn only_line_ends(text: &[u8]) -> bool {
    text.iter().all(|&b| b == b'\n' || b == b'\r')
}

/// The row's cells as text, or the index of the first cell that is not UTF-8. The `csv` crate
/// keeps a row's cells side by side, so one check of them all, then cutting at character
/// boundaries, does the work of a check per cell at a fraction of the cost.
fn cells(row: &ByteRecord) -> Result<Vec<&str>, usize> {
    if let Ok(text) = simdutf8::basic::from_utf8(row.as_slice()) {
        if let Some(cells) = (0..row.len()).map(|i| text.get(row.range(i)?)).collect() {
            return Ok(cells);
        }
    }
    row.iter()
        .enumerate()
        .map(|(column, cell)| simdutf8::basic::from_utf8(cell).map_err(|_| column))
        .collect()
}

/// The line where a record's text starts, for a reader that began at byte `base` after
/// `base_lines` line ends. The `csv` crate gives the position where it began looking for the
/// record, which is before the `\n` of a CRLF line end and before blank lines it skips; those
/// are stepped over here.
fn start_line(data: &[u8], base: usize, base_lines: usize, position: &::csv::Position) -> usize {
    let start = (base + position.byte() as usize).min(data.len());
    let skipped = data[start..]
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .filter(|&&b| b == b'\n')
        .count();
    base_lines + position.line() as usize + skipped
}

/// The members of a row's object, or the first `:json` cell that is not JSON of the hash
/// domain: its column and the error, with the JSON path from the record's root.
type Members<'r> = Vec<(Cow<'r, str>, Value<'r>)>;

fn objects<'r>(members: &'r [(String, Node)], row: &[&'r str]) -> Result<Members<'r>, (usize, Error)> {
    let mut object = Vec::with_capacity(members.len());
    for (name, node) in members {
        let value = match node {
            Node::Cell(column) => Value::String(Cow::Borrowed(row[*column])),
            Node::Json(column) if row[*column].is_empty() => continue,
            Node::Json(column) => {
                parse_document(row[*column]).map_err(|error| (*column, from_hash(error).within_key(name)))?
            }
            Node::Object(children) => {
                Value::Object(objects(children, row).map_err(|(column, error)| (column, error.within_key(name)))?)
            }
        };
        object.push((Cow::Borrowed(name.as_str()), value));
    }
    Ok(object)
}

/// The suffix of a typed column's name.
const JSON_SUFFIX: &str = ":json";

/// A column name without its `:json` suffix (the dotted path of its member), and whether it
/// had one.
fn member_path(name: &str) -> (&str, bool) {
    match name.strip_suffix(JSON_SUFFIX) {
        Some(path) => (path, true),
        None => (name, false),
    }
}

fn located(error: Error, line: usize) -> Error {
    error.with_position(TextPosition { line, column: 1 })
}

fn csv_error(error: ::csv::Error, line: usize) -> Error {
    let line = line.max(1);
    let message = match error.kind() {
        ::csv::ErrorKind::Utf8 { err, .. } => {
            format!("field {} of line {line} is not valid UTF-8", err.field() + 1)
        }
        _ => format!("line {line} cannot be read as CSV: {error}"),
    };
    located(record_error(RecordCode::InvalidCsv, message), line)
}

/// The header's columns up to its last named one; every column when none is named (then each
/// empty name is refused). A spreadsheet saved as CSV writes the empty columns beside a table
/// as empty names (`id,question,,`), as it writes the empty rows below it as `,,`.
fn named_columns(header: &StringRecord) -> usize {
    match (0..header.len()).rev().find(|&column| !header[column].is_empty()) {
        Some(last) => last + 1,
        None => header.len(),
    }
}

/// The text without the rows of empty cells at its end (`,,,` lines, which spreadsheets write
/// for the empty rows below a table): no records, where each would else be an issue (its id is
/// empty). The header is never cut, nor a row inside a quoted field
/// (its line holds the closing quote).
fn without_empty_tail(data: &[u8]) -> &[u8] {
    let mut end = data.len();
    loop {
        let text = &data[..end];
        let Some(last) = text.iter().rposition(|&b| b != b'\n' && b != b'\r') else {
            return text;
        };
        let start = memchr::memrchr(b'\n', &text[..last]).map_or(0, |at| at + 1);
        if start == 0 || !text[start..=last].iter().all(|&b| b == b',') {
            return text;
        }
        end = start;
    }
}

fn invalid_header(message: String) -> Error {
    record_error(RecordCode::InvalidHeader, message)
}

/// The nesting of the header's column names, or every problem with them.
fn column_tree(header: &StringRecord, shape: &Shape) -> Result<Vec<(String, Node)>, Vec<Error>> {
    if let Some(error) = other_delimiter(header) {
        return Err(vec![error]);
    }
    let mut root: Vec<(String, Node)> = Vec::new();
    let mut errors = if shape.is_flat() {
        Vec::new()
    } else {
        structured_columns(header, shape.id_key())
    };
    // Each name taken, with its column.
    let mut names: Vec<(&str, usize)> = Vec::new();
    // A name written again, by its first column: (that issue's place in `errors`, the columns
    // repeating it), so that one cause is one issue however often the name comes back.
    let mut repeats: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    for (column, written) in header.iter().enumerate().take(named_columns(header)) {
        let invalid = invalid_header;
        let number = column + 1;
        if written.is_empty() {
            errors.push(invalid(format!("column {number} has an empty name")));
            continue;
        }
        let (name, json) = member_path(written);
        if name.is_empty() {
            errors.push(invalid(format!(
                "column {number} ({written:?}) names no member before {JSON_SUFFIX:?}"
            )));
            continue;
        }
        if name.split('.').any(str::is_empty) {
            errors.push(invalid(format!(
                "column {number} ({name:?}) has an empty part between its dots"
            )));
            continue;
        }
        // Names are taken as written, so `id, input.q` would have a column " input.q": never
        // what was meant, and silent, so it is refused.
        if let Some(part) = name.split('.').find(|part| part.trim() != *part) {
            let which = if name.trim() != name {
                "its name".to_owned()
            } else {
                format!("its part {part:?}")
            };
            errors.push(invalid(format!(
                "column {number} ({name:?}) has white space at the start or end of {which}; names are taken as written, so remove it"
            )));
            continue;
        }
        if let Some(&(_, first)) = names.iter().find(|(earlier, _)| *earlier == name) {
            let earlier = header.get(first).unwrap_or_default();
            if earlier == written {
                match repeats.iter_mut().find(|repeat| repeat.0 == first) {
                    Some(repeat) => repeat.2.push(number),
                    None => {
                        repeats.push((first, errors.len(), vec![number]));
                        errors.push(invalid(String::new()));
                    }
                }
            } else {
                errors.push(invalid(format!(
                    "column {number} ({written:?}) names the same member as column {} ({earlier:?}): a member is a string column or a {JSON_SUFFIX:?} column, not both",
                    first + 1
                )));
            }
            continue;
        }
        names.push((name, column));
        if let Err(conflict) = insert(&mut root, name, column, json) {
            // The column in the way as written (`input:json`, not the member path `input`).
            let other = header
                .iter()
                .find(|other| member_path(other).0 == conflict)
                .unwrap_or(&conflict);
            let whole = if json || other.ends_with(JSON_SUFFIX) {
                format!(
                    " (a {JSON_SUFFIX:?} column holds the whole value, so no other column can name a member inside it)"
                )
            } else {
                String::new()
            };
            errors.push(invalid(format!(
                "column {number} ({written:?}) conflicts with column {other:?}: a name cannot be both a value and an object of further names{whole}"
            )));
        }
    }
    for (first, place, columns) in repeats {
        let written = header.get(first).unwrap_or_default();
        errors[place] = invalid_header(match columns.as_slice() {
            [one] => format!("column {one} ({written:?}) repeats the name of column {}", first + 1),
            [before @ .., last] => format!(
                "columns {} and {last} ({written:?}) repeat the name of column {}",
                before.iter().map(usize::to_string).collect::<Vec<_>>().join(", "),
                first + 1
            ),
            [] => unreachable!("a repeat has its column"),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    sort(&mut root);
    Ok(root)
}

/// A header of one name holding `;` or a tab: a file written with another delimiter, whose
/// every row would be one field.
fn other_delimiter(header: &StringRecord) -> Option<Error> {
    let [name] = header.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let shown = [(';', "\";\""), ('\t', "a tab")]
        .into_iter()
        .find_map(|(delimiter, shown)| name.contains(delimiter).then_some(shown))?;
    Some(invalid_header(format!(
        "the header is one name, {name:?}: the file seems to use {shown} as its delimiter; CSV here is comma-separated, so save or export it with commas"
    )))
}

/// In a structured file every column is the id column or part of `input`, `output` or
/// `metadata`: a column that is neither would be left out of every record silently.
fn structured_columns(header: &StringRecord, id_key: Option<&str>) -> Vec<Error> {
    // White space around a name is refused on its own; the name without it is judged here.
    let first_part = |name: &str| {
        member_path(name)
            .0
            .split('.')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let parts: Vec<String> = header.iter().map(first_part).collect();
    let has_input = parts.iter().any(|part| part == "input");
    let (id, id_hint) = match id_key {
        Some(key) => (format!("the id column ({key:?}) or "), ""),
        None => (String::new(), "; if it holds the source id, give it as the id key"),
    };
    let hint =
        "to read the columns as they are, name its input fields (input keys), or prefix the columns with \"input.\"";
    let mut errors: Vec<Error> = header
        .iter()
        .zip(&parts)
        .enumerate()
        .filter(|(_, (name, part))| {
            !member_path(name).0.is_empty()
                && !STRUCTURED_MEMBERS.contains(&part.as_str())
                && Some(part.as_str()) != id_key
        })
        .map(|(column, (name, part))| {
            let advice = match similar(part, &STRUCTURED_MEMBERS) {
                Some(known) if has_input || known == "input" => {
                    let rest = name.trim().split_once('.').map_or("…", |(_, rest)| rest);
                    format!("did you mean {:?}?", format!("{known}.{rest}"))
                }
                _ if has_input => "name it with one of these prefixes".to_owned(),
                _ => hint.to_owned(),
            };
            invalid_header(format!(
                "column {} ({name:?}) is not part of a record: each column is {id}named \"input.…\", \"output.…\" or \"metadata.…\"; {advice}{id_hint}",
                column + 1
            ))
        })
        .collect();
    if errors.is_empty() && !has_input {
        errors.push(invalid_header(format!(
            "no column holds the input: a record's input comes from columns named \"input.…\"; {hint}"
        )));
    }
    errors
}

/// Puts column `column` at the dotted `name`; on a conflict, gives a name of a column in the way.
fn insert(root: &mut Vec<(String, Node)>, name: &str, column: usize, json: bool) -> Result<(), String> {
    let parts: Vec<&str> = name.split('.').collect();
    let mut members = root;
    let mut prefix = String::new();
    for (depth, part) in parts.iter().enumerate() {
        if depth > 0 {
            prefix.push('.');
        }
        prefix.push_str(part);
        let last = depth + 1 == parts.len();
        let position = members.iter().position(|(existing, _)| existing == part);
        match (position, last) {
            (None, true) => {
                let leaf = if json { Node::Json(column) } else { Node::Cell(column) };
                members.push(((*part).to_owned(), leaf));
                return Ok(());
            }
            (None, false) => {
                members.push(((*part).to_owned(), Node::Object(Vec::new())));
                let Some((_, Node::Object(children))) = members.last_mut() else {
                    unreachable!("just pushed an object")
                };
                members = children;
            }
            (Some(at), false) => match &mut members[at].1 {
                Node::Object(children) => members = children,
                Node::Cell(_) | Node::Json(_) => return Err(prefix),
            },
            (Some(at), true) => {
                return Err(match &members[at].1 {
                    Node::Cell(_) | Node::Json(_) => prefix,
                    Node::Object(children) => format!("{prefix}.{}", first_leaf(children)),
                });
            }
        }
    }
    Ok(())
}

fn first_leaf(members: &[(String, Node)]) -> String {
    match members.first() {
        Some((name, Node::Object(children))) => format!("{name}.{}", first_leaf(children)),
        Some((name, Node::Cell(_) | Node::Json(_))) => name.clone(),
        None => String::new(),
    }
}

fn sort(members: &mut [(String, Node)]) {
    members.sort_by(|a, b| compare_utf16(&a.0, &b.0));
    for (_, node) in members {
        if let Node::Object(children) = node {
            sort(children);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::Code;

    /// Reads `data` cut into chunks of at most `chunk_bytes`, and as one chunk (one reader over
    /// the whole text, the reference), and checks that both give the same outcome.
    fn same_in_chunks(data: &[u8], chunk_bytes: usize) -> Result<(), TestCaseError> {
        for id_key in [Some("id".to_owned()), None] {
            let options = ReadOptions {
                id_key,
                threads: Some(2),
                with_content: true,
                max_errors: 1000,
                ..ReadOptions::default()
            };
            let whole = read_in_chunks(data, &options, Some(usize::MAX)).unwrap();
            let chunked = read_in_chunks(data, &options, Some(chunk_bytes)).unwrap();
            prop_assert_eq!(
                &chunked,
                &whole,
                "chunks of {} bytes, {:?}",
                chunk_bytes,
                String::from_utf8_lossy(data)
            );
        }
        Ok(())
    }

    #[test]
    fn chunks_give_what_one_reader_gives() {
        let texts: [&[u8]; 15] = [
            // A quote left open in the last column (it would swallow the rest of the file), in a
            // middle column, after a doubled quote, and in the header.
            b"id,output.a,input.q\n1,x,one\n2,y,\"two\n3,z,three\n4,w,four\n5,v,five\n",
            b"id,input.q,output.a\n1,\"a\nb\",x\n2,\"open,y\n3,z,w\n4,\"q\",r\n",
            b"id,input.q\n1,\"a\"\"\nb\n2,c\n",
            b"id,\"input.q\n1,a\n2,b\n",
            // Text after a closing quote, among good rows and literal quotes in unquoted cells.
            b"id,input.q\n1,a\"b\n2,\"x\"y\n3,\"ok\"\n4,\"x\" \n5, \"z\"\n6,\"\"\"\n",
            b"id,input.q,output.a\r\n1,\"x\"\r\n,y\r\n2,\"p\"q\"r\",s\r\n3,t,\"u\"\r\n",
            // Quoted cells with line ends, CRLF, blank lines between records.
            b"id,input.q,output.a\r\n1,\"a\r\nb\",x\r\n\r\n\n2,\"\"\"q\"\"\n\n\",y\r\n3,c,\"\"\n\n4,d,e",
            // A `"` inside an unquoted cell is a literal for the reader, but flips the count
            // of quotes, so every later cut is a guess that must be checked.
            b"id,input.q\n1,5\" screen\n2,\"x\ny\"\n3,z\n4,\"w\n\"\n5,v\n6,u\n",
            // A line that starts with a byte-order mark keeps it in its cell.
            "id,input.q\n1,a\n\u{FEFF}2,b\n3,\u{FEFF}c\n4,d\n".as_bytes(),
            // Rows with too many or too few fields, a repeated id, a cell that is not UTF-8.
            b"id,input.q\n1,a,b\n2\n1,c\n3,\xff\xfe\n4,\"\xc3\",\"\xa9\"\n5,ok\n",
            // A quoted cell left open runs to the end.
            b"id,input.q\n1,a\n2,\"open\n3,b\n4,c\n",
            // Old Mac line ends only: no cut is found.
            b"id,input.q\r1,a\r2,b\r3,c\r",
            // A header over two lines, and nothing after it but line ends.
            b"id,\"input.\nq\"\n1,a\n\n\r\n",
            b"id,input.q\n\n\n\n",
            b"id,input.q\n1,a\n2,b",
        ];
        for text in texts {
            for chunk_bytes in 1..=text.len() + 1 {
                same_in_chunks(text, chunk_bytes).unwrap();
            }
        }
    }

    #[test]
    fn quoting_faults_are_refused_at_every_chunk_size() {
        let options = ReadOptions {
            id_key: Some("id".to_owned()),
            threads: Some(2),
            ..ReadOptions::default()
        };
        type Expected<'a> = (&'a [&'a str], &'a [(usize, Code)]);
        let cases: [(&[u8], Expected); 2] = [
            (
                b"id,output.a,input.q\n1,x,one\n2,y,\"two\n3,z,three\n4,w,four\n5,v,five\n",
                (&["1"], &[(3, Code::Record(RecordCode::InvalidCsv))]),
            ),
            (
                b"id,input.q\n1,5\" screen\n2,\"x\"y\n3,\"a\nb\"\n4,\"x\" \n5,z\n",
                (
                    &["1", "3", "5"],
                    &[
                        (3, Code::Record(RecordCode::InvalidCsv)),
                        (6, Code::Record(RecordCode::InvalidCsv)),
                    ],
                ),
            ),
        ];
        for (text, (ids, issues)) in cases {
            for chunk_bytes in 1..=text.len() + 1 {
                let outcome = read_in_chunks(text, &options, Some(chunk_bytes)).unwrap();
                let got: Vec<&str> = outcome.records.iter().map(|r| r.source_id.as_str()).collect();
                let problems: Vec<_> = outcome.issues.iter().map(|i| (i.line, i.error.code())).collect();
                assert_eq!((got.as_slice(), problems.as_slice()), (ids, issues), "{chunk_bytes}");
            }
        }
    }

    #[test]
    fn quoting_faults_are_found_in_a_record_text() {
        let fault = |text: &str| quoting_problem(text.as_bytes()).map(|p| (p.fault, p.at, p.field));
        for good in [
            "a,b\n",
            "\r\n\"a\",\"b\"\"c\"\r\n",
            "5\" screen,x",
            " \"a\",b\n",
            "\"\",\"\"",
            "\"a\nb\",c\n",
            "a,\"b\"\r",
            "",
        ] {
            assert_eq!(fault(good), None, "{good:?}");
        }
        assert_eq!(fault("1,\"open\n2,b\n"), Some((QuoteFault::Unclosed, 2, 1)));
        assert_eq!(fault("\n\"a\"\"\n"), Some((QuoteFault::Unclosed, 1, 0)));
        assert_eq!(fault("1,\"x\"y\n"), Some((QuoteFault::TextAfterQuote, 5, 1)));
        assert_eq!(fault("\"x\" ,y\n"), Some((QuoteFault::TextAfterQuote, 3, 0)));
        assert_eq!(fault("a,b,\"c\"\"d\"e"), Some((QuoteFault::TextAfterQuote, 10, 2)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_text_reads_the_same_in_chunks(
            body in prop::collection::vec(
                prop::sample::select(vec![
                    &b"a"[..], b"7", "é".as_bytes(), b"\"", b"\"\"", b",", b"\n", b"\r\n", b"\r",
                    "\u{FEFF}".as_bytes(), b"\xff", b"\xc3",
                ]),
                0..120,
            ),
            chunk_bytes in 1usize..48,
        ) {
            let mut data = b"id,input.q,input.r\n".to_vec();
            for piece in body {
                data.extend_from_slice(piece);
            }
            same_in_chunks(&data, chunk_bytes)?;
        }
    }
}
