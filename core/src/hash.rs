//! Content hashes: `hash_value`, `example_hash`, `hash_examples` and `manifest_digest`.

use std::borrow::Cow;

use canonhash::{ErrorCode, HashError, Value};
use groundset_records::{check_structured_members, is_structured_member};
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyDict, PyMapping, PyString};

use crate::error::{Failure, to_pyerr};
use crate::value::{Converter, type_name, unsupported_type};

/// The SHA-256 (64 lowercase hex digits) of the RFC 8785 canonical JSON of `value`.
#[pyfunction]
pub fn hash_value(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let converter = Converter::new();
    converter
        .convert(value, 0)
        .and_then(|value| Ok(canonhash::hash_value(&value)?))
        .map_err(|failure| failure.into_pyerr(value.py()))
}

/// The content hash of one example: the SHA-256 of the canonical JSON object
/// `{"input": input, "metadata": metadata, "output": output}`, where a missing or `None`
/// `output` or `metadata` counts as `{}`.
#[pyfunction]
#[pyo3(signature = (input, output = None, metadata = None))]
pub fn example_hash(
    input: &Bound<'_, PyAny>,
    output: Option<&Bound<'_, PyAny>>,
    metadata: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let converter = Converter::new();
    Example::convert(&converter, Some(input), output, metadata)
        .and_then(|example| Ok(example.hash()?))
        .map_err(|failure| failure.into_pyerr(input.py()))
}

/// Examples converted (under the GIL) per batch handed to the hashing thread.
const BATCH: usize = 256;

/// Batches converted but not yet hashed, at most, before the converting thread waits.
const QUEUE: usize = 8;

/// The content hashes of many examples, in order: one call, converted and hashed on two threads.
///
/// Each item is a mapping with `input` and optional `output` and `metadata`, the parts that are
/// hashed; its other members are neither read nor checked (`hash_examples_collect` with
/// `structured` applies the record rule that refuses them). The error of the first bad item has
/// its index in front of its path, as in `$[3].input.items[0]`.
#[pyfunction]
pub fn hash_examples(examples: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let py = examples.py();
    let (hashes, mut failures) = hash_all(examples, false, None)?;
    let failure = failures.pop().map(|(index, failure)| failure.within_index(index));
    first_error(py, hashes, failure)
}

/// `(hashes, problems, more)`: as `hash_examples`, but every item is hashed and every bad one
/// reported, so that a caller can list them all. A bad item's hash is `""`; `problems` holds
/// `(index, HashError)` for the first `max_errors` bad items in order (paths relative to the
/// item), `more` counts the rest.
///
/// With `structured`, the items are structured records and the record layer's member rule
/// (`groundset_records::check_structured_members`, the rule of files) applies first: a record
/// without `input` is `not_an_object` at `$.input` naming its members, and a member other than
/// `input`, `output`, `metadata` and `id_key` is `unknown_field` with the member it likely
/// misspells, unless `any_members` (a source-id function reads the others).
#[pyfunction]
#[pyo3(signature = (examples, *, max_errors = 100, structured = false, id_key = None, any_members = false))]
#[allow(clippy::type_complexity)]
pub fn hash_examples_collect(
    examples: &Bound<'_, PyAny>,
    max_errors: usize,
    structured: bool,
    id_key: Option<String>,
    any_members: bool,
) -> PyResult<(Vec<String>, Vec<(usize, Py<PyAny>)>, usize)> {
    let py = examples.py();
    let rule = structured.then_some(MemberRule { id_key, any_members });
    let (hashes, failures) = hash_all(examples, true, rule.as_ref())?;
    let mut failures = failures.into_iter().peekable();
    let (mut problems, mut more) = (Vec::new(), 0);
    let hashes = hashes
        .into_iter()
        .enumerate()
        .map(|(index, hash)| {
            // A conversion failure comes before the placeholder's own hash error.
            let error = match failures.next_if(|(failed, _)| *failed == index) {
                Some((_, failure)) => Some(failure.into_pyerr(py)),
                None => hash.as_ref().err().map(|error| to_pyerr(py, error)),
            };
            let Some(error) = error else {
                return hash.expect("an error was handled above");
            };
            if problems.len() < max_errors {
                problems.push((index, error.into_value(py).into_any()));
            } else {
                more += 1;
            }
            String::new()
        })
        .collect();
    Ok((hashes, problems, more))
}

/// The hash results of every item, and the items that failed to convert with their index:
/// with `collect`, every such item (a placeholder takes its place in the hashes); without, the
/// first, which ends the conversion. A Python error of the iteration (or of a mapping's own
/// `__getitem__`) is raised.
#[allow(clippy::type_complexity)]
fn hash_all(
    examples: &Bound<'_, PyAny>,
    collect: bool,
    rule: Option<&MemberRule>,
) -> PyResult<(Vec<Result<String, HashError>>, Vec<(usize, Failure)>)> {
    let py = examples.py();
    let items = examples.try_iter()?;
    let mut failures = Vec::new();
    if examples.len().is_ok_and(|count| count <= BATCH) {
        let mut batch = Batch::new();
        convert_items(items, &mut batch, collect, rule, &mut failures, |_| {})?;
        let entries = (batch.examples.as_slice(), batch.written.as_slice());
        let hashes = py.detach(|| {
            let mut hashes = Vec::with_capacity(entries.0.len());
            hash_into(entries, &mut Vec::with_capacity(4096), &mut hashes);
            hashes
        });
        return Ok((hashes, failures));
    }
    // A pipeline on two threads: this one converts batches (which needs the GIL) while a
    // worker hashes the batches already converted. Batches own their data, so the worker never
    // touches a Python object; hashed batches come back to be refilled. Converting is the
    // slower half, so one hashing thread keeps up; more would only spin on a small machine.
    std::thread::scope(|scope| {
        let (full_sender, full_receiver) = std::sync::mpsc::sync_channel::<Batch>(QUEUE);
        let (empty_sender, empty_receiver) = std::sync::mpsc::channel::<Batch>();
        let worker = scope.spawn(move || {
            let (mut hashes, mut scratch) = (Vec::new(), Vec::with_capacity(4096));
            for mut batch in full_receiver {
                hash_into((&batch.examples, &batch.written), &mut scratch, &mut hashes);
                batch.clear();
                // The converting thread may be gone already; then the batch is just dropped.
                let _ = empty_sender.send(batch);
            }
            hashes
        });
        let mut batch = Batch::new();
        let converted = convert_items(items, &mut batch, collect, rule, &mut failures, |batch| {
            if batch.examples.len() == BATCH {
                let next = empty_receiver.try_recv().unwrap_or_else(|_| Batch::new());
                hand_over(py, &full_sender, std::mem::replace(batch, next));
            }
        });
        if !batch.examples.is_empty() {
            hand_over(py, &full_sender, batch);
        }
        drop(full_sender);
        let hashes = py
            .detach(|| worker.join())
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        converted?;
        Ok((hashes, failures))
    })
}

/// Queues a converted batch for the worker, waiting without the GIL if the queue is full.
fn hand_over(py: Python<'_>, sender: &std::sync::mpsc::SyncSender<Batch>, batch: Batch) {
    use std::sync::mpsc::TrySendError;
    let sent = match sender.try_send(batch) {
        Err(TrySendError::Full(batch)) => py.detach(|| sender.send(batch)).map_err(|_| ()),
        other => other.map_err(|_| ()),
    };
    sent.expect("the hashing thread runs until the sender is dropped");
}

/// Examples converted together, and the converter whose arena holds their strings.
///
/// A batch is refilled after it is hashed: its arena keeps its memory, so new strings are
/// copied into memory that is already mapped and likely still in cache.
struct Batch {
    // Declared before `converter` so that they are dropped before the arena they borrow from.
    examples: Vec<Entry<'static>>,
    /// The canonical JSON of the examples written by the fast path, one after the other.
    written: Vec<u8>,
    /// Scratch space of the fast path (object members being sorted); empty between examples.
    members: Vec<(&'static str, *mut pyo3::ffi::PyObject)>,
    converter: Converter,
}

// SAFETY: `members` holds pointers only while an example is written under the GIL, and is
// empty whenever a batch moves to the hashing thread.
unsafe impl Send for Batch {}

/// An example of a batch: its canonical JSON already written (`written[start..end]`, the
/// common case), or converted to values (the general path).
enum Entry<'s> {
    Written(std::ops::Range<usize>),
    Converted(Example<'s>),
}

impl Batch {
    fn new() -> Self {
        Batch {
            examples: Vec::with_capacity(BATCH),
            written: Vec::with_capacity(BATCH * 1024),
            members: Vec::new(),
            converter: Converter::new(),
        }
    }

    /// Converts one item of `hash_examples` into the batch, once it passes `rule`: written
    /// directly when the fast path can (`direct`), converted to values otherwise.
    fn push(&mut self, item: &Bound<'_, PyAny>, rule: Option<&MemberRule>) -> Result<(), Failure> {
        if let Some(rule) = rule {
            rule.check(item)?;
        }
        let start = self.written.len();
        let mut writer = crate::direct::Writer {
            out: &mut self.written,
            members: &mut self.members,
        };
        if writer.example(item).is_ok() {
            self.examples.push(Entry::Written(start..self.written.len()));
            return Ok(());
        }
        self.written.truncate(start);
        let example = Example::from_item(&self.converter, item)?;
        // SAFETY: the example borrows only strings of `self.converter`'s arena, which is reset
        // (in `clear`) or dropped only after `self.examples` is emptied.
        let example = unsafe { std::mem::transmute::<Example<'_>, Example<'static>>(example) };
        self.examples.push(Entry::Converted(example));
        Ok(())
    }

    fn clear(&mut self) {
        self.examples.clear();
        self.written.clear();
        self.converter.reset();
    }
}

/// Appends the hashes of the batch's examples to `hashes`, in order.
fn hash_into(
    (examples, written): (&[Entry<'_>], &[u8]),
    scratch: &mut Vec<u8>,
    hashes: &mut Vec<Result<String, HashError>>,
) {
    hashes.extend(examples.iter().map(|entry| match entry {
        Entry::Written(range) => Ok(canonhash::sha256_hex(&written[range.clone()])),
        Entry::Converted(example) => example.hash_with(scratch),
    }));
}

/// Converts the items in order into `batch`, calling `after_each` after each one. An item that
/// fails is recorded in `failures` with its index; without `collect` it ends the conversion,
/// with it a placeholder takes its place. Python errors of the iteration are returned as `Err`.
fn convert_items(
    items: Bound<'_, pyo3::types::PyIterator>,
    batch: &mut Batch,
    collect: bool,
    rule: Option<&MemberRule>,
    failures: &mut Vec<(usize, Failure)>,
    mut after_each: impl FnMut(&mut Batch),
) -> PyResult<()> {
    for (index, item) in items.enumerate() {
        match batch.push(&item?, rule) {
            Ok(()) => {}
            Err(failure @ (Failure::Hash(_) | Failure::Record(_))) if collect => {
                failures.push((index, failure));
                batch.examples.push(Entry::Converted(Example::MISSING));
            }
            Err(failure) => {
                failures.push((index, failure));
                return Ok(());
            }
        }
        after_each(batch);
    }
    Ok(())
}

/// The hashes, or the first error by item index: an item that converted but failed to hash
/// comes before the item that failed to convert (which ended the conversion).
fn first_error(
    py: Python<'_>,
    hashes: Vec<Result<String, HashError>>,
    failure: Option<Failure>,
) -> PyResult<Vec<String>> {
    if let Some((index, error)) = hashes
        .iter()
        .enumerate()
        .find_map(|(index, hash)| hash.as_ref().err().map(|error| (index, error)))
    {
        return Err(to_pyerr(py, &error.clone().within_index(index)));
    }
    if let Some(failure) = failure {
        return Err(failure.into_pyerr(py));
    }
    Ok(hashes
        .into_iter()
        .map(|hash| hash.expect("errors returned above"))
        .collect())
}

/// The digest of a dataset version from its `(source_id, content_hash)` pairs, in any order:
/// the hash of the canonical array of pairs sorted by source id.
#[pyfunction]
pub fn manifest_digest(entries: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = entries.py();
    let converter = Converter::new();
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::with_capacity(entries.len().unwrap_or(0));
    for (index, entry) in entries.try_iter()?.enumerate() {
        let entry = entry?;
        let pair = match converter.convert(&entry, 0) {
            Ok(Value::Array(items)) => match <[Value<'_>; 2]>::try_from(items) {
                Ok([Value::String(source_id), Value::String(content_hash)]) => Some((source_id, content_hash)),
                _ => None,
            },
            Ok(_) => None,
            Err(failure) => return Err(failure.within_index(index).into_pyerr(py)),
        };
        let Some(pair) = pair else {
            let error = HashError::new(
                ErrorCode::UnsupportedType,
                format!(
                    "a manifest entry must be a (source_id, content_hash) pair of str, found {}",
                    type_name(&entry)
                ),
            );
            return Err(to_pyerr(py, &error.within_index(index)));
        };
        pairs.push(pair);
    }
    Ok(py.detach(|| canonhash::manifest_digest(pairs.iter().map(|(id, hash)| (id.as_ref(), hash.as_ref())))))
}

/// The digest of a dataset version from its source ids and their content hashes as the 32
/// bytes of SHA-256 each spells, concatenated in the same order (`digests`), leaving out the
/// entries whose byte in `deleted` (when given) is not 0: [`manifest_digest`]'s digest for a
/// caller that keeps a million hashes compact (the server's current state), computed without
/// the GIL. `ValueError` when the lengths disagree.
#[pyfunction]
#[pyo3(signature = (source_ids, digests, deleted = None))]
pub fn manifest_digest_packed(
    py: Python<'_>,
    source_ids: Vec<PyBackedStr>,
    digests: PyBackedBytes,
    deleted: Option<PyBackedBytes>,
) -> PyResult<String> {
    if digests.len() != source_ids.len() * 32 {
        return Err(PyValueError::new_err(format!(
            "digests holds {} bytes, not 32 for each of the {} source ids",
            digests.len(),
            source_ids.len()
        )));
    }
    let flags = deleted.as_ref().map_or(source_ids.len(), |deleted| deleted.len());
    if flags != source_ids.len() {
        return Err(PyValueError::new_err(format!(
            "deleted holds {flags} flags, not one for each of the {} source ids",
            source_ids.len()
        )));
    }
    Ok(py.detach(|| {
        let live = |index: &usize| deleted.as_ref().is_none_or(|flags| flags[*index] == 0);
        let entries = (0..source_ids.len()).filter(live).map(|index| {
            let digest: &[u8; 32] = digests[index * 32..index * 32 + 32].try_into().expect("32 bytes");
            (&*source_ids[index], digest)
        });
        canonhash::manifest_digest_of_digests(entries)
    }))
}

/// The member rule of structured records (`groundset_records::check_structured_members`).
struct MemberRule {
    id_key: Option<String>,
    any_members: bool,
}

impl MemberRule {
    /// `Failure::Record` for an item (a mapping) that breaks the rule. A key that is not a
    /// `str` is named by its `str()`; it is never one of the known members.
    fn check(&self, item: &Bound<'_, PyAny>) -> Result<(), Failure> {
        let keys: Vec<Bound<'_, PyAny>> = if let Ok(dict) = item.cast::<PyDict>() {
            if self.passes(dict)? {
                return Ok(());
            }
            dict.iter().map(|(key, _)| key).collect()
        } else if let Ok(mapping) = item.cast::<PyMapping>() {
            mapping.keys()?.iter().collect()
        } else {
            // Not a mapping: its conversion reports that.
            return Ok(());
        };
        let mut texts: Vec<Cow<'_, str>> = Vec::with_capacity(keys.len());
        for key in &keys {
            texts.push(match key.cast::<PyString>() {
                Ok(text) => text.to_cow()?,
                Err(_) => Cow::Owned(key.str()?.to_cow()?.into_owned()),
            });
        }
        let names: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        check_structured_members(&names, self.id_key.as_deref(), self.any_members).map_err(Failure::Record)
    }

    /// Whether a dict passes the rule for sure, without collecting its member names: the
    /// common case, so that the rule costs the batch little.
    fn passes(&self, dict: &Bound<'_, PyDict>) -> PyResult<bool> {
        let mut input = false;
        for (key, _) in dict.iter() {
            let Ok(text) = key.cast::<PyString>() else {
                return Ok(false);
            };
            let name = text.to_cow()?;
            input |= name == "input";
            if !self.any_members && !is_structured_member(&name, self.id_key.as_deref()) {
                return Ok(false);
            }
        }
        Ok(input)
    }
}

/// An example's three parts as values; `None` where a part is missing.
struct Example<'s> {
    input: Option<Value<'s>>,
    output: Option<Value<'s>>,
    metadata: Option<Value<'s>>,
}

impl<'s> Example<'s> {
    /// Stands for an item that failed to convert, so that the hashes stay in item order.
    const MISSING: Example<'static> = Example {
        input: None,
        output: None,
        metadata: None,
    };

    /// Converts the parts. A part that is a dict is converted in full, inside the example
    /// object (depth 1); any other part only by kind, for the core to refuse as not an object.
    fn convert<'py>(
        converter: &'s Converter,
        input: Option<&Bound<'py, PyAny>>,
        output: Option<&Bound<'py, PyAny>>,
        metadata: Option<&Bound<'py, PyAny>>,
    ) -> Result<Self, Failure> {
        let part = |object: Option<&Bound<'py, PyAny>>, name: &str| -> Result<Option<Value<'s>>, Failure> {
            let Some(object) = object else {
                return Ok(None);
            };
            let value = if object.is_instance_of::<PyDict>() {
                converter.convert(object, 1)
            } else {
                converter.kind_only(object)
            };
            value.map(Some).map_err(|failure| failure.within_key(name))
        };
        Ok(Example {
            input: part(input, "input")?,
            metadata: part(metadata, "metadata")?,
            output: part(output, "output")?,
        })
    }

    /// An item of `hash_examples`: a mapping with `input` and optional `output`, `metadata`.
    fn from_item<'py>(converter: &'s Converter, item: &Bound<'py, PyAny>) -> Result<Self, Failure> {
        let py = item.py();
        let names = [intern!(py, "input"), intern!(py, "output"), intern!(py, "metadata")];
        let (input, output, metadata) = if let Ok(dict) = item.cast::<PyDict>() {
            let [input, output, metadata] = names.map(|name| dict.get_item(name));
            (input?, output?, metadata?)
        } else if let Ok(mapping) = item.cast::<PyMapping>() {
            let [input, output, metadata] = names.map(|name| match mapping.get_item(name) {
                Ok(value) => Ok(Some(value)),
                Err(error) if error.is_instance_of::<PyKeyError>(py) => Ok(None),
                Err(error) => Err(error),
            });
            (input?, output?, metadata?)
        } else {
            let error = unsupported_type(item);
            return Err(HashError::new(
                error.code(),
                format!(
                    "an example must be a dict with input, output and metadata; {}",
                    error.message()
                ),
            )
            .into());
        };
        Self::convert(converter, input.as_ref(), output.as_ref(), metadata.as_ref())
    }

    fn input(&self) -> Result<&Value<'s>, HashError> {
        self.input.as_ref().ok_or_else(|| {
            HashError::new(
                ErrorCode::NotAnObject,
                "an example's input must be a JSON object, found nothing",
            )
            .within_key("input")
        })
    }

    fn hash(&self) -> Result<String, HashError> {
        canonhash::example_hash(self.input()?, self.output.as_ref(), self.metadata.as_ref())
    }

    /// As [`Example::hash`], writing the canonical bytes into `scratch` (reused across calls).
    fn hash_with(&self, scratch: &mut Vec<u8>) -> Result<String, HashError> {
        scratch.clear();
        canonhash::write_canonical_example(self.input()?, self.output.as_ref(), self.metadata.as_ref(), scratch)?;
        Ok(canonhash::sha256_hex(scratch))
    }
}
