//! Hashes of values, examples, batches of examples and manifests (`canonhash::hash`).

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;

use canonhash::HashError;
use groundset_records::check_structured_members;
use napi::Env;
use napi::JsValue;
use napi::bindgen_prelude::{
    Array, Float64ArraySlice, Function, JsObjectValue, Object, Uint32Array, Unknown, Utf16String,
};
use napi_derive::napi;
use rayon::prelude::*;

use crate::direct::{NameTable, Scratch};
use crate::error::to_napi;
use crate::read::NativeIssue;
use crate::value::{
    Names, Strings, Tape, TapeError, count_from_js, example_hash_direct, read_string, read_text, with_single_value,
};

/// SHA-256 (lowercase hex) of the canonical form of the value written on `tape` (see
/// `canonicalize_value`).
#[napi]
pub fn hash_value(
    env: Env,
    tape: Float64ArraySlice,
    strings: Array,
    units: f64,
    names: Vec<Utf16String>,
) -> napi::Result<String> {
    with_single_value(&env, &tape, &strings, units, &names, canonhash::hash_value)
}

/// SHA-256 (lowercase hex) of the canonical form of one JSON document.
#[napi]
pub fn hash_json(text: String) -> napi::Result<String> {
    canonhash::hash_json_str(&text).map_err(|e| to_napi(&e))
}

/// The content hashes of a JSON array of example records (`canonhash::hash_examples_json`):
/// the text entry point, which the benchmark compares with the tape.
#[napi]
pub fn hash_examples_json(text: String) -> napi::Result<Vec<String>> {
    canonhash::hash_examples_json(&text).map_err(|e| to_napi(&e))
}

/// The content hash of the one example written on `tape`.
#[napi]
pub fn example_hash(
    env: Env,
    tape: Float64ArraySlice,
    strings: Array,
    units: f64,
    names: Vec<Utf16String>,
) -> napi::Result<String> {
    let text = read_text(&env, &strings, count_from_js(units)?)?;
    let names = Names::new(&names);
    let table = names.table();
    let mut reader = Tape::new(&tape, &text, &names);
    let hash = example_hash_direct(&mut reader, &table, &mut Scratch::default(), &mut Strings::default())
        .map_err(|e| e.into_napi())?;
    if !reader.at_end() {
        return Err(TapeError::Malformed.into_napi());
    }
    Ok(hash)
}

/// A part of a batch, owned, so that a worker thread can hash it.
struct Part {
    slots: Vec<f64>,
    text: Vec<u16>,
    names: Names,
    /// The names' ranks and literals for the fast path.
    table: NameTable,
    /// The index of the part's first example in the batch.
    first: usize,
    /// How many examples the JS side wrote on the tape.
    count: usize,
    /// With the member rule, the members of each example.
    members: Option<Members>,
}

/// The members of a part's examples, for the member rule: examples of one kind share a shape
/// (their member names in order), checked once.
struct Members {
    /// Each example's index in `shapes` (`-1`: not an object).
    examples: Vec<f64>,
    /// Each shape's count of members, then the index of each in `names`.
    shapes: Vec<f64>,
    names: Vec<String>,
    id_key: Option<String>,
    any_members: bool,
}

/// A part's hashes and errors, and the examples that break the member rule (by index in the part).
type Hashed = (Vec<Result<String, HashError>>, Vec<(usize, groundset_records::Error)>);

impl Part {
    /// The issue of each example that breaks the member rule (see [`check_structured_members`]),
    /// by its index in the part; `Err` for member lists that do not follow the layout.
    fn member_failures(&self) -> Result<Vec<(usize, groundset_records::Error)>, TapeError> {
        let Some(members) = &self.members else {
            return Ok(Vec::new());
        };
        // The rule's verdict on each shape, in order.
        let mut verdicts = Vec::new();
        let mut slots = members.shapes.iter().map(|&slot| count_from_js(slot));
        while let Some(count) = slots.next() {
            let count = count.map_err(|_| TapeError::Malformed)?;
            let mut names = Vec::with_capacity(count);
            for _ in 0..count {
                let id = slots
                    .next()
                    .ok_or(TapeError::Malformed)?
                    .map_err(|_| TapeError::Malformed)?;
                names.push(members.names.get(id).ok_or(TapeError::Malformed)?.as_str());
            }
            verdicts.push(check_structured_members(&names, members.id_key.as_deref(), members.any_members).err());
        }
        if members.examples.len() != self.count {
            return Err(TapeError::Malformed);
        }
        let mut failures = Vec::new();
        for (index, &shape) in members.examples.iter().enumerate() {
            // -1: not an object, which its hashing reports.
            let Ok(shape) = count_from_js(shape) else { continue };
            if let Some(error) = verdicts.get(shape).ok_or(TapeError::Malformed)? {
                failures.push((index, error.clone()));
            }
        }
        Ok(failures)
    }

    /// [`Part::hash`] and [`Part::member_failures`].
    fn hash_checked(&self) -> Result<Hashed, TapeError> {
        Ok((self.hash()?, self.member_failures()?))
    }

    /// The content hash or the error of each of the part's examples (on all cores); `Err`
    /// only for a tape that does not follow the layout.
    fn hash(&self) -> Result<Vec<Result<String, HashError>>, TapeError> {
        let mut starts = Vec::new();
        let mut reader = Tape::new(&self.slots, &self.text, &self.names);
        while !reader.at_end() {
            starts.push(reader);
            reader.next_example()?;
        }
        if starts.len() != self.count {
            return Err(TapeError::Malformed);
        }
        starts
            .into_par_iter()
            .with_min_len(32)
            .map_init(
                || (Strings::default(), Scratch::default()),
                |(strings, scratch), mut reader| match example_hash_direct(&mut reader, &self.table, scratch, strings) {
                    Ok(hash) => Ok(Ok(hash)),
                    Err(TapeError::Hash(error)) => Ok(Err(error)),
                    Err(malformed) => Err(malformed),
                },
            )
            .collect()
    }
}

/// The member rule of structured records, as `hashExamples` takes it.
#[napi(object)]
pub struct MemberRule {
    /// The member holding the source id, allowed besides `input`, `output` and `metadata`.
    pub id_key: Option<String>,
    /// Any other member allowed (a source-id function reads them); only `input` is required.
    pub any_members: bool,
}

/// The content hashes of a batch, and the examples that have none.
#[napi(object)]
pub struct HashedExamples {
    /// 64 hex digits per example, in order (64 zeros for an example in `failures`).
    pub hashes: String,
    /// Each example outside the hash domain that the core found (a lone surrogate): `row` is
    /// its index in the batch, `path` within it.
    pub failures: Vec<NativeIssue>,
}

/// The content hashes of a batch of examples, and the error of every example that fails.
///
/// `next_part` writes the next part of the batch on a tape and returns
/// `{tape, text, units, names, count}` (see `value.rs`; `count` examples; `text` is the tape's
/// strings joined, `units` long), or `null` at the
/// end. Each part is hashed on rayon's threads while the JS thread writes the next, so the two
/// overlap. With `rule`, the examples are structured records: each part also has `members`,
/// `memberShapes` and `memberNames` (see `Members`), and an example that breaks the record layer's
/// member rule (`check_structured_members`, the rule of files) fails with that rule's issue,
/// whatever else is wrong with it.
#[napi(
    ts_args_type = "nextPart: () => { tape: Float64Array, text: string, units: number, names: string[], count: number, members?: Float64Array, memberShapes?: Float64Array, memberNames?: string[] } | null, rule?: MemberRule | undefined | null"
)]
pub fn hash_examples(
    env: Env,
    next_part: Function<(), Option<Object>>,
    rule: Option<MemberRule>,
) -> napi::Result<HashedExamples> {
    let (sender, receiver) = mpsc::channel();
    let mut parts = 0;
    let mut examples = 0;
    while let Some(written) = next_part.call(())? {
        let tape: Float64ArraySlice = written.get_named_property("tape")?;
        let text: Unknown = written.get_named_property("text")?;
        let text = read_string(&env, text.raw(), count_from_js(written.get_named_property("units")?)?)?;
        let names: Vec<Utf16String> = written.get_named_property("names")?;
        let count = count_from_js(written.get_named_property("count")?)?;
        let members = match &rule {
            None => None,
            Some(rule) => {
                let examples: Float64ArraySlice = written.get_named_property("members")?;
                let shapes: Float64ArraySlice = written.get_named_property("memberShapes")?;
                Some(Members {
                    examples: examples.to_vec(),
                    shapes: shapes.to_vec(),
                    names: written.get_named_property("memberNames")?,
                    id_key: rule.id_key.clone(),
                    any_members: rule.any_members,
                })
            }
        };
        let names = Names::new(&names);
        let part = Part {
            slots: tape.to_vec(),
            text,
            table: names.table(),
            names,
            first: examples,
            count,
            members,
        };
        examples += count;
        let (sender, index) = (sender.clone(), parts);
        parts += 1;
        rayon::spawn(move || {
            let hashed = panic::catch_unwind(AssertUnwindSafe(|| part.hash_checked()));
            // The receiver is gone only when the JS side failed: nobody wants the result.
            let _ = sender.send((index, part.first, hashed));
        });
    }
    drop(sender);
    let mut results: Vec<Option<_>> = (0..parts).map(|_| None).collect();
    for (index, first, hashed) in receiver {
        results[index] = Some((first, hashed));
    }
    let mut hashes = String::with_capacity(examples * 64);
    let mut failures = Vec::new();
    for result in results {
        match result {
            Some((first, Ok(Ok((part_hashes, refused))))) => {
                let mut refused = refused.into_iter().peekable();
                for (index, hashed) in part_hashes.into_iter().enumerate() {
                    // The member rule's issue comes first, as in a file.
                    if let Some((_, error)) = refused.next_if(|(at, _)| *at == index) {
                        hashes.push_str(&"0".repeat(64));
                        failures.push(NativeIssue::new(None, first + index, None, &error));
                        continue;
                    }
                    match hashed {
                        Ok(hash) => hashes.push_str(&hash),
                        Err(error) => {
                            hashes.push_str(&"0".repeat(64));
                            failures.push(NativeIssue::new(None, first + index, None, &error));
                        }
                    }
                }
            }
            Some((_, Ok(Err(malformed)))) => return Err(malformed.into_napi()),
            Some((_, Err(_))) | None => return Err(napi::Error::from_reason("groundset: a hashing thread failed")),
        }
    }
    Ok(HashedExamples { hashes, failures })
}

/// [`manifest_digest`] of pairs given as one text: each source id then its content hash, one
/// after the other, `lengths` holding each one's UTF-16 units in that order. Two strings to
/// copy out of V8 instead of two per pair (a million pairs: 2 million napi strings).
#[napi]
pub fn manifest_digest_joined(text: Utf16String, lengths: Uint32Array) -> napi::Result<String> {
    let malformed = || napi::Error::new(napi::Status::InvalidArg, "the lengths do not divide the text");
    if !lengths.len().is_multiple_of(2) {
        return Err(malformed());
    }
    let mut decoded = String::with_capacity(text.len());
    let mut ranges = Vec::with_capacity(lengths.len());
    let mut unit = 0;
    for &length in lengths.iter() {
        let end = unit + length as usize;
        let units = text.get(unit..end).ok_or_else(malformed)?;
        let start = decoded.len();
        for char in char::decode_utf16(units.iter().copied()) {
            decoded.push(char.map_err(|_| malformed())?);
        }
        ranges.push(start..decoded.len());
        unit = end;
    }
    if unit != text.len() {
        return Err(malformed());
    }
    Ok(canonhash::manifest_digest(
        ranges
            .chunks_exact(2)
            .map(|pair| (&decoded[pair[0].clone()], &decoded[pair[1].clone()])),
    ))
}

/// The digest of a dataset version from its `(source_id, content_hash)` pairs, given as two
/// arrays of the same length.
#[napi]
pub fn manifest_digest(source_ids: Vec<String>, content_hashes: Vec<String>) -> napi::Result<String> {
    if source_ids.len() != content_hashes.len() {
        return Err(napi::Error::new(
            napi::Status::InvalidArg,
            "source ids and content hashes differ in number",
        ));
    }
    Ok(canonhash::manifest_digest(source_ids.iter().zip(&content_hashes)))
}
