//! Canonical form of JS values and of JSON text (`canonhash::canonicalize`).

use napi::Env;
use napi::bindgen_prelude::{Array, Float64ArraySlice, Utf16String};
use napi_derive::napi;

use crate::error::to_napi;
use crate::value::with_single_value;

/// The RFC 8785 canonical form of the value written on `tape` (see `value.rs`), whose strings
/// (`units` UTF-16 units in all) and member names are in `strings` and `names`.
#[napi]
pub fn canonicalize_value(
    env: Env,
    tape: Float64ArraySlice,
    strings: Array,
    units: f64,
    names: Vec<Utf16String>,
) -> napi::Result<String> {
    let canonical = with_single_value(&env, &tape, &strings, units, &names, canonhash::canonicalize)?;
    Ok(String::from_utf8(canonical).expect("canonical JSON is UTF-8"))
}

/// The RFC 8785 canonical form of one JSON document.
#[napi]
pub fn canonicalize_json(text: String) -> napi::Result<String> {
    let canonical = canonhash::canonicalize_json_str(&text).map_err(|e| to_napi(&e))?;
    Ok(String::from_utf8(canonical).expect("canonical JSON is UTF-8"))
}
