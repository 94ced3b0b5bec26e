//! Python objects as `canonhash::Value`, walked directly (no JSON text in between).
//!
//! The mapping: `dict` (and subclasses) with `str` keys is an object; `list` and `tuple` (and
//! subclasses) are arrays; `str` (and subclasses) is a string; `bool` is checked before `int`;
//! `int` must be exactly a double; `float` (and subclasses such as `numpy.float64`) must be
//! finite; `None` is null. Anything else is `unsupported_type`, naming the Python type.
//!
//! The walk reads containers through borrowed references and copies each string's UTF-8 (which
//! CPython caches inside the `str`) into the converter's arena. So the values own nothing of
//! Python's: they can be hashed on other threads without the GIL, and later changes to the
//! Python objects cannot affect them.
//!
//! Borrowed references are sound here because no Python code runs during a walk: it reads
//! dicts with `PyDict_Next`, lists and tuples by index, and numbers and strings with C
//! functions that call no Python method (an `int` subclass is first copied to an exact `int`,
//! and the `__str__` of a subclass is never used). Only an error path runs Python code (a
//! key's `repr`, a type's name), and the walk returns right after it.

use std::borrow::Cow;

use bumpalo::Bump;
use canonhash::{ErrorCode, HashError, Value, check_depth};
use pyo3::exceptions::{PyOverflowError, PyUnicodeEncodeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::error::Failure;

/// Turns Python objects into values whose strings live in its arena.
///
/// Every `Value<'s>` it returns borrows from `&'s self`, so the converter outlives them.
pub struct Converter {
    strings: Bump,
}

impl Converter {
    pub fn new() -> Self {
        Converter { strings: Bump::new() }
    }

    /// Frees the strings of every value converted so far, keeping the memory for new ones.
    pub fn reset(&mut self) {
        self.strings.reset();
    }

    /// The value of `object`, which sits inside `depth` containers.
    ///
    /// A container at depth [`canonhash::MAX_DEPTH`] is refused before its contents are visited, so the
    /// recursion is bounded whatever the input (a self-referencing list included).
    pub fn convert<'s>(&'s self, object: &Bound<'_, PyAny>, depth: usize) -> Result<Value<'s>, Failure> {
        self.walk(object.as_borrowed(), depth)
    }

    fn walk<'s>(&'s self, object: Borrowed<'_, '_, PyAny>, depth: usize) -> Result<Value<'s>, Failure> {
        // Exact types first (one pointer comparison each), then subclasses.
        if object.is_exact_instance_of::<PyString>() {
            return Ok(Value::String(Cow::Borrowed(self.string(object)?)));
        }
        if object.is_exact_instance_of::<PyDict>() {
            return self.dict(object, depth);
        }
        if object.is_exact_instance_of::<PyList>() {
            return self.sequence(object, depth, ffi::PyList_Size, ffi::PyList_GetItem);
        }
        if object.is_exact_instance_of::<PyInt>() {
            return integer(&object);
        }
        if object.is_exact_instance_of::<PyFloat>() {
            return float(object);
        }
        if object.is_exact_instance_of::<PyBool>() {
            // SAFETY: `Py_True` is the address of the interpreter's `True`.
            return Ok(Value::Bool(object.as_ptr() == unsafe { ffi::Py_True() }));
        }
        if object.is_none() {
            return Ok(Value::Null);
        }
        if object.is_exact_instance_of::<PyTuple>() {
            return self.sequence(object, depth, ffi::PyTuple_Size, ffi::PyTuple_GetItem);
        }
        if object.is_instance_of::<PyString>() {
            return Ok(Value::String(Cow::Borrowed(self.string(object)?)));
        }
        if object.is_instance_of::<PyDict>() {
            return self.dict(object, depth);
        }
        if object.is_instance_of::<PyList>() {
            return self.sequence(object, depth, ffi::PyList_Size, ffi::PyList_GetItem);
        }
        if object.is_instance_of::<PyTuple>() {
            return self.sequence(object, depth, ffi::PyTuple_Size, ffi::PyTuple_GetItem);
        }
        // bool cannot be subclassed, so this is an int subclass such as an IntEnum member.
        if object.is_instance_of::<PyInt>() {
            return integer(&object);
        }
        if object.is_instance_of::<PyFloat>() {
            return float(object);
        }
        Err(unsupported_type(&object).into())
    }

    fn dict<'s>(&'s self, dict: Borrowed<'_, '_, PyAny>, depth: usize) -> Result<Value<'s>, Failure> {
        check_depth(depth)?;
        let py = dict.py();
        // SAFETY (all blocks below): `dict` is a dict or subclass instance; `PyDict_Next` hands
        // out borrowed references that stay valid while the dict is unchanged, which it is as
        // no Python code runs during the walk (see the module documentation).
        let mut members = Vec::with_capacity(unsafe { ffi::PyDict_Size(dict.as_ptr()) }.max(0) as usize);
        let mut position = 0;
        let mut window = [(std::ptr::null_mut(), std::ptr::null_mut()); WINDOW];
        loop {
            let filled = unsafe { next_members(dict, &mut position, &mut window) };
            for &(key, value) in &window[..filled] {
                let key = unsafe { Borrowed::from_ptr(py, key) };
                if !key.is_instance_of::<PyString>() {
                    return Err(non_string_key(&key).into());
                }
                let key = self.string(key)?;
                let value = self
                    .walk(unsafe { Borrowed::from_ptr(py, value) }, depth + 1)
                    .map_err(|e| e.within_key(key))?;
                members.push((Cow::Borrowed(key), value));
            }
            if filled < WINDOW {
                return Ok(Value::Object(members));
            }
        }
    }

    /// A list or tuple, read with its type's `Size` and (borrowing) `GetItem` functions.
    fn sequence<'s>(
        &'s self,
        sequence: Borrowed<'_, '_, PyAny>,
        depth: usize,
        size: unsafe extern "C" fn(*mut ffi::PyObject) -> ffi::Py_ssize_t,
        get_item: unsafe extern "C" fn(*mut ffi::PyObject, ffi::Py_ssize_t) -> *mut ffi::PyObject,
    ) -> Result<Value<'s>, Failure> {
        check_depth(depth)?;
        let py = sequence.py();
        // SAFETY: `size` and `get_item` belong to the sequence's type; indexes are in range, and
        // the items, borrowed, stay valid as no Python code runs during the walk.
        let length = unsafe { size(sequence.as_ptr()) }.max(0);
        let mut items = Vec::with_capacity(length as usize);
        let mut window = [std::ptr::null_mut(); WINDOW];
        for start in (0..length).step_by(WINDOW) {
            let end = length.min(start + WINDOW as ffi::Py_ssize_t);
            for (slot, index) in window.iter_mut().zip(start..end) {
                *slot = unsafe { get_item(sequence.as_ptr(), index) };
                prefetch(*slot);
            }
            for (&item, index) in window.iter().zip(start..end) {
                let item = unsafe { Borrowed::from_ptr(py, item) };
                items.push(self.walk(item, depth + 1).map_err(|e| e.within_index(index as usize))?);
            }
        }
        Ok(Value::Array(items))
    }

    /// A copy of the UTF-8 of a `str` (or subclass) in the arena.
    fn string<'s>(&'s self, text: Borrowed<'_, '_, PyAny>) -> Result<&'s str, Failure> {
        let mut size: ffi::Py_ssize_t = 0;
        // SAFETY: `text` is a str; the UTF-8 buffer returned is owned by it and valid here.
        let data = unsafe { ffi::PyUnicode_AsUTF8AndSize(text.as_ptr(), &mut size) };
        if data.is_null() {
            return Err(invalid_string(&text, PyErr::fetch(text.py())));
        }
        // SAFETY: CPython returned `size` bytes of valid UTF-8 at `data`.
        let utf8 = unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast(), size as usize)) };
        Ok(self.strings.alloc_str(utf8))
    }

    /// The JSON kind of `object` without its contents (`[]` for any list): enough for the core
    /// to say that an example's `input`, `output` or `metadata` is not an object.
    pub fn kind_only(&self, object: &Bound<'_, PyAny>) -> Result<Value<'static>, Failure> {
        Ok(if object.is_none() {
            Value::Null
        } else if object.is_instance_of::<PyString>() {
            Value::String(Cow::Borrowed(""))
        } else if object.is_instance_of::<PyDict>() {
            Value::Object(Vec::new())
        } else if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
            Value::Array(Vec::new())
        } else if object.is_instance_of::<PyBool>() {
            Value::Bool(false)
        } else if object.is_instance_of::<PyInt>() || object.is_instance_of::<PyFloat>() {
            Value::Number(0.0)
        } else {
            return Err(unsupported_type(object).into());
        })
    }
}

impl Default for Converter {
    fn default() -> Self {
        Self::new()
    }
}

/// Members or items read ahead of converting them (see [`prefetch`]).
pub const WINDOW: usize = 16;

/// The next members of `dict` from `position` into `window` (how many: fewer than
/// [`WINDOW`] at the end), each key and value asked for ahead of reading them, so that their
/// loads from memory overlap instead of following each other.
///
/// # Safety
/// `dict` is a dict or subclass instance that no code changes while its members, borrowed
/// references, are used.
pub unsafe fn next_members(
    dict: Borrowed<'_, '_, PyAny>,
    position: &mut ffi::Py_ssize_t,
    window: &mut [(*mut ffi::PyObject, *mut ffi::PyObject); WINDOW],
) -> usize {
    let mut filled = 0;
    while filled < WINDOW {
        let (key, value) = &mut window[filled];
        // SAFETY: as the caller vouches.
        if unsafe { ffi::PyDict_Next(dict.as_ptr(), position, key, value) } == 0 {
            break;
        }
        prefetch(*key);
        prefetch(*value);
        filled += 1;
    }
    filled
}

/// Asks the processor to load the start of an object into cache: a walk over objects spread
/// across memory otherwise waits for each load in turn.
#[inline(always)]
pub fn prefetch(object: *mut ffi::PyObject) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults, whatever the address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(object.cast());
        // Most of a short str's characters follow its header.
        _mm_prefetch::<_MM_HINT_T0>(object.cast::<i8>().wrapping_add(64));
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = object;
}

/// A `float` or subclass, refused unless finite.
fn float<'s>(object: Borrowed<'_, '_, PyAny>) -> Result<Value<'s>, Failure> {
    // SAFETY: `object` is a float or subclass instance, whose value this reads without calling
    // any method of the subclass.
    let number = unsafe { ffi::PyFloat_AsDouble(object.as_ptr()) };
    if !number.is_finite() {
        // The core's own error for NaN and ±Infinity.
        return Err(canonhash::format_number(number).unwrap_err().into());
    }
    Ok(Value::Number(number))
}

/// An `int` (not `bool`), refused unless a double represents it exactly.
fn integer<'s>(object: &Bound<'_, PyAny>) -> Result<Value<'s>, Failure> {
    let py = object.py();
    // A subclass is first copied to an exact int, so that none of its Python methods runs
    // (`PyNumber_Index` returns an exact int for any int subclass).
    let copy;
    let int = if object.is_exact_instance_of::<PyInt>() {
        object
    } else {
        // SAFETY: FFI call on a valid object; the result is a new reference or NULL with an
        // exception set, which `from_owned_ptr_or_err` turns into `Err`.
        copy = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyNumber_Index(object.as_ptr()))? };
        &copy
    };
    match int.extract::<i64>() {
        Ok(small) => return Ok(Value::from_i64(small)?),
        Err(error) if !error.is_instance_of::<PyOverflowError>(py) => return Err(error.into()),
        Err(_) => {}
    }
    match int.extract::<i128>() {
        Ok(wide) => return Ok(Value::from_i128(wide)?),
        Err(error) if !error.is_instance_of::<PyOverflowError>(py) => return Err(error.into()),
        Err(_) => {}
    }
    // Beyond i128. Doubles hold integers up to 2^1024, so anything longer is refused without
    // writing it out in decimal (which Python limits to 4300 digits).
    let bits: u64 = int.call_method0("bit_length")?.extract()?;
    if bits > 1024 {
        return Err(HashError::new(
            ErrorCode::IntegerNotExact,
            format!(
                "an integer of {bits} bits has no exact IEEE-754 double representation (the largest double is \
                 below 2^1024); send integers beyond 2^53 as strings"
            ),
        )
        .into());
    }
    let decimal = int.str()?;
    Ok(Value::Number(canonhash::exact_f64_from_decimal(decimal.to_str()?)?))
}

/// A `str` that has no UTF-8 form because it holds a surrogate code point. Python strings are
/// code points, not UTF-16, so even two surrogates in a row (`"\ud83d\ude00"`) are two lone
/// halves rather than a pair: refused like the lone surrogate of JSON text.
fn invalid_string(text: &Bound<'_, PyAny>, error: PyErr) -> Failure {
    let py = text.py();
    if !error.is_instance_of::<PyUnicodeEncodeError>(py) {
        return error.into();
    }
    let located = error
        .value(py)
        .getattr("start")
        .and_then(|start| start.extract::<usize>())
        .and_then(|start| {
            let unit: u32 = py
                .import("builtins")?
                .getattr("ord")?
                .call1((text.get_item(start)?,))?
                .extract()?;
            Ok((start, unit))
        });
    let Ok((start, unit)) = located else {
        return error.into();
    };
    HashError::new(
        ErrorCode::LoneSurrogate,
        format!("lone surrogate U+{unit:04X} at index {start} of a str; a JSON string must be valid Unicode"),
    )
    .into()
}

/// The name of an object's type for messages: `set`, `decimal.Decimal`, `numpy.int64`.
pub fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .fully_qualified_name()
        .map_or_else(|_| "<unknown type>".to_owned(), |name| name.to_string())
}

pub fn unsupported_type(object: &Bound<'_, PyAny>) -> HashError {
    HashError::new(
        ErrorCode::UnsupportedType,
        format!(
            "a value of Python type {} is not JSON; use dict, list, tuple, str, int, float, bool or None",
            type_name(object)
        ),
    )
}

fn non_string_key(key: &Bound<'_, PyAny>) -> HashError {
    const MAX_REPR: usize = 60;
    let mut shown = key
        .repr()
        .map_or_else(|_| "<unprintable>".to_owned(), |repr| repr.to_string());
    if shown.chars().count() > MAX_REPR {
        shown = shown.chars().take(MAX_REPR).chain("…".chars()).collect();
    }
    HashError::new(
        ErrorCode::NonStringKey,
        format!(
            "dict key {shown} of Python type {} is not a str; JSON member names are strings",
            type_name(key)
        ),
    )
}
