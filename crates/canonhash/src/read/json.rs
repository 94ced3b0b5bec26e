//! A JSON file of records: an array, or an object whose `examples` member is the array.

use rayon::prelude::*;

use super::{Processed, ReadOptions, ReadOutcome, Refused, Shape, finish};
use crate::error::{HashError, TextPosition};
use crate::jsonl::{Workers, utf8_text};
use crate::parse::parse_record_items;

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
    fn locate(&self, mut error: HashError, fallback: usize) -> HashError {
        let offset = error.offset.take().unwrap_or(fallback);
        if error.position().is_some() {
            return error;
        }
        error.with_position(self.position(offset))
    }
}

pub(super) fn read(data: &[u8], options: &ReadOptions) -> Result<ReadOutcome, HashError> {
    let workers = Workers::new(options.threads)?;
    let shape = Shape::new(options);
    let text = match utf8_text(data) {
        Ok(text) => text,
        Err(error) => {
            let line = error.position().map_or(1, |position| position.line);
            return Ok(finish(vec![vec![(line, 0, Err(error.into()))]], options));
        }
    };
    let (items, file_error) = parse_record_items(text, "examples");
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
                        Err(error) => Err(shape.parse_error(error.clone()).into()),
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
    let file_issue = file_error.map(|error| {
        let error = lines.locate(error, 0);
        let line = error.position().map_or(1, |position| position.line);
        (line, count, Err(error.into()))
    });
    Ok(finish(vec![processed, file_issue.into_iter().collect()], options))
}
