//! The balanced fast path of `hash_examples` and `prepare_examples`: the converting thread
//! (under the GIL) only records an example as a tape of [`Op`]s — borrowed pointers to the
//! UTF-8 of its strings, numbers as numbers, containers as counts — and the hashing thread
//! writes the canonical JSON from the tape (member order, escaping, number formatting) and
//! SHA-256s it. Reading the Python objects is the part that needs the GIL; everything else
//! moves off the converting thread, which bounds the pipeline.
//!
//! It takes only what it can write with certainty (exact `dict` with exact `str` keys, `list`,
//! `tuple`, `str`, `int` within ±2^53, finite `float`, `bool`, `None`, below the depth limit)
//! and gives up ([`Unusual`]) on anything else, before any Python code could run: the caller
//! then converts the example through [`crate::value::Converter`], which accepts subclasses and
//! large integers and reports every error with its path, so the two paths agree by
//! construction on which bytes are hashed, and errors stay the converter's. The golden
//! vectors and `just parity` check the bytes.
//!
//! Where the input may run Python code between examples (an iterator, not a list), or while
//! the hashing thread lags behind, a tape is written out at once on the converting thread
//! (see [`crate::hash::Pipeline::try_tape`]).
//!
//! A tape borrows: its strings are the UTF-8 that CPython keeps inside each `str` (created
//! under the GIL by `PyUnicode_AsUTF8AndSize`, which may allocate under abi3, and freed only
//! with the `str`). The pipeline ([`crate::hash::Pipeline`]) keeps them alive: it records only
//! from a list of its own, holds the GIL while tapes are queued, and waits for every queued
//! tape to be hashed before anything that may run Python code (the general path, a progress
//! callback).

use canonhash::{MAX_DEPTH, compare_utf16, write_json_string, write_number};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::hash::MemberRule;
use crate::value::{WINDOW, next_members};

/// The example holds something the tape does not record; convert it the general way.
pub struct Unusual;

/// Integers up to this magnitude are exactly doubles, and ECMAScript writes such doubles as
/// their plain decimal digits: the canonical form of an `int` in that range is its `str`.
const EXACT_INT: u64 = 1 << 53;

/// One step of a tape. A container is followed by its contents, `span` ops in all: an object
/// by `members` pairs of a key (`Str`) and a value, an array by `items` values.
#[derive(Clone, Copy)]
pub enum Op {
    Str { data: *const u8, len: u32 },
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Object { members: u32, span: u32 },
    Array { items: u32, span: u32 },
}

// Sixteen bytes an op: a tape is about as long as the JSON it stands for.
const _: () = assert!(std::mem::size_of::<Op>() == 16);

/// An empty object: a missing or `None` output or metadata.
const EMPTY: Op = Op::Object { members: 0, span: 0 };

/// Items of a list asked for ahead of recording them (see [`crate::value::prefetch`]).
const PREFETCH: isize = 8;

/// Rows between two steps of [`prefetch_records`].
const STAGE: usize = 4;

/// Asks for the memory of the records to be recorded soon, one level deeper at each step, so
/// that their loads overlap the recording of the rows before them instead of stalling it (most
/// of the recording time was the wait for each object's first cache line, its type). `ahead`
/// gives the record that many rows after the one about to be recorded, if any. Each step reads
/// only what an earlier step asked for: `3 * STAGE` rows ahead the record's object; `2 * STAGE`
/// (an exact `dict`) the objects of its members' values (the parts); `STAGE` those of the
/// parts' members and first items. (A step deeper, a context's paragraphs or a list of tags,
/// was measured: no gain, the walk then waits on the prefetches themselves.)
pub fn prefetch_records<'a, 'py>(ahead: impl Fn(usize) -> Option<Borrowed<'a, 'py, PyAny>>) {
    if let Some(far) = ahead(3 * STAGE) {
        crate::value::prefetch(far.as_ptr());
    }
    if let Some(record) = ahead(2 * STAGE) {
        contents(record, &mut |value| crate::value::prefetch(value));
    }
    if let Some(record) = ahead(STAGE) {
        contents(record, &mut |part| {
            within(record, part, &mut |value| crate::value::prefetch(value))
        });
    }
}

/// [`contents`] of the object at `object`, borrowed like `owner`.
fn within(owner: Borrowed<'_, '_, PyAny>, object: *mut ffi::PyObject, each: &mut dyn FnMut(*mut ffi::PyObject)) {
    // SAFETY: a member or item of a container no code changes during the walk.
    contents(unsafe { Borrowed::from_ptr(owner.py(), object) }, each);
}

/// Calls `each` with the value of every member of an exact `dict`, or the first items of an
/// exact `list`; nothing for anything else.
fn contents(object: Borrowed<'_, '_, PyAny>, each: &mut dyn FnMut(*mut ffi::PyObject)) {
    if object.is_exact_instance_of::<PyDict>() {
        let (mut position, mut key, mut value) = (0, std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: an exact dict, read by `PyDict_Next` (borrowed references).
        while unsafe { ffi::PyDict_Next(object.as_ptr(), &mut position, &mut key, &mut value) } != 0 {
            each(value);
        }
    } else if object.is_exact_instance_of::<PyList>() {
        // SAFETY: an exact list; indexes in range, items borrowed.
        let length = unsafe { ffi::PyList_Size(object.as_ptr()) };
        for index in 0..length.min(PREFETCH) {
            each(unsafe { ffi::PyList_GetItem(object.as_ptr(), index) });
        }
    }
}

/// The flat key selection of `prepare_examples`: the members of a record that go into each
/// part (`input: None`: every member not named elsewhere nor the source id's).
pub struct Selection<'py> {
    pub input: Option<Vec<Bound<'py, PyString>>>,
    pub output: Vec<Bound<'py, PyString>>,
    pub metadata: Vec<Bound<'py, PyString>>,
    /// The names the input leaves out when it takes every other member.
    pub taken: Vec<String>,
}

/// Records examples as ops, under the GIL.
pub struct Recorder<'t> {
    pub ops: &'t mut Vec<Op>,
}

impl Recorder<'_> {
    /// The parts `input`, `metadata`, `output` of a `dict` item (structured), checked against
    /// `rule` when given: a member the rule may refuse, or anything unusual, gives up.
    pub fn example(&mut self, item: Borrowed<'_, '_, PyAny>, rule: Option<&MemberRule>) -> Result<(), Unusual> {
        let py = item.py();
        if !item.is_exact_instance_of::<PyDict>() {
            return Err(Unusual);
        }
        let (input, metadata, output) = match rule {
            // The rule reads every member name anyway: the parts are found on the way.
            Some(rule) => {
                let mut parts = [None; 3];
                let (mut position, mut key, mut value) = (0, std::ptr::null_mut(), std::ptr::null_mut());
                // SAFETY: an exact dict, read by `PyDict_Next` (borrowed references).
                while unsafe { ffi::PyDict_Next(item.as_ptr(), &mut position, &mut key, &mut value) } != 0 {
                    let name = unsafe { Borrowed::from_ptr(py, key) };
                    if !name.is_exact_instance_of::<PyString>() {
                        return Err(Unusual);
                    }
                    let slot = match utf8(name)? {
                        "input" => 0,
                        "metadata" => 1,
                        "output" => 2,
                        other if rule.allows(other) => continue,
                        _ => return Err(Unusual),
                    };
                    crate::value::prefetch(value);
                    parts[slot] = Some(unsafe { Borrowed::from_ptr(py, value) });
                }
                (parts[0], parts[1], parts[2])
            }
            None => (
                get(item, pyo3::intern!(py, "input"))?,
                get(item, pyo3::intern!(py, "metadata"))?,
                get(item, pyo3::intern!(py, "output"))?,
            ),
        };
        let input = input.ok_or(Unusual)?;
        self.part(input)?;
        self.optional_part(metadata)?;
        self.optional_part(output)
    }

    /// The parts of a structured `dict` record as an upsert line carries them (`input`,
    /// `metadata`, `output`: the SDK's `record["input"]`, `record.get("metadata")`,
    /// `record.get("output")`), where a missing or `None` part is `null`, not the `{}` it hashes
    /// as. Its other members are not read.
    pub fn line_parts(&mut self, item: Borrowed<'_, '_, PyAny>) -> Result<(), Unusual> {
        let py = item.py();
        if !item.is_exact_instance_of::<PyDict>() {
            return Err(Unusual);
        }
        self.part(get(item, pyo3::intern!(py, "input"))?.ok_or(Unusual)?)?;
        for name in [pyo3::intern!(py, "metadata"), pyo3::intern!(py, "output")] {
            match get(item, name)? {
                Some(part) if !part.is_none() => self.part(part)?,
                _ => self.ops.push(Op::Null),
            }
        }
        Ok(())
    }

    /// The example `{"input": {k: record[k] …}, "output": …, "metadata": …}` of a flat `dict`
    /// record: a missing key gives up (the general path reports it).
    pub fn flat(&mut self, record: Borrowed<'_, '_, PyAny>, selection: &Selection<'_>) -> Result<(), Unusual> {
        let py = record.py();
        if !record.is_exact_instance_of::<PyDict>() {
            return Err(Unusual);
        }
        match &selection.input {
            Some(keys) => self.selected(record, keys)?,
            None => {
                let start = self.open();
                let mut members = 0;
                let (mut position, mut key, mut value) = (0, std::ptr::null_mut(), std::ptr::null_mut());
                // SAFETY: an exact dict, read by `PyDict_Next` (borrowed references).
                while unsafe { ffi::PyDict_Next(record.as_ptr(), &mut position, &mut key, &mut value) } != 0 {
                    let name = unsafe { Borrowed::from_ptr(py, key) };
                    if !name.is_exact_instance_of::<PyString>() {
                        return Err(Unusual);
                    }
                    let text = utf8(name)?;
                    if selection.taken.iter().any(|taken| taken == text) {
                        continue;
                    }
                    self.ops.push(string(text)?);
                    self.value(unsafe { Borrowed::from_ptr(py, value) }, 2)?;
                    members += 1;
                }
                self.close_object(start, members);
            }
        }
        self.selected(record, &selection.metadata)?;
        self.selected(record, &selection.output)
    }

    /// The object of the members `keys` of `record`.
    fn selected(&mut self, record: Borrowed<'_, '_, PyAny>, keys: &[Bound<'_, PyString>]) -> Result<(), Unusual> {
        let start = self.open();
        for key in keys {
            let value = get(record, key)?.ok_or(Unusual)?;
            self.ops.push(string(utf8(key.as_any().as_borrowed())?)?);
            self.value(value, 2)?;
        }
        self.close_object(start, keys.len());
        Ok(())
    }

    fn part(&mut self, part: Borrowed<'_, '_, PyAny>) -> Result<(), Unusual> {
        if !part.is_exact_instance_of::<PyDict>() {
            return Err(Unusual);
        }
        self.value(part, 1)
    }

    fn optional_part(&mut self, part: Option<Borrowed<'_, '_, PyAny>>) -> Result<(), Unusual> {
        match part {
            Some(part) if !part.is_none() => self.part(part),
            _ => {
                self.ops.push(EMPTY);
                Ok(())
            }
        }
    }

    /// `object`, which sits inside `depth` containers.
    fn value(&mut self, object: Borrowed<'_, '_, PyAny>, depth: usize) -> Result<(), Unusual> {
        let op = if object.is_exact_instance_of::<PyString>() {
            string(utf8(object)?)?
        } else if object.is_exact_instance_of::<PyDict>() {
            return self.object(object, depth);
        } else if object.is_exact_instance_of::<PyList>() {
            return self.array(object, depth, ffi::PyList_Size, ffi::PyList_GetItem);
        } else if object.is_exact_instance_of::<PyInt>() {
            let mut overflow = 0;
            // SAFETY: an exact int; this sets no error on overflow (it reports it in `overflow`).
            let value = unsafe { ffi::PyLong_AsLongLongAndOverflow(object.as_ptr(), &mut overflow) };
            if overflow != 0 || value.unsigned_abs() > EXACT_INT {
                return Err(Unusual);
            }
            Op::Int(value)
        } else if object.is_exact_instance_of::<PyFloat>() {
            // SAFETY: an exact float, read without calling any method.
            let number = unsafe { ffi::PyFloat_AsDouble(object.as_ptr()) };
            if !number.is_finite() {
                return Err(Unusual);
            }
            Op::Float(number)
        } else if object.is_exact_instance_of::<PyBool>() {
            // SAFETY: `Py_True` is the address of the interpreter's `True`.
            Op::Bool(object.as_ptr() == unsafe { ffi::Py_True() })
        } else if object.is_none() {
            Op::Null
        } else if object.is_exact_instance_of::<PyTuple>() {
            return self.array(object, depth, ffi::PyTuple_Size, ffi::PyTuple_GetItem);
        } else {
            return Err(Unusual);
        };
        self.ops.push(op);
        Ok(())
    }

    fn object(&mut self, dict: Borrowed<'_, '_, PyAny>, depth: usize) -> Result<(), Unusual> {
        if depth >= MAX_DEPTH {
            return Err(Unusual);
        }
        let py = dict.py();
        let start = self.open();
        let mut members = 0;
        let mut position = 0;
        let mut window = [(std::ptr::null_mut(), std::ptr::null_mut()); WINDOW];
        loop {
            // SAFETY: an exact dict, unchanged during the walk (no Python code runs).
            let filled = unsafe { next_members(dict, &mut position, &mut window) };
            for &(key, value) in &window[..filled] {
                let name = unsafe { Borrowed::from_ptr(py, key) };
                if !name.is_exact_instance_of::<PyString>() {
                    return Err(Unusual);
                }
                self.ops.push(string(utf8(name)?)?);
                self.value(unsafe { Borrowed::from_ptr(py, value) }, depth + 1)?;
                members += 1;
            }
            if filled < WINDOW {
                self.close_object(start, members);
                return Ok(());
            }
        }
    }

    /// A list or tuple, read with its type's `Size` and (borrowing) `GetItem` functions.
    fn array(
        &mut self,
        sequence: Borrowed<'_, '_, PyAny>,
        depth: usize,
        size: unsafe extern "C" fn(*mut ffi::PyObject) -> ffi::Py_ssize_t,
        get_item: unsafe extern "C" fn(*mut ffi::PyObject, ffi::Py_ssize_t) -> *mut ffi::PyObject,
    ) -> Result<(), Unusual> {
        if depth >= MAX_DEPTH {
            return Err(Unusual);
        }
        let py = sequence.py();
        let start = self.open();
        // SAFETY: `size` and `get_item` belong to the sequence's exact type; indexes are in
        // range and the items, borrowed, stay valid during the walk.
        let length = unsafe { size(sequence.as_ptr()) };
        for index in 0..length.min(PREFETCH) {
            crate::value::prefetch(unsafe { get_item(sequence.as_ptr(), index) });
        }
        for index in 0..length {
            if index + PREFETCH < length {
                crate::value::prefetch(unsafe { get_item(sequence.as_ptr(), index + PREFETCH) });
            }
            self.value(
                unsafe { Borrowed::from_ptr(py, get_item(sequence.as_ptr(), index)) },
                depth + 1,
            )?;
        }
        let span = self.span(start)?;
        self.ops[start] = Op::Array {
            items: u32::try_from(length).map_err(|_| Unusual)?,
            span,
        };
        Ok(())
    }

    /// Reserves the op of a container whose contents follow.
    fn open(&mut self) -> usize {
        self.ops.push(Op::Null);
        self.ops.len() - 1
    }

    fn close_object(&mut self, start: usize, members: usize) {
        // A tape over 4 billion ops is beyond any batch; the counts fit.
        self.ops[start] = Op::Object {
            members: members as u32,
            span: (self.ops.len() - start - 1) as u32,
        };
    }

    fn span(&self, start: usize) -> Result<u32, Unusual> {
        u32::try_from(self.ops.len() - start - 1).map_err(|_| Unusual)
    }
}

/// A member of a `dict` by an exact-`str` key, borrowed; an error of the lookup gives up.
fn get<'a, 'py>(
    dict: Borrowed<'a, 'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> Result<Option<Borrowed<'a, 'py, PyAny>>, Unusual> {
    // SAFETY: `dict` is an exact dict; `PyDict_GetItemWithError` with an exact-str key calls no
    // Python code and returns a borrowed reference or NULL.
    let found = unsafe { ffi::PyDict_GetItemWithError(dict.as_ptr(), key.as_ptr()) };
    if found.is_null() {
        if unsafe { !ffi::PyErr_Occurred().is_null() } {
            // Left for the general path to raise.
            drop(PyErr::take(dict.py()));
            return Err(Unusual);
        }
        return Ok(None);
    }
    Ok(Some(unsafe { Borrowed::from_ptr(dict.py(), found) }))
}

fn string(text: &'static str) -> Result<Op, Unusual> {
    Ok(Op::Str {
        data: text.as_ptr(),
        len: u32::try_from(text.len()).map_err(|_| Unusual)?,
    })
}

/// A member of an object being written: its key and the index of its value.
#[derive(Clone, Copy)]
pub struct Member {
    key: &'static str,
    value: usize,
}

/// Writes the canonical example `{"input":…,"metadata":…,"output":…}` of a tape into `out`;
/// `members` is scratch space for sorting object members, empty between calls.
///
/// # Safety
/// Every `Str` of `ops` must point to UTF-8 that is still alive (see the module documentation).
pub unsafe fn write_example(ops: &[Op], out: &mut Vec<u8>, members: &mut Vec<Member>) {
    out.push(b'{');
    // SAFETY: the caller's promise.
    unsafe { write_parts(ops, out, members) };
    out.push(b'}');
}

/// Writes the members `"input":…,"metadata":…,"output":…` of a tape of three values (an
/// example's, or an upsert line's parts) into `out`; `members` as for [`write_example`].
///
/// # Safety
/// As for [`write_example`].
pub unsafe fn write_parts(ops: &[Op], out: &mut Vec<u8>, members: &mut Vec<Member>) {
    out.extend_from_slice(b"\"input\":");
    let next = write(ops, 0, out, members);
    out.extend_from_slice(b",\"metadata\":");
    let next = write(ops, next, out, members);
    out.extend_from_slice(b",\"output\":");
    write(ops, next, out, members);
}

/// The text of a `Str` op.
fn text(data: *const u8, len: u32) -> &'static str {
    // SAFETY: recorded from a live `str`'s UTF-8 (the caller of `write_example` vouches that it
    // still lives).
    unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(data, len as usize)) }
}

/// Writes the value at `ops[at]`; returns the index after it.
fn write(ops: &[Op], at: usize, out: &mut Vec<u8>, members: &mut Vec<Member>) -> usize {
    match ops[at] {
        Op::Str { data, len } => write_json_string(text(data, len), out),
        // Exactly a double (within ±2^53), whose canonical form is its digits: the core's
        // number writer has a path for integers far cheaper than `write!`'s formatting.
        Op::Int(value) => write_number(value as f64, out).expect("finite"),
        Op::Float(number) => write_number(number, out).expect("finite, checked when recorded"),
        Op::Bool(truth) => out.extend_from_slice(if truth { b"true" } else { b"false" }),
        Op::Null => out.extend_from_slice(b"null"),
        Op::Array { items, span } => {
            out.push(b'[');
            let mut next = at + 1;
            for index in 0..items {
                if index > 0 {
                    out.push(b',');
                }
                next = write(ops, next, out, members);
            }
            out.push(b']');
            return at + 1 + span as usize;
        }
        Op::Object { members: count, span } => {
            let start = members.len();
            let mut next = at + 1;
            for _ in 0..count {
                let Op::Str { data, len } = ops[next] else {
                    unreachable!("an object's member starts with its key");
                };
                members.push(Member {
                    key: text(data, len),
                    value: next + 1,
                });
                next = skip(ops, next + 1);
            }
            let sorted = &mut members[start..];
            // Member names order by their UTF-16 code units (RFC 8785 §3.2.3); ASCII names order
            // alike as bytes, which is cheaper to compare.
            if sorted.iter().all(|member| member.key.is_ascii()) {
                sorted.sort_unstable_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
            } else {
                sorted.sort_unstable_by(|a, b| compare_utf16(a.key, b.key));
            }
            out.push(b'{');
            for index in start..start + count as usize {
                if index > start {
                    out.push(b',');
                }
                let member = members[index];
                write_json_string(member.key, out);
                out.push(b':');
                write(ops, member.value, out, members);
            }
            members.truncate(start);
            out.push(b'}');
            return at + 1 + span as usize;
        }
    }
    at + 1
}

/// The index after the value at `ops[at]`.
fn skip(ops: &[Op], at: usize) -> usize {
    match ops[at] {
        Op::Object { span, .. } | Op::Array { span, .. } => at + 1 + span as usize,
        _ => at + 1,
    }
}

/// The UTF-8 that CPython keeps with a `str`; [`Unusual`] when it has none (a surrogate code
/// point), for the converter to report.
///
/// The `'static` lifetime stands for "while the walk runs": the text belongs to the `str`,
/// which outlives the walk, and the caller drops every such reference before the walk returns.
fn utf8(text: Borrowed<'_, '_, PyAny>) -> Result<&'static str, Unusual> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: `text` is a str; the UTF-8 returned is owned by it and valid while it lives.
    let data = unsafe { ffi::PyUnicode_AsUTF8AndSize(text.as_ptr(), &mut size) };
    if data.is_null() {
        // Cleared: the converter walks this example again and raises its own error.
        drop(PyErr::take(text.py()));
        return Err(Unusual);
    }
    // SAFETY: CPython returned `size` bytes of valid UTF-8 at `data`.
    Ok(unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast(), size as usize)) })
}
