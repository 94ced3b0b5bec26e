//! JS values to core [`Value`]s, by way of a tape.
//!
//! The TypeScript layer walks a JS value once (checking it is in the hash domain) and writes
//! it on a tape (`ts/value.ts`): a `Float64Array` of tags, numbers, lengths and member-name
//! ids, an array of the value's strings (copied here, as UTF-16, into one text: [`read_text`]),
//! and a table of the distinct member names. Decoding the tape builds the core's [`Value`]; a
//! string with a lone surrogate fails with [`canonhash::string_from_utf16`]'s error and the
//! JSON path.
//!
//! Tape layout, one entry per value (keep in step with `ts/value.ts`):
//! `0` null, `1` false, `2` true, `3 n` number `n`, `4 len` string of `len` UTF-16 units (the
//! next `len` units of the text), `5 count items…` array, `6 count (name value)…` object, each
//! member its name's index in the name table and its value, `7` absent (an example's missing
//! `output` or `metadata`). An example is a header `slots units` (how many slots and text
//! units the example takes after the header), then its input, metadata and output.

use std::borrow::Cow;
use std::ptr;
use std::sync::Mutex;

use canonhash::{HashError, Value};
use napi::bindgen_prelude::{Array, ClassInstance, FromNapiValue, Function, Utf16String};
use napi::{Env, JsValue, check_status, sys};
use napi_derive::napi;

use crate::direct::{NameTable, Scratch, Writer};
use crate::error::to_napi;

pub(crate) const NULL: f64 = 0.0;
pub(crate) const FALSE: f64 = 1.0;
pub(crate) const TRUE: f64 = 2.0;
pub(crate) const NUMBER: f64 = 3.0;
pub(crate) const STRING: f64 = 4.0;
pub(crate) const ARRAY: f64 = 5.0;
pub(crate) const OBJECT: f64 = 6.0;
pub(crate) const ABSENT: f64 = 7.0;

/// Why a tape could not be decoded.
#[derive(Debug)]
pub(crate) enum TapeError {
    /// The value is outside the hash domain (a lone surrogate), with its path.
    Hash(HashError),
    /// The tape does not follow the layout: a bug of the TypeScript layer.
    Malformed,
}

impl From<HashError> for TapeError {
    fn from(error: HashError) -> Self {
        TapeError::Hash(error)
    }
}

impl TapeError {
    fn within_key(self, key: &str) -> Self {
        match self {
            TapeError::Hash(error) => TapeError::Hash(error.within_key(key)),
            malformed => malformed,
        }
    }

    fn within_index(self, index: usize) -> Self {
        match self {
            TapeError::Hash(error) => TapeError::Hash(error.within_index(index)),
            malformed => malformed,
        }
    }

    pub(crate) fn into_napi(self) -> napi::Error {
        match self {
            TapeError::Hash(error) => crate::error::to_napi(&error),
            TapeError::Malformed => napi::Error::from_reason("groundset: malformed value tape (a bug of the binding)"),
        }
    }
}

/// Calls `visit` with each item of a JS array and its index, in handle scopes of 1,024 items,
/// so that a long array does not pile up handles for the length of the call.
pub(crate) fn each_item(
    env: &Env,
    array: &Array<'_>,
    mut visit: impl FnMut(u32, sys::napi_value) -> napi::Result<()>,
) -> napi::Result<()> {
    let env = env.raw();
    let count = array.len();
    let mut start = 0;
    while start < count {
        let end = count.min(start + 1024);
        let mut scope = ptr::null_mut();
        // SAFETY: `env` is the env of this call; the scope is closed below.
        check_status!(unsafe { sys::napi_open_handle_scope(env, &mut scope) })?;
        let visited = (start..end).try_for_each(|index| {
            let mut item = ptr::null_mut();
            // SAFETY: `array` is a live array of this env.
            check_status!(unsafe { sys::napi_get_element(env, array.raw(), index, &mut item) })?;
            visit(index, item)
        });
        // SAFETY: the scope opened above.
        let closed = check_status!(unsafe { sys::napi_close_handle_scope(env, scope) });
        visited?;
        closed?;
        start = end;
    }
    Ok(())
}

/// The strings of a JS array, one after the other, as UTF-16: `units` in all (as the tape
/// counted them). Copying each string straight from V8 costs less than joining them in JS.
pub(crate) fn read_text(env: &Env, strings: &Array<'_>, units: usize) -> napi::Result<Vec<u16>> {
    // Room for the terminating NUL that napi writes after each string.
    let mut text: Vec<u16> = Vec::with_capacity(units + 2);
    each_item(env, strings, |_, string| append_string(env, string, &mut text))?;
    if text.len() == units {
        Ok(text)
    } else {
        Err(TapeError::Malformed.into_napi())
    }
}

/// The strings of a batch's part, copied out of V8 a chunk at a time as the JS side cuts them
/// (`Tape.cut` in `ts/value.ts`, by [`push_strings`]), one after the other, for the part's
/// worker: a JS string of the part's text would live through scavenges (copied each time) or go
/// to the large-object space.
#[napi]
pub struct TextSink {
    text: Vec<u16>,
}

#[napi]
impl TextSink {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        TextSink { text: Vec::new() }
    }
}

impl TextSink {
    /// The text pushed so far, `units` long (as the tape counted them); the sink starts anew.
    pub(crate) fn take(&mut self, units: usize) -> napi::Result<Recycled<u16>> {
        // The next part's text is about as long.
        let room = self.text.capacity();
        let text = std::mem::replace(&mut self.text, Recycled::<u16>::with_capacity(room).into_vec());
        if text.len() == units {
            Ok(Recycled(Some(text)))
        } else {
            Err(TapeError::Malformed.into_napi())
        }
    }
}

/// A buffer that goes back to its pool when dropped (on the thread that used it), for the next
/// part to fill: a fresh buffer of a part's size (a few MB) is memory the allocator takes from
/// the system, and the kernel zeroes each page on its first write, which cost the JS thread
/// more than the copy into it.
pub(crate) struct Recycled<T: Pooled>(Option<Vec<T>>);

/// The buffers kept: enough for the parts in flight at once (the JS thread writes one while
/// the pool's threads hash the one before).
const POOLED: usize = 4;

/// A type whose buffers are recycled, and its pool.
pub(crate) trait Pooled: Sized + 'static {
    fn pool() -> &'static Mutex<Vec<Vec<Self>>>;
}

impl Pooled for u16 {
    fn pool() -> &'static Mutex<Vec<Vec<u16>>> {
        static POOL: Mutex<Vec<Vec<u16>>> = Mutex::new(Vec::new());
        &POOL
    }
}

impl Pooled for f64 {
    fn pool() -> &'static Mutex<Vec<Vec<f64>>> {
        static POOL: Mutex<Vec<Vec<f64>>> = Mutex::new(Vec::new());
        &POOL
    }
}

impl<T: Pooled> Recycled<T> {
    /// An empty buffer with room for at least `capacity` items: a kept one when there is one.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let kept = T::pool().lock().ok().and_then(|mut pool| pool.pop());
        let mut buffer = kept.unwrap_or_default();
        buffer.clear();
        // Exact: `reserve` grows a kept buffer of a little less than `capacity` to twice its
        // size, and a sink asks for the room its buffer had, so the room doubled part after
        // part as the pool handed back buffers of the generation before.
        buffer.reserve_exact(capacity);
        Recycled(Some(buffer))
    }

    /// The buffer itself, which then goes back to no pool unless wrapped again.
    fn into_vec(mut self) -> Vec<T> {
        self.0.take().unwrap_or_default()
    }

    /// A copy of `items` in a recycled buffer.
    pub(crate) fn copy_of(items: &[T]) -> Self
    where
        T: Copy,
    {
        let mut buffer = Self::with_capacity(items.len());
        if let Some(vec) = buffer.0.as_mut() {
            vec.extend_from_slice(items);
        }
        buffer
    }
}

impl<T: Pooled> std::ops::Deref for Recycled<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        self.0.as_deref().unwrap_or_default()
    }
}

impl<T: Pooled> Drop for Recycled<T> {
    fn drop(&mut self) {
        if let Some(buffer) = self.0.take()
            && let Ok(mut pool) = T::pool().lock()
            && pool.len() < POOLED
        {
            pool.push(buffer);
        }
    }
}

/// `pushStrings(sink, units, ...strings)`: appends `strings` (`units` UTF-16 units in all) to
/// the [`TextSink`] `sink`. A raw N-API function, so that JS hands a chunk's strings over in one
/// call (`Function.prototype.apply`) and each is copied straight from V8's copy of it: no rope
/// to build and flatten, no napi-rs conversion of an array.
unsafe extern "C" fn push_strings(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: called by N-API with this call's env and info.
    let pushed = unsafe { push_strings_inner(env, info) };
    if let Err(error) = pushed {
        let message = std::ffi::CString::new(error.reason.clone()).unwrap_or_default();
        // SAFETY: a live env; the message outlives the call.
        unsafe { sys::napi_throw_error(env, ptr::null(), message.as_ptr()) };
    }
    ptr::null_mut()
}

unsafe fn push_strings_inner(env: sys::napi_env, info: sys::napi_callback_info) -> napi::Result<()> {
    let mut count = 0;
    // SAFETY: asks only for the count of arguments.
    check_status!(unsafe {
        sys::napi_get_cb_info(env, info, &mut count, ptr::null_mut(), ptr::null_mut(), ptr::null_mut())
    })?;
    if count < 2 {
        return Err(TapeError::Malformed.into_napi());
    }
    let mut args = vec![ptr::null_mut(); count];
    // SAFETY: `args` has room for `count` values.
    check_status!(unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut count,
            args.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    })?;
    // SAFETY: the first argument is a TextSink instance (or unwrapping fails).
    let mut sink = unsafe { ClassInstance::<TextSink>::from_napi_value(env, args[0]) }?;
    let mut units = 0.0;
    // SAFETY: a live value of this env.
    check_status!(unsafe { sys::napi_get_value_double(env, args[1], &mut units) })?;
    let units = count_from_js(units)?;
    let text = &mut sink.text;
    text.reserve(units + 2);
    let before = text.len();
    let env = Env::from_raw(env);
    for &string in &args[2..] {
        append_string(&env, string, text)?;
    }
    if text.len() - before == units {
        Ok(())
    } else {
        Err(TapeError::Malformed.into_napi())
    }
}

/// The raw function `pushStrings` (see [`push_strings`]).
#[napi(ts_return_type = "(this: void, sink: TextSink, units: number, ...strings: string[]) => void")]
pub fn string_pusher(env: &Env) -> napi::Result<Function<'_, (), ()>> {
    env.create_function("pushStrings", push_strings)
}

/// Appends the JS string `string` to `text`, within its spare capacity (and a NUL).
fn append_string(env: &Env, string: sys::napi_value, text: &mut Vec<u16>) -> napi::Result<()> {
    // Node hands `spare - 1` to V8's `String::Write` as an `int`: past 2^31 units it wraps, and
    // V8 copies nothing (or a cut string). No JS string is that long (V8's limit is 2^29 units).
    let spare = (text.capacity() - text.len()).min(i32::MAX as usize);
    let mut written = 0;
    // SAFETY: napi writes at most `spare` units (the string, cut to `spare - 1`, and a NUL)
    // into the spare capacity, and reports how many units of the string it wrote.
    check_status!(unsafe {
        sys::napi_get_value_string_utf16(
            env.raw(),
            string,
            text.as_mut_ptr().add(text.len()),
            spare,
            &mut written,
        )
    })?;
    // A string that filled the room left was cut: the tape's count was wrong.
    if written + 1 >= spare {
        return Err(TapeError::Malformed.into_napi());
    }
    // SAFETY: napi initialised those `written` units.
    unsafe { text.set_len(text.len() + written) };
    Ok(())
}

/// A count from JS (a whole non-negative number).
pub(crate) fn count_from_js(count: f64) -> napi::Result<usize> {
    // As `Tape::next_count`: saturating, so only a whole number in range comes back equal.
    let whole = count as u64;
    if whole as f64 == count && count <= 2f64.powi(53) {
        Ok(whole as usize)
    } else {
        Err(TapeError::Malformed.into_napi())
    }
}

/// UTF-16 to a `String`, refusing lone surrogates with the core's error.
fn decode_utf16(units: &[u16]) -> Result<String, HashError> {
    let mut text = String::new();
    if append_utf16(units, &mut text) {
        Ok(text)
    } else {
        canonhash::string_from_utf16(units)
    }
}

/// Appends `units` to `text`; false (with U+FFFD in their place) when they have a lone
/// surrogate.
fn append_utf16(units: &[u16], text: &mut String) -> bool {
    let start = text.len();
    // SAFETY: zero bytes are valid UTF-8, so `text` stays a valid string.
    unsafe { text.as_mut_vec() }.resize(start + units.len() * 3, 0);
    let written = encoding_rs::mem::convert_utf16_to_str(units, &mut text[start..]);
    text.truncate(start + written);
    // The conversion writes U+FFFD for a lone surrogate: only where one appears does it take
    // a second look at the units.
    memchr::memmem::find(&text.as_bytes()[start..], "\u{FFFD}".as_bytes()).is_none()
        || encoding_rs::mem::utf16_valid_up_to(units) == units.len()
}

/// The member names of a tape, decoded once; a name with a lone surrogate keeps its error.
pub(crate) struct Names(Vec<Result<String, HashError>>);

impl Names {
    pub(crate) fn new<U: std::ops::Deref<Target = [u16]>>(names: &[U]) -> Self {
        Names(names.iter().map(|name| decode_utf16(name)).collect())
    }

    /// The names' ranks and canonical literals, for the fast path ([`example_hash_direct`]).
    pub(crate) fn table(&self) -> NameTable {
        NameTable::new(&self.0)
    }
}

/// The strings of one value or example, decoded into one buffer (reused from example to
/// example): `spans` has each string's byte range, in tape order, or `None` for a string
/// with a lone surrogate.
#[derive(Default)]
pub(crate) struct Strings {
    text: String,
    spans: Vec<Option<(usize, usize)>>,
}

/// A reading position in a tape, its text and its names.
#[derive(Clone, Copy)]
pub(crate) struct Tape<'t> {
    slots: &'t [f64],
    text: &'t [u16],
    names: &'t Names,
    slot: usize,
    unit: usize,
}

impl<'t> Tape<'t> {
    pub(crate) fn new(slots: &'t [f64], text: &'t [u16], names: &'t Names) -> Self {
        Tape {
            slots,
            text,
            names,
            slot: 0,
            unit: 0,
        }
    }

    pub(crate) fn at_end(&self) -> bool {
        self.slot == self.slots.len() && self.unit == self.text.len()
    }

    /// The next slot, not moving past it.
    pub(crate) fn peek(&self) -> Option<f64> {
        self.slots.get(self.slot).copied()
    }

    pub(crate) fn next_slot(&mut self) -> Result<f64, TapeError> {
        let slot = *self.slots.get(self.slot).ok_or(TapeError::Malformed)?;
        self.slot += 1;
        Ok(slot)
    }

    pub(crate) fn next_count(&mut self) -> Result<usize, TapeError> {
        let count = self.next_slot()?;
        // `as` saturates (NaN to 0), so only a whole number in range comes back equal: with no
        // call to `trunc`, which `fract` is, and which took ~3 % of the threads' time here.
        let whole = count as u32;
        if f64::from(whole) == count {
            Ok(whole as usize)
        } else {
            Err(TapeError::Malformed)
        }
    }

    pub(crate) fn next_units(&mut self) -> Result<&'t [u16], TapeError> {
        let length = self.next_count()?;
        let units = self
            .text
            .get(self.unit..self.unit + length)
            .ok_or(TapeError::Malformed)?;
        self.unit += length;
        Ok(units)
    }

    fn next_name(&mut self) -> Result<&'t Result<String, HashError>, TapeError> {
        let index = self.next_count()?;
        self.names.0.get(index).ok_or(TapeError::Malformed)
    }

    /// The next example (after its header) as a tape of its own; moves past it.
    pub(crate) fn next_example(&mut self) -> Result<Tape<'t>, TapeError> {
        let slots = self.next_count()?;
        let units = self.next_count()?;
        let example = Tape {
            slots: self
                .slots
                .get(self.slot..self.slot + slots)
                .ok_or(TapeError::Malformed)?,
            text: self
                .text
                .get(self.unit..self.unit + units)
                .ok_or(TapeError::Malformed)?,
            names: self.names,
            slot: 0,
            unit: 0,
        };
        self.slot += slots;
        self.unit += units;
        Ok(example)
    }

    /// Moves past the next value; with `strings`, decodes its strings into them.
    pub(crate) fn skip_value(&mut self, mut strings: Option<&mut Strings>) -> Result<(), TapeError> {
        match self.next_slot()? {
            NULL | FALSE | TRUE | ABSENT => {}
            NUMBER => {
                self.next_slot()?;
            }
            STRING => {
                let units = self.next_units()?;
                if let Some(strings) = strings {
                    let start = strings.text.len();
                    let valid = append_utf16(units, &mut strings.text);
                    strings.spans.push(valid.then_some((start, strings.text.len())));
                }
            }
            ARRAY => {
                for _ in 0..self.next_count()? {
                    self.skip_value(strings.as_deref_mut())?;
                }
            }
            OBJECT => {
                for _ in 0..self.next_count()? {
                    self.next_name()?;
                    self.skip_value(strings.as_deref_mut())?;
                }
            }
            _ => return Err(TapeError::Malformed),
        }
        Ok(())
    }

    /// Decodes the strings of the next `values` values into `strings` (cleared first) and
    /// returns a reader of those values that builds them.
    pub(crate) fn decode<'s>(&mut self, values: usize, strings: &'s mut Strings) -> Result<Builder<'t, 's>, TapeError> {
        strings.text.clear();
        strings.spans.clear();
        let start = *self;
        for _ in 0..values {
            self.skip_value(Some(strings))?;
        }
        Ok(Builder {
            tape: start,
            strings,
            next_string: 0,
        })
    }
}

/// Builds [`Value`]s from a tape whose strings were decoded ([`Tape::decode`]); they borrow
/// the decoded strings and the names.
pub(crate) struct Builder<'t, 's> {
    tape: Tape<'t>,
    strings: &'s Strings,
    next_string: usize,
}

impl<'t: 's, 's> Builder<'t, 's> {
    /// The next value; `None` for [`ABSENT`].
    fn optional_value(&mut self) -> Result<Option<Value<'s>>, TapeError> {
        if self.tape.peek() == Some(ABSENT) {
            self.tape.slot += 1;
            return Ok(None);
        }
        self.value().map(Some)
    }

    /// The next value.
    pub(crate) fn value(&mut self) -> Result<Value<'s>, TapeError> {
        let tape = &mut self.tape;
        Ok(match tape.next_slot()? {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            NUMBER => Value::Number(tape.next_slot()?),
            STRING => {
                let units = tape.next_units()?;
                let span = self.strings.spans.get(self.next_string).ok_or(TapeError::Malformed)?;
                self.next_string += 1;
                match span {
                    Some((start, end)) => Value::String(Cow::Borrowed(&self.strings.text[*start..*end])),
                    // The core's error for the lone surrogate.
                    None => return Err(decode_utf16(units).err().map_or(TapeError::Malformed, TapeError::Hash)),
                }
            }
            ARRAY => {
                let count = tape.next_count()?;
                let mut items = Vec::with_capacity(count.min(tape.slots.len() - tape.slot));
                for index in 0..count {
                    items.push(self.value().map_err(|e| e.within_index(index))?);
                }
                Value::Array(items)
            }
            OBJECT => {
                let count = tape.next_count()?;
                let mut members = Vec::with_capacity(count.min(tape.slots.len() - tape.slot));
                for _ in 0..count {
                    // A lone surrogate in a member name is reported at the object, as the core's
                    // text parser does.
                    let name = self
                        .tape
                        .next_name()?
                        .as_ref()
                        .map_err(|e| TapeError::Hash(e.clone()))?;
                    let value = self.value().map_err(|e| e.within_key(name))?;
                    members.push((Cow::Borrowed(name.as_str()), value));
                }
                Value::Object(members)
            }
            _ => return Err(TapeError::Malformed),
        })
    }
}

/// Decodes the one value written on a tape (its slots, strings and member names, as the JS side
/// passes them) and hands it to `use_value`, a core function.
pub(crate) fn with_single_value<T>(
    env: &Env,
    slots: &[f64],
    strings: &Array<'_>,
    units: f64,
    names: &[Utf16String],
    use_value: impl FnOnce(&Value<'_>) -> Result<T, HashError>,
) -> napi::Result<T> {
    let text = read_text(env, strings, count_from_js(units)?)?;
    let names = Names::new(names);
    let mut decoded = Strings::default();
    let value = single_value(&mut Tape::new(slots, &text, &names), &mut decoded).map_err(TapeError::into_napi)?;
    use_value(&value).map_err(|e| to_napi(&e))
}

/// The single value that makes up the whole tape.
pub(crate) fn single_value<'t: 's, 's>(tape: &mut Tape<'t>, strings: &'s mut Strings) -> Result<Value<'s>, TapeError> {
    let mut builder = tape.decode(1, strings)?;
    if !tape.at_end() {
        return Err(TapeError::Malformed);
    }
    builder.value()
}

/// The content hash of the next example of the tape (`canonhash::example_hash`): input,
/// metadata and output, in the order of the canonical example, in which the core checks them;
/// the last two maybe absent. Errors in a part have the part's name in front of their path, as
/// the core's example errors do.
pub(crate) fn example_hash(tape: &mut Tape<'_>, strings: &mut Strings) -> Result<String, TapeError> {
    let mut example = tape.next_example()?;
    let mut builder = example.decode(3, strings)?;
    if !example.at_end() {
        return Err(TapeError::Malformed);
    }
    let input = builder.value().map_err(|e| e.within_key("input"))?;
    let metadata = builder.optional_value().map_err(|e| e.within_key("metadata"))?;
    let output = builder.optional_value().map_err(|e| e.within_key("output"))?;
    Ok(canonhash::example_hash(&input, output.as_ref(), metadata.as_ref())?)
}

/// [`example_hash`] by the fast path where it applies (see `direct.rs`): the same hash, and for
/// an example it does not write, the general path's hash or error. `table` is the table of the
/// tape's names.
pub(crate) fn example_hash_direct<'t>(
    tape: &mut Tape<'t>,
    table: &'t NameTable,
    scratch: &mut Scratch<'t>,
    strings: &mut Strings,
) -> Result<String, TapeError> {
    let start = *tape;
    let example = tape.next_example()?;
    if Writer::new(example, table).example(scratch).is_ok() {
        return Ok(canonhash::sha256_hex(&scratch.out));
    }
    *tape = start;
    example_hash(tape, strings)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Batches of parts (a sink each, as a `BatchWriter` has), their strings pushed in chunks as
    /// `Tape.cut` pushes them, each part's text taken while the part before is still hashed (its
    /// buffer back in the pool a part late): the sink's buffer stays about the size of a part's
    /// text. A pooled buffer between half the room asked for and the room used to grow to twice
    /// its size, so that the room asked for next was about twice as much: it doubled part after
    /// part, and past 2^31 units napi copied nothing into it ("malformed value tape").
    #[test]
    fn a_sink_stays_about_the_size_of_its_parts() {
        let mut largest = 0;
        for batch in 0..20 {
            let mut sink = TextSink::new();
            let mut hashed = None;
            for part in 0..10 {
                // The last part of a batch is short.
                let units = if part == 9 {
                    20_000
                } else {
                    1_050_000 + (batch * 10 + part) * 7_919 % 20_000
                };
                largest = usize::max(largest, units);
                let mut left = units;
                while left > 0 {
                    let chunk = left.min(16_400 + (batch * 10 + part) * 31 % 300);
                    sink.text.reserve(chunk + 2);
                    sink.text.extend(std::iter::repeat_n(u16::from(b'a'), chunk));
                    left -= chunk;
                }
                let text = sink.take(units).expect("the units pushed");
                assert_eq!(text.len(), units);
                // The part before is hashed by now: its buffer goes back to the pool.
                drop(hashed.replace(text));
                let room = sink.text.capacity();
                assert!(
                    room <= 4 * largest,
                    "batch {batch}, part {part}: room for {room} units, for texts of {largest}"
                );
            }
        }
    }
}
