//! The fast path of `hash_examples`: an example's canonical JSON written straight from its
//! Python objects into the batch's bytes, with no `canonhash::Value` (and no copy of its
//! strings into an arena) in between.
//!
//! It takes only what it can write with certainty: exact `dict` (exact `str` keys), `list`,
//! `tuple`, `str`, `int` within ±2^53, finite `float`, `bool` and `None`, below the depth limit.
//! On anything else it gives up ([`Unusual`]) and the caller converts the example through
//! [`crate::value::Converter`], which accepts subclasses and large integers and reports every
//! error with its path: so the two paths agree by construction on which bytes are hashed, and
//! errors stay the converter's. The golden vectors and `just parity` check the bytes.
//!
//! As in `value`, containers are read through borrowed references, sound because no Python
//! code runs during the walk (only C functions that call no Python method).

use canonhash::{MAX_DEPTH, compare_utf16, write_json_string, write_number};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// The example holds something the fast path does not write; convert it the general way.
pub struct Unusual;

/// Integers up to this magnitude are exactly doubles, and ECMAScript writes such doubles as
/// their plain decimal digits: the canonical form of an `int` in that range is its `str`.
const EXACT_INT: u64 = 1 << 53;

/// Items of a list asked for ahead of writing them (see [`crate::value::prefetch`]).
const PREFETCH: isize = 8;

/// Writes canonical JSON into `out`; `members` is scratch space for sorting object members,
/// kept across examples so that its memory is reused.
pub struct Writer<'b> {
    pub out: &'b mut Vec<u8>,
    pub members: &'b mut Vec<(&'static str, *mut ffi::PyObject)>,
}

impl Writer<'_> {
    /// The canonical example object `{"input": …, "metadata": …, "output": …}` of a `dict`
    /// item, where a missing or `None` output or metadata is `{}` (as `Example::hash`).
    pub fn example(&mut self, item: &Bound<'_, PyAny>) -> Result<(), Unusual> {
        let py = item.py();
        if !item.is_exact_instance_of::<PyDict>() {
            return Err(Unusual);
        }
        // SAFETY: `item` is an exact dict; `PyDict_GetItemWithError` with an exact-str key
        // (interned) calls no Python code and returns a borrowed reference or NULL.
        let part = |name: &Bound<'_, PyString>| {
            let found = unsafe { ffi::PyDict_GetItemWithError(item.as_ptr(), name.as_ptr()) };
            if found.is_null() {
                if unsafe { !ffi::PyErr_Occurred().is_null() } {
                    // Leave the error for the general path to raise.
                    return Err(Unusual);
                }
                return Ok(None);
            }
            Ok(Some(unsafe { Borrowed::from_ptr(py, found) }))
        };
        let input = part(pyo3::intern!(py, "input"))?.ok_or(Unusual)?;
        let metadata = part(pyo3::intern!(py, "metadata"))?;
        let output = part(pyo3::intern!(py, "output"))?;
        self.out.extend_from_slice(b"{\"input\":");
        self.part(input)?;
        self.out.extend_from_slice(b",\"metadata\":");
        self.optional_part(metadata)?;
        self.out.extend_from_slice(b",\"output\":");
        self.optional_part(output)?;
        self.out.push(b'}');
        Ok(())
    }

    /// A part must be an object (the core refuses anything else, with its own message).
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
                self.out.extend_from_slice(b"{}");
                Ok(())
            }
        }
    }

    /// `object`, which sits inside `depth` containers.
    fn value(&mut self, object: Borrowed<'_, '_, PyAny>, depth: usize) -> Result<(), Unusual> {
        if object.is_exact_instance_of::<PyString>() {
            write_json_string(utf8(object)?, self.out);
        } else if object.is_exact_instance_of::<PyDict>() {
            self.object(object, depth)?;
        } else if object.is_exact_instance_of::<PyList>() {
            self.array(object, depth, ffi::PyList_Size, ffi::PyList_GetItem)?;
        } else if object.is_exact_instance_of::<PyInt>() {
            self.integer(object)?;
        } else if object.is_exact_instance_of::<PyFloat>() {
            // SAFETY: an exact float, read without calling any method.
            let number = unsafe { ffi::PyFloat_AsDouble(object.as_ptr()) };
            write_number(number, self.out).map_err(|_| Unusual)?;
        } else if object.is_exact_instance_of::<PyBool>() {
            // SAFETY: `Py_True` is the address of the interpreter's `True`.
            let truth = object.as_ptr() == unsafe { ffi::Py_True() };
            self.out.extend_from_slice(if truth { b"true" } else { b"false" });
        } else if object.is_none() {
            self.out.extend_from_slice(b"null");
        } else if object.is_exact_instance_of::<PyTuple>() {
            self.array(object, depth, ffi::PyTuple_Size, ffi::PyTuple_GetItem)?;
        } else {
            return Err(Unusual);
        }
        Ok(())
    }

    fn object(&mut self, dict: Borrowed<'_, '_, PyAny>, depth: usize) -> Result<(), Unusual> {
        if depth >= MAX_DEPTH {
            return Err(Unusual);
        }
        let py = dict.py();
        let start = self.members.len();
        let (mut position, mut key, mut value) = (0, std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: `dict` is an exact dict, unchanged during the walk (see the module
        // documentation); `PyDict_Next` hands out borrowed references.
        while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut position, &mut key, &mut value) } != 0 {
            let name = unsafe { Borrowed::from_ptr(py, key) };
            if !name.is_exact_instance_of::<PyString>() {
                self.members.truncate(start);
                return Err(Unusual);
            }
            // The values are visited after the sort: ask for them now, so that their loads
            // from memory overlap instead of following each other.
            crate::value::prefetch(value);
            match utf8(name) {
                Ok(name) => self.members.push((name, value)),
                Err(unusual) => {
                    self.members.truncate(start);
                    return Err(unusual);
                }
            }
        }
        let members = &mut self.members[start..];
        // Member names order by their UTF-16 code units (RFC 8785 §3.2.3); ASCII names order
        // alike as bytes, which is cheaper to compare.
        if members.iter().all(|(name, _)| name.is_ascii()) {
            members.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        } else {
            members.sort_unstable_by(|a, b| compare_utf16(a.0, b.0));
        }
        self.out.push(b'{');
        let mut written = Ok(());
        for index in start..self.members.len() {
            if index > start {
                self.out.push(b',');
            }
            let (name, value) = self.members[index];
            write_json_string(name, self.out);
            self.out.push(b':');
            // SAFETY: a value of the unchanged dict, borrowed.
            written = self.value(unsafe { Borrowed::from_ptr(py, value) }, depth + 1);
            if written.is_err() {
                break;
            }
        }
        self.members.truncate(start);
        self.out.push(b'}');
        written
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
        self.out.push(b'[');
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
            if index > 0 {
                self.out.push(b',');
            }
            self.value(
                unsafe { Borrowed::from_ptr(py, get_item(sequence.as_ptr(), index)) },
                depth + 1,
            )?;
        }
        self.out.push(b']');
        Ok(())
    }

    fn integer(&mut self, int: Borrowed<'_, '_, PyAny>) -> Result<(), Unusual> {
        let mut overflow = 0;
        // SAFETY: an exact int; this sets no error on overflow (it reports it in `overflow`).
        let value = unsafe { ffi::PyLong_AsLongLongAndOverflow(int.as_ptr(), &mut overflow) };
        if overflow != 0 || value.unsigned_abs() > EXACT_INT {
            return Err(Unusual);
        }
        use std::io::Write as _;
        write!(self.out, "{value}").expect("writing to a Vec cannot fail");
        Ok(())
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
