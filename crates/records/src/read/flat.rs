//! What a record is made of: where its source id is, and whether its content is structured
//! (`input`, `output`, `metadata` members) or flat (top-level members picked by key lists, as
//! the SDKs' `input_keys` / `output_keys` / `metadata_keys` do).

use std::borrow::Cow;

use super::{Hashed, Processed, ReadOptions, Refused};
use canonhash::{ErrorCode, PathSegment, Value, sha256_hex, write_canonical_example_parts};

use crate::error::{Error, RecordCode, from_hash, record_error};
use crate::jsonl::{Parts, parse_line, read_lines};
use crate::records::RecordContent;
use crate::source_id::{id_parse_error, source_id_from_value};

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
    pub(crate) fn parse_error(&self, error: Error) -> Error {
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
            error: refused.error.locate_in_line(text, line),
        })
    }

    /// Every non-blank JSONL line of what `reader` gives, as [`Shape::line`], in order on the
    /// worker threads, with its line and index, in parts (see [`read_lines`]).
    pub(crate) fn lines<R: std::io::Read>(&self, reader: R, threads: Option<usize>) -> Result<Parts<Processed>, Error> {
        read_lines(
            reader,
            threads,
            |bytes, line, scratch| self.line(bytes, line, scratch),
            |error| Err(Refused::from(error)),
        )
    }

    /// The source id, content hash and (when asked for) canonical content of a parsed record.
    /// Errors have the JSON path inside the record and no position.
    pub(crate) fn record(&self, record: &Value<'_>, scratch: &mut Vec<u8>) -> Processed {
        let Value::Object(members) = record else {
            let message = format!("a record must be a JSON object, found {}", record.type_name());
            return Err(Error::new(ErrorCode::NotAnObject.into(), message).into());
        };
        let source_id = match &self.id_key {
            None => None,
            Some(key) => Some(match record.get(key) {
                None => {
                    return Err(record_error(
                        RecordCode::MissingSourceId,
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
            None => self.structured_members(members).and_then(|input| {
                write_canonical_example_parts(input, record.get("output"), record.get("metadata"), scratch)
                    .map_err(from_hash)
            }),
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
            Box::new(RecordContent {
                input: text(input),
                output: text(output),
                metadata: text(metadata),
            })
        });
        Ok(Hashed::new(source_id, sha256_hex(scratch), content))
    }

    /// Whether records are flat (key lists given) rather than structured.
    pub(crate) fn is_flat(&self) -> bool {
        self.flat.is_some()
    }

    /// The member holding the source id, if any.
    pub(crate) fn id_key(&self) -> Option<&str> {
        self.id_key.as_deref()
    }

    /// A structured record's `input`, once its members pass [`check_structured_members`].
    fn structured_members<'v>(&self, members: &'v [(Cow<'_, str>, Value<'v>)]) -> Result<&'v Value<'v>, Error> {
        let names: Vec<&str> = members.iter().map(|(key, _)| key.as_ref()).collect();
        check_structured_members(&names, self.id_key.as_deref(), false)?;
        let (_, input) = members
            .iter()
            .find(|(key, _)| key == "input")
            .expect("the member rule requires an input");
        Ok(input)
    }

    fn flat_parts(
        &self,
        keys: &FlatKeys,
        members: &[(Cow<'_, str>, Value<'_>)],
        scratch: &mut Vec<u8>,
    ) -> Result<[std::ops::Range<usize>; 3], Error> {
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
        let pick = |names: &[&str], list: &str| -> Result<Value<'_>, Error> {
            let mut picked = Vec::with_capacity(names.len());
            for name in names {
                match members.iter().find(|(key, _)| key == name) {
                    Some((key, value)) => picked.push((key.clone(), value.clone())),
                    None => {
                        let present: Vec<&str> = members.iter().map(|(key, _)| key.as_ref()).take(20).collect();
                        let message = format!("no key {name:?} (named in {list}); the record has {present:?}");
                        return Err(record_error(RecordCode::MissingKey, message).within_key(name));
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
        write_canonical_example_parts(&input, Some(&output), Some(&metadata), scratch)
            .map_err(|error| strip_part(from_hash(error)))
    }
}

/// The members of a structured record, besides the id key.
pub(crate) const STRUCTURED_MEMBERS: [&str; 3] = ["input", "output", "metadata"];

/// Whether a structured record may have a member named `name`: `input`, `output`, `metadata`
/// or the id key (the test [`check_structured_members`] applies to each member).
pub fn is_structured_member(name: &str, id_key: Option<&str>) -> bool {
    STRUCTURED_MEMBERS.contains(&name) || Some(name) == id_key
}

/// The member rule of a structured record, given the names of its members in order: it has an
/// `input` member, else `not_an_object` at `$.input` naming the members it has; and no member
/// but `input`, `output`, `metadata` and the id key `id_key`, else `unknown_field` at the first
/// other member, naming each with the member it likely misspells (`"ouput" (did you mean
/// "output"?)`): such a member would be silently left out of the content hash (a misspelt
/// `ouput` would make the output `{}`). With `others_allowed` (the record's source id is taken
/// by a function, which may read any member), only the `input` rule applies.
///
/// The one rule of files ([`crate::read_records_file`]) and of the SDKs' records in memory
/// (their batch hashers), so both give one record the same issue. The messages name the options
/// in plain words (input keys), which each interface spells its own way.
///
/// ```
/// let error = groundset_records::check_structured_members(&["id", "input", "ouput"], Some("id"), false).unwrap_err();
/// assert_eq!((error.code().as_str(), error.path().as_str()), ("unknown_field", "$.ouput"));
/// assert!(error.message().contains(r#""ouput" (did you mean "output"?)"#));
/// assert!(groundset_records::check_structured_members(&["input", "output"], None, false).is_ok());
/// ```
pub fn check_structured_members(names: &[&str], id_key: Option<&str>, others_allowed: bool) -> Result<(), Error> {
    let unknown: Vec<&str> = names
        .iter()
        .copied()
        .filter(|key| !others_allowed && !is_structured_member(key, id_key))
        .collect();
    if !names.contains(&"input") {
        let shown: Vec<&str> = names.iter().copied().take(20).collect();
        let guess = unknown
            .iter()
            .find_map(|key| similar(key, &["input"]).map(|_| format!(" ({key:?} is not \"input\")")))
            .unwrap_or_default();
        let message = format!(
            "a record needs an input member, a JSON object; it has none{guess}: its members are {shown:?}. \
             To read records whose fields are top-level members, name its input fields (input keys); \
             else nest them in an \"input\" object"
        );
        return Err(Error::new(ErrorCode::NotAnObject.into(), message).within_key("input"));
    }
    let Some(first) = unknown.first() else {
        return Ok(());
    };
    let named: Vec<String> = unknown
        .iter()
        .map(|key| match similar(key, &STRUCTURED_MEMBERS) {
            Some(known) => format!("{key:?} (did you mean {known:?}?)"),
            None => format!("{key:?}"),
        })
        .collect();
    let (id, id_hint) = match id_key {
        Some(key) => (format!(" and the id key {key:?}"), ""),
        None => (String::new(), "; if one holds the source id, give it as the id key"),
    };
    let message = format!(
        "a record has {} it does not define: {}; its members are input, output, metadata{id}{id_hint}. \
         To read records whose fields are top-level members, name them (input keys, output keys, metadata keys)",
        if named.len() == 1 { "a member" } else { "members" },
        named.join(", ")
    );
    Err(record_error(RecordCode::UnknownField, message).within_key(first))
}

/// The name among `known` that `name` was likely meant to be: the same ignoring case, or at
/// most two edits away (one for short names), so that a typo gets its correction.
pub(crate) fn similar<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let name = name.trim().to_lowercase();
    known
        .iter()
        .map(|known| (edit_distance(&name, known), *known))
        .filter(|(distance, known)| *distance <= if known.len() <= 4 { 1 } else { 2 })
        .min()
        .map(|(_, known)| known)
}

/// Levenshtein distance with adjacent transpositions (`ouptut`), by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut rows = vec![(0..=b.len()).collect::<Vec<usize>>(); a.len() + 1];
    for i in 1..=a.len() {
        rows[i][0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

fn strip_part(error: Error) -> Error {
    error.without_first_segment()
}
