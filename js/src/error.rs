//! `HashError` (of canonhash, or of groundset-records over its own codes) to JS: a napi error whose message carries the error's fields as JSON behind a
//! marker, which the TypeScript layer turns into its `HashError` class.

use canonhash::{HashError, StableCode, write_json_string};

/// The start of the message of every error that stands for a `HashError` (the TypeScript
/// layer matches it).
pub(crate) const MARKER: &str = "groundset:HashError:";

/// The JS error for `error`: `{"code","message","path","line","column"}` after [`MARKER`].
pub(crate) fn to_napi<C: StableCode>(error: &HashError<C>) -> napi::Error {
    let mut json = Vec::with_capacity(128);
    json.extend_from_slice(MARKER.as_bytes());
    json.extend_from_slice(b"{\"code\":");
    write_json_string(error.code().as_str(), &mut json);
    json.extend_from_slice(b",\"message\":");
    write_json_string(error.message(), &mut json);
    json.extend_from_slice(b",\"path\":");
    write_json_string(&error.path(), &mut json);
    if let Some(position) = error.position() {
        json.extend_from_slice(format!(",\"line\":{},\"column\":{}", position.line, position.column).as_bytes());
    }
    json.push(b'}');
    let reason = String::from_utf8(json).expect("JSON of UTF-8 strings is UTF-8");
    napi::Error::from_reason(reason)
}
