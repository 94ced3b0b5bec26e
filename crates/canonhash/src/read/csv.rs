//! A CSV file of records (RFC 4180, read by the `csv` crate): a header row, then one record
//! per row. Values stay strings; a dotted column name (`input.question`) nests.

use std::borrow::Cow;

use ::csv::{ByteRecord, ReaderBuilder, StringRecord};
use rayon::prelude::*;

use super::{Processed, ReadOptions, ReadOutcome, Refused, Shape, finish};
use crate::canon::compare_utf16;
use crate::error::{ErrorCode, HashError, TextPosition};
use crate::jsonl::Workers;
use crate::value::Value;

/// Rows parsed before they are hashed in parallel: enough to keep the cores busy, few enough
/// to bound memory.
const BATCH_ROWS: usize = 4096;

/// A column name's place in the nested record: a cell, or an object of further names.
#[derive(Debug)]
enum Node {
    Cell(usize),
    /// Members in canonical order, so that every row's object is already sorted.
    Object(Vec<(String, Node)>),
}

/// Reads the records of CSV text (a leading byte-order mark already taken off).
pub(super) fn read(data: &[u8], options: &ReadOptions) -> Result<ReadOutcome, HashError> {
    let workers = Workers::new(options.threads)?;
    let shape = Shape::new(options);
    let mut reader = ReaderBuilder::new().has_headers(false).flexible(true).from_reader(data);
    let line_of = |row: &StringRecord| row.position().map_or(1, |position| start_line(data, position));
    let mut header = StringRecord::new();
    match reader.read_record(&mut header) {
        Ok(true) => {}
        Ok(false) => {
            let error = HashError::new(
                ErrorCode::InvalidHeader,
                "the file is empty: a CSV file of records starts with a header row",
            );
            return Ok(finish([(1, 0, Err(located(error, 1).into()))], options));
        }
        Err(error) => return Ok(finish([(1, 0, Err(csv_error(error, 1).into()))], options)),
    }
    let header_line = line_of(&header);
    let columns = match column_tree(&header) {
        Ok(tree) => tree,
        Err(errors) => {
            let issues = errors
                .into_iter()
                .map(|error| (header_line, 0, Err(located(error, header_line).into())));
            return Ok(finish(issues, options));
        }
    };
    let fields = header.len();
    let mut spare: Vec<ByteRecord> = Vec::new();
    let mut results: Vec<(usize, usize, Processed)> = Vec::new();
    let (mut batch, mut at_end) = read_batch(&mut reader, data, &mut spare);
    loop {
        let first_index = results.len();
        // Parsing is sequential; the next batch is parsed while this one is hashed.
        let (hashed, next) = workers.install(|| {
            rayon::join(
                || -> Vec<(usize, usize, Processed)> {
                    batch
                        .par_iter()
                        .with_min_len(64)
                        .enumerate()
                        .map_init(
                            || Vec::with_capacity(4096),
                            |scratch, (offset, row)| {
                                row_result(row, first_index + offset, fields, &columns, &shape, scratch)
                            },
                        )
                        .collect()
                },
                || (!at_end).then(|| read_batch(&mut reader, data, &mut spare)),
            )
        });
        results.extend(hashed);
        spare.extend(batch.drain(..).filter_map(|row| row.ok().map(|(_, row)| row)));
        match next {
            Some((next, end)) => (batch, at_end) = (next, end),
            None => break,
        }
    }
    Ok(finish(results, options))
}

type Row = Result<(usize, ByteRecord), HashError>;

/// Up to [`BATCH_ROWS`] rows with the lines they start on, and whether the text ended.
fn read_batch(reader: &mut ::csv::Reader<&[u8]>, data: &[u8], spare: &mut Vec<ByteRecord>) -> (Vec<Row>, bool) {
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    while batch.len() < BATCH_ROWS {
        let mut row = spare.pop().unwrap_or_default();
        match reader.read_byte_record(&mut row) {
            Ok(true) => {
                let line = row.position().map_or(1, |position| start_line(data, position));
                batch.push(Ok((line, row)));
            }
            Ok(false) => return (batch, true),
            Err(error) => {
                let line = error.position().map_or(1, |position| start_line(data, position));
                batch.push(Err(csv_error(error, line)));
            }
        }
    }
    (batch, false)
}

/// The line where a record's text starts. The `csv` crate gives the position where it began
/// looking for the record, which is before the `\n` of a CRLF line end and before blank lines
/// it skips; those are stepped over here.
fn start_line(data: &[u8], position: &::csv::Position) -> usize {
    let start = (position.byte() as usize).min(data.len());
    let skipped = data[start..]
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .filter(|&&b| b == b'\n')
        .count();
    position.line() as usize + skipped
}

fn row_result(
    row: &Row,
    index: usize,
    fields: usize,
    columns: &[(String, Node)],
    shape: &Shape,
    scratch: &mut Vec<u8>,
) -> (usize, usize, Processed) {
    let (line, row) = match row {
        Ok((line, row)) => (*line, row),
        Err(error) => {
            let line = error.position().map_or(1, |position| position.line);
            return (line, index, Err(error.clone().into()));
        }
    };
    if row.len() != fields {
        let error = HashError::new(
            ErrorCode::FieldCount,
            format!("line {line} has {} fields, the header has {fields}", row.len()),
        );
        return (line, index, Err(located(error, line).into()));
    }
    let mut cells = Vec::with_capacity(row.len());
    for (column, cell) in row.iter().enumerate() {
        match simdutf8::basic::from_utf8(cell) {
            Ok(cell) => cells.push(cell),
            Err(_) => {
                let error = HashError::new(
                    ErrorCode::InvalidCsv,
                    format!("field {} of line {line} is not valid UTF-8", column + 1),
                );
                return (line, index, Err(located(error, line).into()));
            }
        }
    }
    let record = Value::Object(objects(columns, &cells));
    let result = shape.record(&record, scratch).map_err(|refused| Refused {
        source_id: refused.source_id,
        error: located(refused.error, line),
    });
    (line, index, result)
}

fn objects<'r>(members: &'r [(String, Node)], row: &[&'r str]) -> Vec<(Cow<'r, str>, Value<'r>)> {
    members
        .iter()
        .map(|(name, node)| {
            let value = match node {
                Node::Cell(column) => Value::String(Cow::Borrowed(row[*column])),
                Node::Object(children) => Value::Object(objects(children, row)),
            };
            (Cow::Borrowed(name.as_str()), value)
        })
        .collect()
}

fn located(error: HashError, line: usize) -> HashError {
    error.with_position(TextPosition { line, column: 1 })
}

fn csv_error(error: ::csv::Error, line: usize) -> HashError {
    let line = line.max(1);
    let message = match error.kind() {
        ::csv::ErrorKind::Utf8 { err, .. } => {
            format!("field {} of line {line} is not valid UTF-8", err.field() + 1)
        }
        _ => format!("line {line} cannot be read as CSV: {error}"),
    };
    located(HashError::new(ErrorCode::InvalidCsv, message), line)
}

/// The nesting of the header's column names, or every problem with them.
fn column_tree(header: &StringRecord) -> Result<Vec<(String, Node)>, Vec<HashError>> {
    let mut root: Vec<(String, Node)> = Vec::new();
    let mut errors = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (column, name) in header.iter().enumerate() {
        let invalid = |message: String| HashError::new(ErrorCode::InvalidHeader, message);
        let number = column + 1;
        if name.is_empty() {
            errors.push(invalid(format!("column {number} has an empty name")));
            continue;
        }
        if name.split('.').any(str::is_empty) {
            errors.push(invalid(format!(
                "column {number} ({name:?}) has an empty part between its dots"
            )));
            continue;
        }
        if let Some(first) = names.iter().position(|earlier| *earlier == name) {
            errors.push(invalid(format!(
                "column {number} ({name:?}) repeats the name of column {}",
                first + 1
            )));
            names.push(name);
            continue;
        }
        names.push(name);
        if let Err(conflict) = insert(&mut root, name, column) {
            errors.push(invalid(format!(
                "column {number} ({name:?}) conflicts with column {:?}: a name cannot be both a value and an object of further names",
                conflict
            )));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    sort(&mut root);
    Ok(root)
}

/// Puts column `column` at the dotted `name`; on a conflict, gives a name of a column in the way.
fn insert(root: &mut Vec<(String, Node)>, name: &str, column: usize) -> Result<(), String> {
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
                members.push(((*part).to_owned(), Node::Cell(column)));
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
                Node::Cell(_) => return Err(prefix),
            },
            (Some(at), true) => {
                return Err(match &members[at].1 {
                    Node::Cell(_) => prefix,
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
        Some((name, Node::Cell(_))) => name.clone(),
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
