//! A JSON file of records: an array, or an object whose `examples` member is the array.

use rayon::prelude::*;

use super::{Processed, ReadOptions, ReadOutcome, Refused, Shape, finish};
use canonhash::{TextPosition, parse_record_items};

use crate::error::{Error, RecordCode, from_hash, record_error};
use crate::jsonl::{Workers, utf8_text};

/// Where each line of a text starts, to turn byte offsets into lines and columns.
struct LineStarts<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineStarts<'t> {
    fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|newline| newline + 1));
        LineStarts { text, starts }
    }

    fn position(&self, offset: usize) -> TextPosition {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset);
        let line_start = self.starts[line - 1];
        TextPosition {
            line,
            column: self.text[line_start..offset].chars().count() + 1,
        }
    }

    /// Gives an error its position: where the parser saw it, else `fallback`.
    fn locate(&self, mut error: Error, fallback: usize) -> Error {
        let offset = error.take_offset().unwrap_or(fallback);
        if error.position().is_some() {
            return error;
        }
        error.with_position(self.position(offset))
    }
}

pub(super) fn read(data: &[u8], options: &ReadOptions) -> Result<ReadOutcome, Error> {
    let workers = Workers::new(options.threads)?;
    let shape = Shape::new(options);
    let text = match utf8_text(data) {
        Ok(text) => text,
        Err(error) => {
            let line = error.position().map_or(1, |position| position.line);
            return Ok(finish(vec![vec![(line, 0, Err(error.into()))]], options));
        }
    };
    let (items, others, file_error) = parse_record_items(text, "examples");
    let lines = LineStarts::new(text);
    let processed: Vec<(usize, usize, Processed)> = workers.install(|| {
        items
            .par_iter()
            .with_min_len(32)
            .enumerate()
            .map_init(
                || Vec::with_capacity(4096),
                |scratch, (index, item)| {
                    let line = lines.position(item.start).line;
                    let result = match &item.value {
                        Ok(record) => shape.record(record, scratch),
                        Err(error) => Err(shape.parse_error(from_hash(error.clone())).into()),
                    };
                    let located = result.map_err(|refused| Refused {
                        source_id: refused.source_id,
                        error: lines.locate(refused.error, item.start),
                    });
                    (line, index, located)
                },
            )
            .collect()
    });
    let count = processed.len();
    // Members of the wrapping object besides `examples` (unless there was no such object to
    // speak of): a misspelt member there would otherwise be dropped unseen, as in a record.
    let unknown = (file_error.is_none() || !items.is_empty()).then_some(others);
    let wrapper_issues = unknown.into_iter().flatten().map(|(key, offset)| {
        let message =
            format!("a JSON file of records has no member {key:?}: it is an array of records, or an object whose only member is \"examples\"");
        let error = record_error(RecordCode::UnknownField, message)
            .within_key(&key)
            .with_position(lines.position(offset));
        let line = lines.position(offset).line;
        (line, count, Err(error.into()))
    });
    let file_issue = file_error.map(|error| {
        let error = lines.locate(from_hash(error), 0);
        let line = error.position().map_or(1, |position| position.line);
        (line, count, Err(error.into()))
    });
    let mut outcome = finish(vec![processed, wrapper_issues.chain(file_issue).collect()], options);
    // A record's issue names its item and (when the parser did not point inside it) where it
    // starts: in a file on one line, the line alone would not find it.
    for issue in &mut outcome.issues {
        let Some(item) = items.get(issue.index) else {
            continue;
        };
        let error = &issue.error;
        let position = error.position().unwrap_or_else(|| lines.position(item.start));
        let message = format!("{} (array item {}, from 0)", error.message(), issue.index);
        issue.error = error.clone().recoded(error.code(), message).with_position(position);
    }
    Ok(outcome)
}
