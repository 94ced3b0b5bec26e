//! Content hashes: `hash_value`, `example_hash`, `hash_examples` and `manifest_digest`.

use std::borrow::Cow;

use canonhash::{ErrorCode, HashError, Value};
use groundset_records::{check_structured_members, is_structured_member};
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyDict, PyList, PyMapping, PyString, PyTuple};

use crate::error::{Failure, to_pyerr};
use crate::tape::{Member, Op, Recorder, Unusual, prefetch_records, write_example};
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
pub(crate) const BATCH: usize = 256;

/// Batches converted but not yet hashed, at most, before the converting thread waits.
const QUEUE: usize = 8;

/// The content hashes of many examples, in order: one call, converted and hashed on two threads.
///
/// Each item is a mapping with `input` and optional `output` and `metadata`, the parts that are
/// hashed; its other members are neither read nor checked (`hash_examples_collect` with
/// `structured` applies the record rule that refuses them). The error of the first bad item has
/// its index in front of its path, as in `$[3].input.items[0]`.
#[pyfunction]
pub fn hash_examples<'py>(examples: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
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
                return canonhash::digest_hex(hash.as_ref().expect("an error was handled above"));
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

/// A hash of the pipeline: the 32 bytes of SHA-256, or why the example has none.
pub(crate) type Digest = Result<[u8; 32], HashError>;

/// The hash results of every item, and the items that failed to convert with their index:
/// with `collect`, every such item (a placeholder takes its place in the hashes); without, the
/// first, which ends the conversion. A Python error of the iteration (or of a mapping's own
/// `__getitem__`) is raised.
#[allow(clippy::type_complexity)]
fn hash_all(
    examples: &Bound<'_, PyAny>,
    collect: bool,
    rule: Option<&MemberRule>,
) -> PyResult<(Vec<Digest>, Vec<(usize, Failure)>)> {
    let py = examples.py();
    let mut failures = Vec::new();
    // A list or tuple is recorded as tapes (see `tape`), from a list of our own that no Python
    // code can change. Any other iterable runs Python code between items (a generator may even
    // change the item it gave before), so its examples are written out under the GIL instead.
    let (converted, hashes) = if examples.is_exact_instance_of::<PyList>() || examples.is_exact_instance_of::<PyTuple>()
    {
        let list = own_list(examples)?;
        let count = list.len();
        let small = count <= BATCH;
        // Borrowed, not counted: a new reference would write to the item's memory now.
        // SAFETY: in range of a list only this call holds; its items outlive the walk.
        let ahead = |row: usize| {
            (row < count).then(|| unsafe { Borrowed::from_ptr(py, ffi::PyList_GetItem(list.as_ptr(), row as isize)) })
        };
        let items = list.iter().enumerate().map(|(row, item)| {
            // The next items' memory asked for while this one is recorded, as `prepare_examples`
            // does: the walk is bound by the wait for each object's first cache line.
            prefetch_records(|offset| ahead(row + offset));
            Ok(item)
        });
        run_pipeline(py, true, small, count, |pipeline| {
            convert_items(items, pipeline, collect, rule, &mut failures)
        })
    } else {
        let length = examples.len().ok();
        let small = length.is_some_and(|count| count <= BATCH);
        let expected = length.unwrap_or(0);
        let items = examples.try_iter()?;
        run_pipeline(py, false, small, expected, |pipeline| {
            convert_items(items, pipeline, collect, rule, &mut failures)
        })
    };
    converted?;
    Ok((hashes, failures))
}

/// A new list of the items of `sequence`, which only the caller holds.
pub(crate) fn own_list<'py>(sequence: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    // SAFETY: `PySequence_List` returns a new list or NULL with an exception set.
    let list = unsafe { Bound::from_owned_ptr_or_err(sequence.py(), ffi::PySequence_List(sequence.as_ptr()))? };
    Ok(list.cast_into::<PyList>()?)
}

/// Runs `body`, which feeds examples into the pipeline, and returns its result with the
/// hashes of every example fed, in order. Unless `small` (then the batch is hashed here), it
/// is a pipeline on two threads: this one converts or records batches (which needs the GIL)
/// while a worker hashes the batches already done, which never touches a Python object;
/// hashed batches come back to be refilled. With `tape`, the GIL is held until every tape is
/// hashed (see [`Pipeline::drain`]). `expected` (the number of examples, when known) sizes the
/// hashes at once: growing them copies and faults in megabytes on the hashing thread.
pub(crate) fn run_pipeline<'py, R>(
    py: Python<'py>,
    tape: bool,
    small: bool,
    expected: usize,
    body: impl FnOnce(&mut Pipeline<'py>) -> PyResult<R>,
) -> (PyResult<R>, Vec<Digest>) {
    if small {
        let mut pipeline = Pipeline::new(py, tape, None);
        let result = body(&mut pipeline);
        pipeline.send();
        return (result, pipeline.inline);
    }
    std::thread::scope(|scope| {
        let (full_sender, full_receiver) = std::sync::mpsc::sync_channel::<Batch>(QUEUE);
        let (empty_sender, empty_receiver) = std::sync::mpsc::channel::<Batch>();
        let worker = scope.spawn(move || {
            let (mut hashes, mut scratch) = (Vec::with_capacity(expected), Scratch::default());
            for mut batch in full_receiver {
                batch.hash_into(&mut scratch, &mut hashes);
                batch.clear();
                // The converting thread may be done already; then the batch is just dropped.
                let _ = empty_sender.send(batch);
            }
            hashes
        });
        let mut pipeline = Pipeline::new(py, tape, Some((full_sender, empty_receiver)));
        let result = body(&mut pipeline);
        pipeline.send();
        drop(pipeline.channel.take());
        let joined = if tape {
            worker.join()
        } else {
            py.detach(|| worker.join())
        };
        let hashes = joined.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (result, hashes)
    })
}

/// The converting side of the pipeline: the batch being filled, and the batches handed to the
/// worker.
pub(crate) struct Pipeline<'py> {
    py: Python<'py>,
    /// Whether examples are recorded as tapes that borrow from Python objects.
    tape: bool,
    batch: Batch,
    /// Hashed batches, back to be refilled.
    free: Vec<Batch>,
    /// Batches handed to the worker and not back yet.
    outstanding: usize,
    channel: Option<(std::sync::mpsc::SyncSender<Batch>, std::sync::mpsc::Receiver<Batch>)>,
    /// The hashes, without a worker.
    inline: Vec<Digest>,
    scratch: Scratch,
    /// Whether tapes are written out here rather than by the worker (see `send`).
    write_here: bool,
}

impl<'py> Pipeline<'py> {
    fn new(
        py: Python<'py>,
        tape: bool,
        channel: Option<(std::sync::mpsc::SyncSender<Batch>, std::sync::mpsc::Receiver<Batch>)>,
    ) -> Self {
        Pipeline {
            py,
            tape,
            batch: Batch::new(),
            free: Vec::new(),
            outstanding: 0,
            channel,
            inline: Vec::new(),
            scratch: Scratch::default(),
            write_here: false,
        }
    }

    /// Records the next example as a tape with `record`, unless it gives up: then nothing is
    /// recorded and the caller takes the general path. Without tapes (or while the worker
    /// lags), the tape is written out at once, here.
    pub(crate) fn try_tape(&mut self, record: impl FnOnce(&mut Recorder<'_>) -> Result<(), Unusual>) -> bool {
        let batch = &mut self.batch;
        let start = batch.tape.len();
        if record(&mut Recorder { ops: &mut batch.tape }).is_err() {
            batch.tape.truncate(start);
            return false;
        }
        if self.write_here || !self.tape {
            let written = batch.written.len();
            // SAFETY: the tape was just recorded; no Python code ran since.
            unsafe { write_example(&batch.tape[start..], &mut batch.written, &mut self.scratch.members) };
            batch.tape.truncate(start);
            batch.examples.push(Entry::Written(written..batch.written.len()));
        } else {
            batch.examples.push(Entry::Tape(start..batch.tape.len()));
            batch.taped = true;
        }
        true
    }

    /// The general path for the next example: `rule` checked, then converted to values. Python
    /// code may run here, so first every tape is hashed.
    pub(crate) fn push_general(&mut self, item: &Bound<'_, PyAny>, rule: Option<&MemberRule>) -> Result<(), Failure> {
        self.drain();
        self.batch.push(item, rule)
    }

    /// A placeholder for an example that is not hashed, so that the hashes stay in order.
    pub(crate) fn push_missing(&mut self) {
        self.batch.examples.push(Entry::Converted(Example::MISSING));
    }

    /// After each example: a full batch goes to the worker.
    pub(crate) fn next(&mut self) {
        if self.batch.examples.len() >= BATCH {
            self.send();
        }
    }

    /// Waits until no tape is left unhashed: before anything that may run Python code (which
    /// may change or free what a tape borrows, or let another thread do so).
    pub(crate) fn drain(&mut self) {
        if !self.tape {
            return;
        }
        if self.batch.taped {
            self.send();
        }
        while self.outstanding > 0 {
            let (_, receiver) = self.channel.as_ref().expect("batches are handed only to a worker");
            let batch = receiver.recv().expect("the worker hands back every batch");
            self.outstanding -= 1;
            self.free.push(batch);
        }
    }

    /// Hands the batch to the worker (or hashes it, without one).
    fn send(&mut self) {
        use std::sync::mpsc::TrySendError;
        if self.batch.examples.is_empty() {
            return;
        }
        let Some((sender, receiver)) = &self.channel else {
            self.batch.hash_into(&mut self.scratch, &mut self.inline);
            self.batch.clear();
            return;
        };
        while let Ok(batch) = receiver.try_recv() {
            self.outstanding -= 1;
            self.free.push(batch);
        }
        // Balance the threads: while the worker lags behind (half the queue waits for it),
        // this thread writes the canonical JSON of the next batch itself and leaves the
        // worker only its SHA-256 (the writing reads each string again, which from the
        // worker's core costs a transfer of its cache lines).
        self.write_here = self.outstanding >= QUEUE / 2;
        let next = self.free.pop().unwrap_or_else(Batch::new);
        let batch = std::mem::replace(&mut self.batch, next);
        let sent = match sender.try_send(batch) {
            // Tapes keep the GIL held while they wait (see `drain`).
            Err(TrySendError::Full(batch)) if self.tape => sender.send(batch).map_err(|_| ()),
            Err(TrySendError::Full(batch)) => self.py.detach(|| sender.send(batch).map_err(|_| ())),
            other => other.map_err(|_| ()),
        };
        sent.expect("the hashing thread runs until the sender is dropped");
        self.outstanding += 1;
    }
}

/// The hashing side's scratch space, reused across examples.
#[derive(Default)]
struct Scratch {
    bytes: Vec<u8>,
    members: Vec<Member>,
}

/// Examples converted together, and the converter whose arena holds their strings.
///
/// A batch is refilled after it is hashed: its arena keeps its memory, so new strings are
/// copied into memory that is already mapped and likely still in cache.
struct Batch {
    // Declared before `converter` so that they are dropped before the arena they borrow from.
    examples: Vec<Entry<'static>>,
    /// The canonical JSON of the examples written on the converting thread, one after the other.
    written: Vec<u8>,
    /// The tapes of the examples recorded, one after the other.
    tape: Vec<Op>,
    /// Whether `examples` holds a tape.
    taped: bool,
    converter: Converter,
}

// SAFETY: the strings a tape points to stay alive and unchanged until the batch is hashed (see
// `Pipeline::drain`); everything else of a batch is its own.
unsafe impl Send for Batch {}

/// An example of a batch: its canonical JSON already written (`written[start..end]`), its
/// tape (`tape[start..end]`, the common case), or converted to values (the general path).
enum Entry<'s> {
    Written(std::ops::Range<usize>),
    Tape(std::ops::Range<usize>),
    Converted(Example<'s>),
}

impl Batch {
    fn new() -> Self {
        Batch {
            examples: Vec::with_capacity(BATCH),
            written: Vec::new(),
            tape: Vec::with_capacity(BATCH * 64),
            taped: false,
            converter: Converter::new(),
        }
    }

    /// Converts one item of `hash_examples` to values into the batch, once it passes `rule`.
    fn push(&mut self, item: &Bound<'_, PyAny>, rule: Option<&MemberRule>) -> Result<(), Failure> {
        if let Some(rule) = rule {
            rule.check(item)?;
        }
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
        self.tape.clear();
        self.taped = false;
        self.converter.reset();
    }

    /// Appends the hashes of the batch's examples to `hashes`, in order.
    fn hash_into(&self, scratch: &mut Scratch, hashes: &mut Vec<Digest>) {
        hashes.extend(self.examples.iter().map(|entry| match entry {
            Entry::Written(range) => Ok(canonhash::sha256(&self.written[range.clone()])),
            Entry::Tape(range) => {
                scratch.bytes.clear();
                // SAFETY: the strings of the tape are alive until the batch is hashed.
                unsafe { write_example(&self.tape[range.clone()], &mut scratch.bytes, &mut scratch.members) };
                Ok(canonhash::sha256(&scratch.bytes))
            }
            Entry::Converted(example) => example.digest_with(&mut scratch.bytes),
        }));
    }
}

/// Converts the items in order into the pipeline. An item that fails is recorded in
/// `failures` with its index; without `collect` it ends the conversion, with it a placeholder
/// takes its place. Python errors of the iteration are returned as `Err`.
fn convert_items<'py>(
    items: impl Iterator<Item = PyResult<Bound<'py, PyAny>>>,
    pipeline: &mut Pipeline<'py>,
    collect: bool,
    rule: Option<&MemberRule>,
    failures: &mut Vec<(usize, Failure)>,
) -> PyResult<()> {
    for (index, item) in items.enumerate() {
        let item = item?;
        if !pipeline.try_tape(|recorder| recorder.example(item.as_borrowed(), rule)) {
            match pipeline.push_general(&item, rule) {
                Ok(()) => {}
                Err(failure @ (Failure::Hash(_) | Failure::Record(_))) if collect => {
                    failures.push((index, failure));
                    pipeline.push_missing();
                }
                Err(failure) => {
                    failures.push((index, failure));
                    return Ok(());
                }
            }
        }
        pipeline.next();
    }
    Ok(())
}

/// The hashes, or the first error by item index: an item that converted but failed to hash
/// comes before the item that failed to convert (which ended the conversion).
fn first_error<'py>(py: Python<'py>, hashes: Vec<Digest>, failure: Option<Failure>) -> PyResult<Bound<'py, PyList>> {
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
    hex_list(py, &hashes, |_| false)
}

/// The hashes as a list of 64-hex-digit `str`, `""` for a failed one or where `skip(index)`.
pub(crate) fn hex_list<'py>(
    py: Python<'py>,
    digests: &[Digest],
    skip: impl Fn(usize) -> bool,
) -> PyResult<Bound<'py, PyList>> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let empty = PyString::new(py, "");
    let mut text = [0_u8; 64];
    PyList::new(
        py,
        digests.iter().enumerate().map(|(index, digest)| match digest {
            Ok(digest) if !skip(index) => {
                for (pair, byte) in text.chunks_exact_mut(2).zip(digest) {
                    pair[0] = HEX[usize::from(byte >> 4)];
                    pair[1] = HEX[usize::from(byte & 0xF)];
                }
                PyString::new(py, std::str::from_utf8(&text).expect("hex digits are ASCII"))
            }
            _ => empty.clone(),
        }),
    )
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
pub(crate) struct MemberRule {
    pub(crate) id_key: Option<String>,
    pub(crate) any_members: bool,
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

    /// Whether a member of this name passes the rule.
    pub(crate) fn allows(&self, name: &str) -> bool {
        self.any_members || is_structured_member(name, self.id_key.as_deref())
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
            if !self.allows(&name) {
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

    /// As [`Example::hash`], as the digest's bytes, writing the canonical bytes into `scratch`
    /// (reused across calls).
    fn digest_with(&self, scratch: &mut Vec<u8>) -> Digest {
        scratch.clear();
        canonhash::write_canonical_example(self.input()?, self.output.as_ref(), self.metadata.as_ref(), scratch)?;
        Ok(canonhash::sha256(scratch))
    }
}
