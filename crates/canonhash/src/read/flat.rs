//! What a record is made of: where its source id is, and whether its content is structured
//! (`input`, `output`, `metadata` members) or flat (top-level members picked by key lists, as
//! the SDKs' `input_keys` / `output_keys` / `metadata_keys` do).

use std::borrow::Cow;

use super::{Hashed, Processed, ReadOptions, Refused};
use crate::error::{ErrorCode, HashError, PathSegment};
use crate::hash::{sha256_hex, write_canonical_example_parts};
use crate::jsonl::{locate_in_line, parse_line};
use crate::records::RecordContent;
use crate::source_id::{id_parse_error, source_id_from_value};
use crate::value::Value;

/// The key lists of flat records; `input: None` takes every member not named elsewhere.
#[derive(Debug)]
struct FlatKeys {
    input: Option<Vec<String>>,
    output: Vec<String>,
    metadata: Vec<String>,
}

/// How to turn a parsed record into its source id, content hash and content.
#[derive(Debug)]
pub(crate) struct Shape {
    id_key: Option<String>,
    flat: Option<FlatKeys>,
    with_content: bool,
}

impl Shape {
    pub(crate) fn new(options: &ReadOptions) -> Shape {
        let flat = (options.input_keys.is_some() || options.output_keys.is_some() || options.metadata_keys.is_some())
            .then(|| FlatKeys {
                input: options.input_keys.clone(),
                output: options.output_keys.clone().unwrap_or_default(),
                metadata: options.metadata_keys.clone().unwrap_or_default(),
            });
        Shape {
            id_key: options.id_key.clone(),
            flat,
            with_content: options.with_content,
        }
    }

    pub(crate) fn structured(id_key: Option<String>, with_content: bool) -> Shape {
        Shape {
            id_key,
            flat: None,
            with_content,
        }
    }

    /// An error raised while parsing a record, with an error at the id's path recoded as
    /// `invalid_source_id` (so an id such as `9007199254740993` gets one code on every path).
    pub(crate) fn parse_error(&self, error: HashError) -> HashError {
        match &self.id_key {
            Some(key) => id_parse_error(error, &[PathSegment::Key(key.clone())]),
            None => error,
        }
    }

    /// One JSONL line: parsed, then as [`Shape::record`]; errors carry the line and column.
    pub(crate) fn line(&self, bytes: &[u8], line: usize, scratch: &mut Vec<u8>) -> Processed {
        let (text, record) = parse_line(bytes, line).map_err(|e| self.parse_error(e))?;
        self.record(&record, scratch).map_err(|refused| Refused {
            source_id: refused.source_id,
            error: locate_in_line(refused.error, text, line),
        })
    }

    /// The source id, content hash and (when asked for) canonical content of a parsed record.
    /// Errors have the JSON path inside the record and no position.
    pub(crate) fn record(&self, record: &Value<'_>, scratch: &mut Vec<u8>) -> Processed {
        let Value::Object(members) = record else {
            let message = format!("a record must be a JSON object, found {}", record.type_name());
            return Err(HashError::new(ErrorCode::NotAnObject, message).into());
        };
        let source_id = match &self.id_key {
            None => None,
            Some(key) => Some(match record.get(key) {
                None => {
                    return Err(HashError::new(
                        ErrorCode::MissingSourceId,
                        format!("the record has no {key:?} member (the id key)"),
                    )
                    .within_key(key)
                    .into());
                }
                Some(value) => source_id_from_value(value).map_err(|e| e.within_key(key))?,
            }),
        };
        scratch.clear();
        let written = match &self.flat {
            None => write_canonical_example_parts(
                record.get("input").unwrap_or(&ABSENT),
                record.get("output"),
                record.get("metadata"),
                scratch,
            )
            .map_err(|error| absent_input(record, error)),
            Some(keys) => self.flat_parts(keys, members, scratch),
        };
        let ranges = match written {
            Ok(ranges) => ranges,
            Err(error) => return Err(Refused { source_id, error }),
        };
        let content = self.with_content.then(|| {
            // Canonical output is UTF-8 by construction: the parts are slices of valid text.
            let text = |range: std::ops::Range<usize>| {
                String::from_utf8(scratch[range].to_vec()).expect("canonical JSON is UTF-8")
            };
            let [input, metadata, output] = ranges;
            RecordContent {
                input: text(input),
                output: text(output),
                metadata: text(metadata),
            }
        });
        Ok(Hashed {
            source_id,
            content_hash: sha256_hex(scratch),
            content,
        })
    }

    fn flat_parts(
        &self,
        keys: &FlatKeys,
        members: &[(Cow<'_, str>, Value<'_>)],
        scratch: &mut Vec<u8>,
    ) -> Result<[std::ops::Range<usize>; 3], HashError> {
        let default_input: Vec<&str>;
        let input_keys: Vec<&str> = match &keys.input {
            Some(named) => named.iter().map(String::as_str).collect(),
            None => {
                default_input = members
                    .iter()
                    .map(|(key, _)| key.as_ref())
                    .filter(|key| {
                        Some(*key) != self.id_key.as_deref()
                            && !keys.output.iter().any(|k| k == key)
                            && !keys.metadata.iter().any(|k| k == key)
                    })
                    .collect();
                default_input
            }
        };
        let pick = |names: &[&str], list: &str| -> Result<Value<'_>, HashError> {
            let mut picked = Vec::with_capacity(names.len());
            for name in names {
                match members.iter().find(|(key, _)| key == name) {
                    Some((key, value)) => picked.push((key.clone(), value.clone())),
                    None => {
                        let present: Vec<&str> = members.iter().map(|(key, _)| key.as_ref()).take(20).collect();
                        let message = format!("no key {name:?} (named in {list}); the record has {present:?}");
                        return Err(HashError::new(ErrorCode::MissingKey, message).within_key(name));
                    }
                }
            }
            Ok(Value::Object(picked))
        };
        let output_keys: Vec<&str> = keys.output.iter().map(String::as_str).collect();
        let metadata_keys: Vec<&str> = keys.metadata.iter().map(String::as_str).collect();
        let input = pick(&input_keys, "input_keys")?;
        let output = pick(&output_keys, "output_keys")?;
        let metadata = pick(&metadata_keys, "metadata_keys")?;
        // The canonical writer names the part in the path (`$.input.q`); in a flat record the
        // value sits at `$.q`, so the part's name is taken off again.
        write_canonical_example_parts(&input, Some(&output), Some(&metadata), scratch).map_err(strip_part)
    }
}

/// The placeholder for a missing `input`, so the canonical writer reports "found nothing".
static ABSENT: Value<'static> = Value::Null;

fn absent_input(record: &Value<'_>, error: HashError) -> HashError {
    if record.get("input").is_none() && error.code() == ErrorCode::NotAnObject && error.path() == "$.input" {
        return error.recoded(
            ErrorCode::NotAnObject,
            "a record needs an input member, a JSON object; it has none".to_owned(),
        );
    }
    error
}

fn strip_part(error: HashError) -> HashError {
    error.without_first_segment()
}
