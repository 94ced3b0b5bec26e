//! The one source-id rule for JS values (`groundset_records::source_id_from_value` and friends), and
//! the limits the core defines, exported so that the TypeScript layer never retypes them.

use canonhash::Value;
use groundset_records::{Error, RecordCode};
use napi::bindgen_prelude::{Array, BigInt, Uint32Array, Unknown, Utf16String};
use napi::{Env, JsValue, ValueType, check_status, sys};
use napi_derive::napi;

use crate::error::to_napi;
use crate::read::NativeIssue;
use crate::value::each_item;

/// The longest source id, in Unicode scalar values (`groundset_records::MAX_SOURCE_ID_CHARS`).
#[napi]
pub const MAX_SOURCE_ID_CHARS: u32 = groundset_records::MAX_SOURCE_ID_CHARS as u32;

/// The largest integer magnitude of a numeric source id, 2^53 - 1 (`groundset_records::MAX_SAFE_INTEGER`).
#[napi]
pub const MAX_SAFE_INTEGER: i64 = groundset_records::MAX_SAFE_INTEGER;

/// The longest dataset, experiment or evaluator name or tag (`groundset_records::MAX_NAME_CHARS`).
#[napi]
pub const MAX_NAME_CHARS: u32 = groundset_records::MAX_NAME_CHARS as u32;

/// The deepest nesting of arrays and objects (`canonhash::MAX_DEPTH`).
#[napi]
pub const MAX_DEPTH: u32 = canonhash::MAX_DEPTH as u32;

/// How many bad records a reader reports one by one (`groundset_records::MAX_REPORTED_ERRORS`).
#[napi]
pub const MAX_REPORTED_ERRORS: u32 = groundset_records::MAX_REPORTED_ERRORS as u32;

fn invalid(message: String) -> Error {
    Error::new(RecordCode::InvalidSourceId.into(), message)
}

/// The source id a JS value stands for, by the core's rule: a string as it is (checked), a
/// number or a bigint that is an integer of magnitude at most 2^53 - 1 as its digits; a
/// boolean, `null`, an object or anything else is refused. Errors are `invalid_source_id` at `$`.
#[napi(ts_args_type = "value: unknown")]
pub fn source_id_of(value: Unknown<'_>) -> napi::Result<String> {
    rule(value).map_err(|error| match error {
        Refusal::Hash(error) => to_napi(&error),
        Refusal::Napi(error) => error,
    })
}

enum Refusal {
    Hash(Error),
    Napi(napi::Error),
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Self {
        Refusal::Hash(error)
    }
}

impl From<napi::Error> for Refusal {
    fn from(error: napi::Error) -> Self {
        Refusal::Napi(error)
    }
}

fn rule(value: Unknown<'_>) -> Result<String, Refusal> {
    // SAFETY (each `cast`): the value's type was checked just before.
    match value.get_type()? {
        ValueType::String => {
            let units: Utf16String = unsafe { value.cast() }?;
            // A JS string may hold a lone surrogate, which no Rust string can: refused here
            // with the core's description of it.
            let id = canonhash::string_from_utf16(&units)
                .map_err(|e| invalid(format!("a source id must be well-formed Unicode: {}", e.message())))?;
            groundset_records::check_source_id(&id)?;
            Ok(id)
        }
        ValueType::Number => Ok(groundset_records::source_id_from_f64(unsafe { value.cast::<f64>() }?)?),
        ValueType::BigInt => {
            let bigint: BigInt = unsafe { value.cast() }?;
            let (number, lossless) = bigint.get_i128();
            if lossless {
                return Ok(groundset_records::source_id_from_i128(number)?);
            }
            // Beyond i128, so beyond the range: the core's refusal, spelling the real value.
            let clamped = if bigint.sign_bit { i128::MIN } else { i128::MAX };
            let refusal = groundset_records::source_id_from_i128(clamped).expect_err("i128 bounds are beyond 2^53");
            let digits = value.coerce_to_string()?.into_utf8()?.into_owned()?;
            Err(invalid(refusal.message().replace(&clamped.to_string(), &digits)).into())
        }
        // The JSON types the rule refuses, with the core's message naming the type found.
        ValueType::Boolean => Ok(groundset_records::source_id_from_value(&Value::Bool(unsafe {
            value.cast::<bool>()
        }?))?),
        ValueType::Null => Ok(groundset_records::source_id_from_value(&Value::Null)?),
        ValueType::Object => {
            let empty = if value.is_array()? {
                Value::Array(Vec::new())
            } else {
                Value::Object(Vec::new())
            };
            Ok(groundset_records::source_id_from_value(&empty)?)
        }
        other => Err(invalid(format!(
            "a source id must be a string or an integer, found {}",
            js_type_name(other)
        ))
        .into()),
    }
}

fn js_type_name(value_type: ValueType) -> &'static str {
    match value_type {
        ValueType::Undefined => "undefined",
        ValueType::Function => "a function",
        ValueType::Symbol => "a symbol",
        _ => "a value that is not JSON",
    }
}

/// The source ids of many JS values by the rule of [`source_id_of`], in one call: what the
/// batch needs back, packed.
#[napi(object)]
pub struct SourceIdBatch {
    /// The values refused: `row` is the index in the batch, `path` `$`.
    pub failures: Vec<NativeIssue>,
    /// The indices of the numbers and bigints accepted (a string is its own id).
    pub spelled_rows: Uint32Array,
    /// Their ids (ASCII digits), one after the other.
    pub spelled: String,
    /// The length of each id in `spelled`.
    pub spelled_lengths: Uint32Array,
}

/// [`source_id_of`] on each item of `values`: one call for a whole batch of records, since a
/// call per record would cost more than the rule.
#[napi]
pub fn source_ids_of(env: Env, values: Array) -> napi::Result<SourceIdBatch> {
    let raw_env = env.raw();
    let mut failures = Vec::new();
    let mut spelled_rows = Vec::new();
    let mut spelled = String::new();
    let mut spelled_lengths = Vec::new();
    let mut scratch = Scratch::default();
    each_item(&env, &values, |index, item| {
        if scratch.accepts(raw_env, item)? {
            return Ok(());
        }
        // SAFETY: `item` is a live value of this env.
        let value = unsafe { Unknown::from_raw_unchecked(raw_env, item) };
        let is_string = value.get_type()? == ValueType::String;
        match rule(value) {
            Ok(_) if is_string => {}
            Ok(id) => {
                spelled_rows.push(index);
                spelled_lengths.push(id.len() as u32);
                spelled.push_str(&id);
            }
            Err(Refusal::Hash(error)) => failures.push(NativeIssue::new(None, index as usize, None, &error)),
            Err(Refusal::Napi(error)) => return Err(error),
        }
        Ok(())
    })?;
    Ok(SourceIdBatch {
        failures,
        spelled_rows: Uint32Array::new(spelled_rows),
        spelled,
        spelled_lengths: Uint32Array::new(spelled_lengths),
    })
}

/// Buffers reused from id to id by [`source_ids_of`]: a batch of string ids (the usual case)
/// is checked with one copy out of V8 per id and no allocation, where [`rule`] makes two
/// napi calls and two allocations per id (a tenth of a million-example re-sync's serial start).
#[derive(Default)]
struct Scratch {
    units: Vec<u16>,
    text: String,
}

impl Scratch {
    /// Whether `item` is a string that the rule takes as it is; `false` for anything else
    /// (another type, or a string the rule refuses), which [`rule`] then looks at.
    fn accepts(&mut self, env: sys::napi_env, item: sys::napi_value) -> napi::Result<bool> {
        let mut kind = sys::ValueType::napi_undefined;
        // SAFETY: `item` is a live value of `env`.
        check_status!(unsafe { sys::napi_typeof(env, item, &mut kind) })?;
        if kind != sys::ValueType::napi_string {
            return Ok(false);
        }
        if self.units.capacity() < 64 {
            self.units.reserve(64);
        }
        let mut written = 0;
        // SAFETY: napi writes at most `capacity` units (the string cut to `capacity - 1`, and a
        // NUL) into the buffer's spare capacity, and reports how many units of the string it wrote.
        check_status!(unsafe {
            sys::napi_get_value_string_utf16(env, item, self.units.as_mut_ptr(), self.units.capacity(), &mut written)
        })?;
        if written + 1 >= self.units.capacity() {
            // Maybe cut: the rule's own path, which copies the whole string (and grows the
            // buffer for the next long one).
            self.units.reserve(2 * self.units.capacity());
            return Ok(false);
        }
        // SAFETY: napi initialised those `written` units.
        unsafe { self.units.set_len(written) };
        self.text.clear();
        for char in char::decode_utf16(self.units.iter().copied()) {
            match char {
                Ok(char) => self.text.push(char),
                // A lone surrogate: the rule says so.
                Err(_) => return Ok(false),
            }
        }
        self.units.clear();
        Ok(groundset_records::check_source_id(&self.text).is_ok())
    }
}
