//! Hashes of values, examples, batches of examples and manifests (`canonhash::hash`).

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;

use canonhash::HashError;
use groundset_records::check_structured_members;
use napi::Env;
use napi::bindgen_prelude::{
    Array, Buffer, ClassInstance, Float64ArraySlice, Function, JsObjectValue, Object, Uint32Array, Utf16String,
};
use napi_derive::napi;
use rayon::prelude::*;

use crate::direct::{NameTable, Scratch};
use crate::error::to_napi;
use crate::read::NativeIssue;
use crate::value::{
    Names, Recycled, Strings, Tape, TapeError, TextSink, count_from_js, example_hash_direct, read_text,
    with_single_value,
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
    slots: Recycled<f64>,
    text: Recycled<u16>,
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
    /// With `identity`: each example whose identity an earlier one has, as pairs of indices
    /// (the example, then the first with that identity), in the order of the examples.
    pub repeats: Option<Uint32Array>,
    /// With `identity`, when the core found no failure and every example has an identity: the
    /// manifest digest (`canonhash::manifest_digest`) of the first example of each identity.
    pub digest: Option<String>,
}

/// The identities of a batch's examples, for [`hash_examples`] to find repeats and the manifest
/// digest while it hashes: source ids, or (without `text`) the content hashes.
#[napi(object)]
pub struct Identity {
    /// The source ids, one after the other (well-formed: checked by the source-id rule).
    pub text: Option<Utf16String>,
    /// Each example's source id's length in `text`, in UTF-16 units; [`NO_IDENTITY`] for an
    /// example without a source id, which takes no part in either.
    pub lengths: Option<Uint32Array>,
}

/// In `Identity.lengths`: the example has no source id.
#[napi]
pub const NO_IDENTITY: u32 = u32::MAX;

/// The source ids of a batch, sorted (on a thread of the pool while the parts are written).
struct SortedIds {
    text: Vec<u16>,
    /// Each example's id as a range of `text`, `None` without one.
    spans: Vec<Option<(usize, usize)>>,
    /// The indices of the examples with an id, by id (UTF-16 code units, as RFC 8785 and the
    /// manifest digest order them), equal ids by index.
    order: Vec<u32>,
    /// The repeats and firsts of `order` (see [`repeats_of`]), found with it.
    repeats: Vec<u32>,
    firsts: Vec<u32>,
    /// The ids of `firsts` decoded, one after the other, and where each ends: ready for the
    /// manifest digest, so that the JS thread, waiting for the last part's hashes, has only the
    /// digest itself to take.
    first_ids: String,
    first_ends: Vec<usize>,
    /// Whether an id failed to decode (a lone surrogate: the source-id rule refuses those).
    malformed: bool,
}

impl SortedIds {
    fn new(text: Vec<u16>, lengths: &[u32]) -> Result<Self, TapeError> {
        let mut spans = Vec::with_capacity(lengths.len());
        let mut start = 0;
        for &length in lengths {
            if length == NO_IDENTITY {
                spans.push(None);
                continue;
            }
            let end = start + length as usize;
            spans.push(Some((start, end)));
            start = end;
        }
        if start != text.len() || u32::try_from(lengths.len()).is_err() {
            return Err(TapeError::Malformed);
        }
        Ok(SortedIds {
            text,
            spans,
            order: Vec::new(),
            repeats: Vec::new(),
            firsts: Vec::new(),
            first_ids: String::new(),
            first_ends: Vec::new(),
            malformed: false,
        })
    }

    fn id(&self, index: u32) -> &[u16] {
        match self.spans[index as usize] {
            Some((start, end)) => &self.text[start..end],
            None => &[],
        }
    }

    fn sort(mut self) -> Self {
        let mut order: Vec<u32> = (0..self.spans.len() as u32)
            .filter(|&index| self.spans[index as usize].is_some())
            .collect();
        order.sort_unstable_by(|&a, &b| self.id(a).cmp(self.id(b)).then(a.cmp(&b)));
        let (repeats, firsts) = repeats_of(&order, |index| self.id(index));
        let mut first_ids = String::with_capacity(self.text.len());
        let mut first_ends = Vec::with_capacity(firsts.len());
        let mut malformed = false;
        for &index in &firsts {
            for char in char::decode_utf16(self.id(index).iter().copied()) {
                match char {
                    Ok(char) => first_ids.push(char),
                    Err(_) => malformed = true,
                }
            }
            first_ends.push(first_ids.len());
        }
        self.malformed = malformed;
        (self.order, self.repeats, self.firsts) = (order, repeats, firsts);
        (self.first_ids, self.first_ends) = (first_ids, first_ends);
        self
    }
}

/// The repeats of `order` (indices sorted by key, equal keys by index) as (index, first index)
/// pairs in the order of the examples, and the first index of each key in key order.
fn repeats_of<K: Eq>(order: &[u32], key: impl Fn(u32) -> K) -> (Vec<u32>, Vec<u32>) {
    let mut pairs = Vec::new();
    let mut firsts = Vec::with_capacity(order.len());
    let mut start = 0;
    while start < order.len() {
        let first = order[start];
        let first_key = key(first);
        let mut end = start + 1;
        while end < order.len() && key(order[end]) == first_key {
            pairs.push((order[end], first));
            end += 1;
        }
        firsts.push(first);
        start = end;
    }
    pairs.sort_unstable();
    (
        pairs.into_iter().flat_map(|(index, first)| [index, first]).collect(),
        firsts,
    )
}

/// The repeats and the digest of a hashed batch (see [`HashedExamples`]): by source id when
/// `ids` is given, else by content hash.
fn identities(
    ids: Option<SortedIds>,
    hashes: &str,
    count: usize,
    clean: bool,
) -> Result<(Uint32Array, Option<String>), TapeError> {
    let hash = |index: u32| &hashes[index as usize * 64..index as usize * 64 + 64];
    // The entries come sorted, each key once, so the digest needs no second sort, and a content
    // hash is hashed as the 32 bytes its hex spells (no scan of its digits for escapes).
    let digests = |firsts: &[u32]| -> Result<Vec<[u8; 32]>, TapeError> {
        firsts
            .iter()
            .map(|&index| digest_of_hex(hash(index)).ok_or(TapeError::Malformed))
            .collect()
    };
    let (repeats, digest) = match ids {
        Some(ids) => {
            let digest = if clean && ids.order.len() == count {
                if ids.malformed {
                    return Err(TapeError::Malformed);
                }
                let digests = digests(&ids.firsts)?;
                let mut entries = Vec::with_capacity(digests.len());
                let mut start = 0;
                for (&end, digest) in ids.first_ends.iter().zip(&digests) {
                    entries.push((&ids.first_ids[start..end], digest));
                    start = end;
                }
                Some(canonhash::manifest_digest_of_sorted_digests(&entries))
            } else {
                None
            };
            (ids.repeats, digest)
        }
        None => {
            let mut order: Vec<u32> = (0..count as u32).collect();
            order.sort_unstable_by(|&a, &b| hash(a).cmp(hash(b)).then(a.cmp(&b)));
            let (repeats, firsts) = repeats_of(&order, hash);
            let digest = if clean {
                let digests = digests(&firsts)?;
                let entries: Vec<_> = firsts.iter().map(|&index| hash(index)).zip(&digests).collect();
                Some(canonhash::manifest_digest_of_sorted_digests(&entries))
            } else {
                None
            };
            (repeats, digest)
        }
    };
    Ok((Uint32Array::new(repeats), digest))
}

/// The 32 bytes that 64 lowercase hex digits spell (as `sha256_hex` writes them), or `None`.
fn digest_of_hex(hex: &str) -> Option<[u8; 32]> {
    // By table, not by a branch on digit or letter: on hex digits, which are random, such a
    // branch is mispredicted every other time (~30 ms a 100,000 hashes).
    const NIBBLES: [u8; 256] = {
        let mut table = [u8::MAX; 256];
        let mut digit = 0;
        while digit < 16 {
            table[b"0123456789abcdef"[digit] as usize] = digit as u8;
            digit += 1;
        }
        table
    };
    if hex.len() != 64 {
        return None;
    }
    let mut digest = [0; 32];
    let mut invalid = 0;
    for (byte, pair) in digest.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let (high, low) = (NIBBLES[usize::from(pair[0])], NIBBLES[usize::from(pair[1])]);
        invalid |= high | low;
        *byte = (high << 4) | (low & 0xF);
    }
    (invalid < 16).then_some(digest)
}

/// The part `next_part` returned (see [`hash_examples`]), copied out of JS; `first` is the index
/// of its first example in the batch.
fn read_part(written: &Object, rule: Option<&MemberRule>, first: usize) -> napi::Result<Part> {
    let tape: Float64ArraySlice = written.get_named_property("tape")?;
    let mut sink: ClassInstance<TextSink> = written.get_named_property("text")?;
    let text = sink.take(count_from_js(written.get_named_property("units")?)?)?;
    let names: Vec<Utf16String> = written.get_named_property("names")?;
    let count = count_from_js(written.get_named_property("count")?)?;
    let members = match rule {
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
    Ok(Part {
        slots: Recycled::copy_of(&tape),
        text,
        table: names.table(),
        names,
        first,
        count,
        members,
    })
}

/// Reads each part `next_part` returns (see [`hash_examples`]) and runs `work` on it on the pool
/// while the JS thread writes the next, so the two overlap; each part's result with the index of
/// its first example, in order, and the count of examples.
fn on_parts<T: Send + 'static>(
    next_part: &Function<(), Option<Object>>,
    rule: Option<&MemberRule>,
    work: impl Fn(&Part) -> Result<T, TapeError> + Clone + Send + 'static,
) -> napi::Result<(Vec<(usize, T)>, usize)> {
    let (sender, receiver) = mpsc::channel();
    let mut parts = 0;
    let mut examples = 0;
    while let Some(written) = next_part.call(())? {
        let part = read_part(&written, rule, examples)?;
        examples += part.count;
        let (sender, index, work) = (sender.clone(), parts, work.clone());
        parts += 1;
        rayon::spawn(move || {
            let done = panic::catch_unwind(AssertUnwindSafe(|| work(&part)));
            // The receiver is gone only when the JS side failed: nobody wants the result.
            let _ = sender.send((index, part.first, done));
        });
    }
    drop(sender);
    let mut results: Vec<Option<_>> = (0..parts).map(|_| None).collect();
    for (index, first, done) in receiver {
        results[index] = Some((first, done));
    }
    let mut ordered = Vec::with_capacity(parts);
    for result in results {
        match result {
            Some((first, Ok(Ok(done)))) => ordered.push((first, done)),
            Some((_, Ok(Err(malformed)))) => return Err(malformed.into_napi()),
            Some((_, Err(_))) | None => return Err(thread_failed()),
        }
    }
    Ok((ordered, examples))
}

/// Appends a part's hashes (64 zeros for a failure) to `hashes` and its failures to `failures`,
/// `first` the index of its first example; the member rule's issue comes first, as in a file.
fn merge_hashed(
    first: usize,
    hashed: Vec<Result<String, HashError>>,
    refused: Vec<(usize, groundset_records::Error)>,
    hashes: &mut String,
    failures: &mut Vec<NativeIssue>,
) {
    let mut refused = refused.into_iter().peekable();
    for (index, hashed) in hashed.into_iter().enumerate() {
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

/// The content hashes of a batch of examples, and the error of every example that fails.
///
/// `next_part` writes the next part of the batch on a tape and returns
/// `{tape, text, units, names, count}` (see `value.rs`; `count` examples; `text` the
/// [`TextSink`] holding the tape's strings, `units` long in all), or `null` at the end. Each part is hashed on rayon's threads while the JS thread writes the next, so the two
/// overlap. With `rule`, the examples are structured records: each part also has `members`,
/// `memberShapes` and `memberNames` (see `Members`), and an example that breaks the record layer's
/// member rule (`check_structured_members`, the rule of files) fails with that rule's issue,
/// whatever else is wrong with it.
#[napi(
    ts_args_type = "nextPart: () => { tape: Float64Array, text: TextSink, units: number, names: string[], count: number, members?: Float64Array, memberShapes?: Float64Array, memberNames?: string[] } | null, rule?: MemberRule | undefined | null, identity?: Identity | undefined | null"
)]
pub fn hash_examples(
    next_part: Function<(), Option<Object>>,
    rule: Option<MemberRule>,
    identity: Option<Identity>,
) -> napi::Result<HashedExamples> {
    // The source ids are sorted on the pool while the JS thread writes the parts.
    let sorted_ids = match identity
        .as_ref()
        .and_then(|identity| identity.text.as_ref().zip(identity.lengths.as_ref()))
    {
        None => None,
        Some((text, lengths)) => {
            let ids = SortedIds::new(text.to_vec(), lengths).map_err(TapeError::into_napi)?;
            let (sender, receiver) = mpsc::channel();
            rayon::spawn(move || {
                let _ = sender.send(panic::catch_unwind(AssertUnwindSafe(|| ids.sort())));
            });
            Some(receiver)
        }
    };
    let (done, examples) = on_parts(&next_part, rule.as_ref(), Part::hash_checked)?;
    let mut hashes = String::with_capacity(examples * 64);
    let mut failures = Vec::new();
    for (first, (part_hashes, refused)) in done {
        merge_hashed(first, part_hashes, refused, &mut hashes, &mut failures);
    }
    let (repeats, digest) = match identity {
        None => (None, None),
        Some(_) => {
            let ids = match sorted_ids {
                None => None,
                Some(receiver) => Some(receiver.recv().ok().and_then(Result::ok).ok_or_else(thread_failed)?),
            };
            if ids.as_ref().is_some_and(|ids| ids.spans.len() != examples) {
                return Err(TapeError::Malformed.into_napi());
            }
            let (repeats, digest) =
                identities(ids, &hashes, examples, failures.is_empty()).map_err(TapeError::into_napi)?;
            (Some(repeats), digest)
        }
    };
    Ok(HashedExamples {
        hashes,
        failures,
        repeats,
        digest,
    })
}

fn thread_failed() -> napi::Error {
    napi::Error::from_reason("groundset: a hashing thread failed")
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

/// The lines [`example_lines`] wrote, and what it found.
#[napi(object)]
pub struct ExampleLines {
    /// The NDJSON lines with content (see `lines.rs`), each part's in one buffer, in order.
    /// Lines of a batch with failures are not to be sent: a failed example has none, and one
    /// that breaks the member rule may have one.
    pub lines: Vec<Buffer>,
    /// How many examples each buffer of `lines` holds.
    pub counts: Uint32Array,
    /// Each example's line's end (bytes) in its buffer; a line starts where the one before ends.
    pub ends: Uint32Array,
    /// 64 hex digits per example, in order (64 zeros for an example in `failures`).
    pub hashes: String,
    /// As [`HashedExamples::failures`].
    pub failures: Vec<NativeIssue>,
    /// With `seen`: each example whose source id an earlier example (of this batch or one
    /// before) has, as pairs: its index in the batch, then the first one's row.
    pub repeats: Option<Uint32Array>,
}

/// The source ids of the batches of one upload so far, each with the row of its first example,
/// so that a repeat in a later batch is named against the first ([`example_lines`]' `seen`).
#[napi]
pub struct SeenIds {
    first: std::collections::HashMap<String, u32>,
}

#[napi]
impl SeenIds {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        SeenIds {
            first: std::collections::HashMap::new(),
        }
    }
}

/// The repeats of `ids` (an example's source id seen before, in `seen` or earlier in `ids`) as
/// (index, first row) pairs, in order; each new id is noted in `seen` with its row in `rows`.
fn repeats_seen(ids: &[Option<String>], rows: &[u32], seen: &mut SeenIds) -> Result<Vec<u32>, TapeError> {
    if rows.len() != ids.len() {
        return Err(TapeError::Malformed);
    }
    let mut repeats = Vec::new();
    for (index, (id, &row)) in ids.iter().zip(rows).enumerate() {
        let Some(id) = id else { continue };
        match seen.first.get(id.as_str()) {
            Some(&first) => repeats.extend([u32::try_from(index).map_err(|_| TapeError::Malformed)?, first]),
            None => {
                seen.first.insert(id.clone(), row);
            }
        }
    }
    Ok(repeats)
}

/// One part's lines (see [`example_lines`]), with each example's hash or error.
struct PartLines {
    hashed: Vec<Result<String, HashError>>,
    lines: Vec<u8>,
    ends: Vec<u32>,
    refused: Vec<(usize, groundset_records::Error)>,
}

/// Examples per task of a part's lines: enough to keep a task's buffer growing in place.
const LINES_PER_TASK: usize = 64;

impl Part {
    /// The line of each of the part's examples with an id in `ids` (by index in the batch),
    /// written on all cores while the hash is taken.
    fn lines(&self, ids: &[Option<String>]) -> Result<PartLines, TapeError> {
        let mut starts = Vec::new();
        let mut reader = Tape::new(&self.slots, &self.text, &self.names);
        while !reader.at_end() {
            starts.push(reader);
            reader.next_example()?;
        }
        if starts.len() != self.count || ids.len() < self.first + self.count {
            return Err(TapeError::Malformed);
        }
        type Task = (Vec<Result<String, HashError>>, Vec<u8>, Vec<usize>);
        let tasks: Vec<Result<Task, TapeError>> = starts
            .par_chunks(LINES_PER_TASK)
            .enumerate()
            .map_init(
                || (Strings::default(), Scratch::default()),
                |(strings, scratch), (task, readers)| {
                    let (mut hashed, mut out, mut ends) = (Vec::new(), Vec::new(), Vec::new());
                    for (offset, reader) in readers.iter().enumerate() {
                        let mut reader = *reader;
                        let found = match &ids[self.first + task * LINES_PER_TASK + offset] {
                            Some(id) => {
                                crate::lines::example_line(&mut reader, &self.table, scratch, strings, id, &mut out)
                            }
                            None => example_hash_direct(&mut reader, &self.table, scratch, strings),
                        };
                        match found {
                            Ok(hash) => hashed.push(Ok(hash)),
                            Err(TapeError::Hash(error)) => hashed.push(Err(error)),
                            Err(malformed) => return Err(malformed),
                        }
                        ends.push(out.len());
                    }
                    Ok((hashed, out, ends))
                },
            )
            .collect();
        let mut part = PartLines {
            hashed: Vec::with_capacity(self.count),
            lines: Vec::new(),
            ends: Vec::with_capacity(self.count),
            refused: self.member_failures()?,
        };
        for task in tasks {
            let (hashed, out, ends) = task?;
            let base = part.lines.len();
            part.hashed.extend(hashed);
            part.ends.extend(
                ends.into_iter()
                    .map(|end| u32::try_from(base + end).unwrap_or(u32::MAX)),
            );
            part.lines.extend_from_slice(&out);
        }
        Ok(part)
    }
}

/// The NDJSON lines with content of a batch of examples, as the upsert sends them (`lines.rs`:
/// byte for byte the Python core's `example_lines`), each written from the tape while its hash
/// is taken; and every failure, as [`hash_examples`] finds them (the same `next_part` and
/// `rule`). `ids` are the examples' source ids ([`Identity`]'s `text` and `lengths`, both
/// required); an example without one ([`NO_IDENTITY`]) is hashed and checked but has no line.
/// With `seen` and `rows` (each example's row, for the messages), the repeated source ids are
/// found against the batches before (a streamed upload's), and this batch's are noted.
#[napi(
    ts_args_type = "nextPart: () => { tape: Float64Array, text: TextSink, units: number, names: string[], count: number, members?: Float64Array, memberShapes?: Float64Array, memberNames?: string[] } | null, rule: MemberRule | undefined | null, ids: Identity, seen?: SeenIds | undefined | null, rows?: Uint32Array | undefined | null"
)]
pub fn example_lines(
    next_part: Function<(), Option<Object>>,
    rule: Option<MemberRule>,
    ids: Identity,
    seen: Option<&mut SeenIds>,
    rows: Option<Uint32Array>,
) -> napi::Result<ExampleLines> {
    let (Some(text), Some(lengths)) = (ids.text.as_ref(), ids.lengths.as_ref()) else {
        return Err(TapeError::Malformed.into_napi());
    };
    let spans = SortedIds::new(text.to_vec(), lengths).map_err(TapeError::into_napi)?;
    let mut decoded = Vec::with_capacity(spans.spans.len());
    for span in &spans.spans {
        decoded.push(match span {
            Some((start, end)) => {
                Some(String::from_utf16(&spans.text[*start..*end]).map_err(|_| TapeError::Malformed.into_napi())?)
            }
            None => None,
        });
    }
    let repeats = match (seen, rows) {
        (Some(seen), Some(rows)) => Some(Uint32Array::new(
            repeats_seen(&decoded, &rows, seen).map_err(TapeError::into_napi)?,
        )),
        (None, None) => None,
        _ => return Err(TapeError::Malformed.into_napi()),
    };
    let ids = std::sync::Arc::new(decoded);
    let count = ids.len();
    let (done, examples) = on_parts(&next_part, rule.as_ref(), move |part: &Part| part.lines(&ids))?;
    if examples != count {
        return Err(TapeError::Malformed.into_napi());
    }
    let mut found = ExampleLines {
        lines: Vec::with_capacity(done.len()),
        counts: Uint32Array::new(Vec::new()),
        ends: Uint32Array::new(Vec::new()),
        hashes: String::with_capacity(examples * 64),
        failures: Vec::new(),
        repeats,
    };
    let (mut counts, mut ends) = (Vec::with_capacity(done.len()), Vec::with_capacity(examples));
    for (first, part) in done {
        merge_hashed(first, part.hashed, part.refused, &mut found.hashes, &mut found.failures);
        counts.push(u32::try_from(part.ends.len()).unwrap_or(u32::MAX));
        ends.extend(part.ends);
        found.lines.push(Buffer::from(part.lines));
    }
    found.counts = Uint32Array::new(counts);
    found.ends = Uint32Array::new(ends);
    Ok(found)
}
