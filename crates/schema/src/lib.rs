//! `groundset-schema`: the JSON Schema (draft 2020-12) check of example records, one validator
//! for the Python SDK, the TypeScript SDK and the server (through `groundset_core`), so that a
//! local check before upload and the server's check give the same issues.
//!
//! A dataset may carry one schema for each part of an example: `input`, `output`, `metadata`.
//! [`SchemaValidator::new`] checks each against the draft 2020-12 meta-schema (every problem
//! reported, as [`SchemaIssue`]s) and compiles it with the `jsonschema` crate;
//! [`SchemaValidator::validate`] lists every [`Violation`] of one example. A part that a record
//! leaves out is validated as `{}`, the value it hashes as (so `"required"` in an output schema
//! catches a missing output).
//!
//! Rules a user can rely on:
//! - Draft 2020-12 only: a `$schema` naming another dialect is refused (`invalid_schema`).
//! - `format` is an annotation, as 2020-12's default vocabulary says: `"format": "email"` does
//!   not reject a string that is not an e-mail address.
//! - No reference leaves the schema: `$ref` within the same schema (`#/$defs/...`, an `$anchor`,
//!   an embedded `$id`) works, a remote or file `$ref` is refused when the schema is set, and
//!   nothing is ever fetched (the crate is built without its HTTP and file retrievers, and the
//!   retriever given to it refuses every URI).
//!
//! Paths: a violation's `path` is the JSONPath of the value inside the example, in the
//! `canonhash` spelling (`$.input.question`, `$.output.items[2]`, `$.metadata["a key"]`); its
//! `schema_path` is the JSON Pointer (RFC 6901) of the failing keyword inside the dataset's
//! schema document `{"input": ..., "output": ..., "metadata": ...}`, such as
//! `/input/properties/question/type`.
//!
//! ```
//! use serde_json::json;
//! let schema = json!({"type": "object", "required": ["question"], "properties": {"question": {"type": "string"}}});
//! let validator = groundset_schema::SchemaValidator::new(Some(&schema), None, None).unwrap();
//! let issues = validator.validate(&json!({"question": 7}), None, None);
//! assert_eq!(issues[0].path, "$.input.question");
//! assert_eq!(issues[0].schema_path, "/input/properties/question/type");
//! ```

use std::fmt;

use jsonschema::{Draft, Retrieve, Uri, Validator};
use rayon::prelude::*;
use serde_json::Value;

/// The `$schema` of draft 2020-12, the only dialect accepted.
pub const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// One part of an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Input,
    Output,
    Metadata,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::Input, Part::Output, Part::Metadata];

    pub fn as_str(self) -> &'static str {
        match self {
            Part::Input => "input",
            Part::Output => "output",
            Part::Metadata => "metadata",
        }
    }
}

/// A schema that is not a valid draft 2020-12 schema: the part, the JSONPath of the offending
/// value inside the schema document (`$.input.properties.q.type`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaIssue {
    pub part: Part,
    pub path: String,
    pub message: String,
}

impl fmt::Display for SchemaIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// One way an example fails its dataset's schema (see the crate doc for the paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub schema_path: String,
    pub message: String,
}

/// Refuses every URI: a schema's references stay inside the schema, and validating never
/// touches the network or the file system.
struct NoRetrieval;

impl Retrieve for NoRetrieval {
    fn retrieve(&self, uri: &Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("the reference {uri} leaves the schema; groundset resolves only references within the schema (#/$defs/..., anchors), and fetches nothing")
            .into())
    }
}

/// The compiled schemas of a dataset's three parts; a part without a schema accepts anything.
/// `Send + Sync`: one validator serves every thread.
pub struct SchemaValidator {
    parts: [Option<Validator>; 3],
}

fn json_path(part: Part, location: &jsonschema::paths::Location) -> String {
    // The canonhash error type holds the one JSONPath spelling of the project; its segments are
    // pushed innermost first.
    let segments: Vec<_> = location.iter().collect();
    let mut error = canonhash::HashError::new(canonhash::ErrorCode::NotAnObject, String::new());
    for segment in segments.iter().rev() {
        error = match segment {
            jsonschema::paths::LocationSegment::Property(key) => error.within_key(key),
            jsonschema::paths::LocationSegment::Index(index) => error.within_index(*index),
        };
    }
    error.within_key(part.as_str()).path()
}

/// The longest value a message shows whole, in characters of its JSON text.
const SHOWN_CHARS: usize = 80;

/// The violation's message, the value it is about shown whole only when short: else its first
/// `SHOWN_CHARS / 2` characters, "…" and its length (`"aaaa…" (100001 characters) does not match
/// "^a+$"`), as the SDKs show a long name. A 10 MB string that fails a pattern would otherwise be
/// repeated whole in every message, CLI line and 422 body naming it.
fn message(error: &jsonschema::ValidationError<'_>) -> String {
    let instance = error.instance();
    let cut = match instance.as_ref() {
        Value::String(text) => {
            let length = text.chars().count();
            (length + 2 > SHOWN_CHARS).then(|| {
                let head: String = text.chars().take(SHOWN_CHARS / 2).collect();
                format!("{}… ({length} characters)", Value::String(head))
            })
        }
        Value::Array(_) | Value::Object(_) => {
            let text = instance.to_string();
            let length = text.chars().count();
            (length > SHOWN_CHARS).then(|| {
                let head: String = text.chars().take(SHOWN_CHARS / 2).collect();
                format!("{head}… ({length} characters of JSON)")
            })
        }
        _ => None,
    };
    match cut {
        Some(shown) => error.masked_with(shown).to_string(),
        None => error.to_string(),
    }
}

fn schema_pointer(part: Part, location: &jsonschema::paths::Location) -> String {
    format!("/{}{}", part.as_str(), location.as_str())
}

fn check_schema(part: Part, schema: &Value) -> Result<Validator, Vec<SchemaIssue>> {
    let issue = |path: String, message: String| SchemaIssue { part, path, message };
    if let Some(dialect) = schema.get("$schema").and_then(Value::as_str)
        && dialect.trim_end_matches('#') != DRAFT_2020_12
    {
        let path = format!("$.{}[\"$schema\"]", part.as_str());
        return Err(vec![issue(
            path,
            format!("the schema declares the dialect {dialect}; only draft 2020-12 ({DRAFT_2020_12}) is accepted"),
        )]);
    }
    let meta = jsonschema::draft202012::meta::validator();
    let problems: Vec<SchemaIssue> = meta
        .iter_errors(schema)
        .map(|error| issue(json_path(part, error.instance_path()), error.to_string()))
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(false)
        .with_retriever(NoRetrieval)
        .build(schema)
        .map_err(|error| vec![issue(format!("$.{}", part.as_str()), error.to_string())])
}

/// The violations of each example as `(index, violation)`, in example order.
fn indexed(found: Vec<Vec<Violation>>) -> Vec<(usize, Violation)> {
    found
        .into_iter()
        .enumerate()
        .flat_map(|(index, violations)| violations.into_iter().map(move |violation| (index, violation)))
        .collect()
}

impl SchemaValidator {
    /// Compiles the schemas given (`None`: no schema for that part). Every problem of every
    /// part is returned at once; a schema is a JSON object or a boolean.
    pub fn new(
        input: Option<&Value>,
        output: Option<&Value>,
        metadata: Option<&Value>,
    ) -> Result<Self, Vec<SchemaIssue>> {
        let mut issues = Vec::new();
        let mut parts = [None, None, None];
        for (slot, (part, schema)) in parts
            .iter_mut()
            .zip(Part::ALL.into_iter().zip([input, output, metadata]))
        {
            match schema.map(|schema| check_schema(part, schema)) {
                Some(Ok(validator)) => *slot = Some(validator),
                Some(Err(mut found)) => issues.append(&mut found),
                None => {}
            }
        }
        if issues.is_empty() {
            Ok(Self { parts })
        } else {
            Err(issues)
        }
    }

    /// As [`SchemaValidator::new`], from JSON texts (the stored canonical schemas).
    pub fn from_texts(
        input: Option<&str>,
        output: Option<&str>,
        metadata: Option<&str>,
    ) -> Result<Self, Vec<SchemaIssue>> {
        let mut values = [None, None, None];
        for (slot, (part, text)) in values
            .iter_mut()
            .zip(Part::ALL.into_iter().zip([input, output, metadata]))
        {
            if let Some(text) = text {
                let value = serde_json::from_str::<Value>(text).map_err(|error| {
                    vec![SchemaIssue {
                        part,
                        path: format!("$.{}", part.as_str()),
                        message: format!("not JSON: {error}"),
                    }]
                })?;
                *slot = Some(value);
            }
        }
        let [input, output, metadata] = &values;
        Self::new(input.as_ref(), output.as_ref(), metadata.as_ref())
    }

    /// Whether no part has a schema (every example is valid).
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(Option::is_none)
    }

    /// Every violation of one example; an absent `output` or `metadata` is validated as `{}`.
    pub fn validate(&self, input: &Value, output: Option<&Value>, metadata: Option<&Value>) -> Vec<Violation> {
        let empty = Value::Object(serde_json::Map::new());
        let values = [input, output.unwrap_or(&empty), metadata.unwrap_or(&empty)];
        let mut violations = Vec::new();
        for ((part, validator), value) in Part::ALL.into_iter().zip(&self.parts).zip(values) {
            let Some(validator) = validator else { continue };
            // The common case, a valid part, takes the fast boolean path.
            if validator.is_valid(value) {
                continue;
            }
            violations.extend(validator.iter_errors(value).map(|error| Violation {
                path: json_path(part, error.instance_path()),
                schema_path: schema_pointer(part, error.schema_path()),
                message: message(&error),
            }));
        }
        violations
    }

    /// As [`SchemaValidator::validate`], from the JSON texts of the parts (`None`: absent).
    /// Text that is not JSON is an `Err` naming the part (callers pass canonical JSON, so this
    /// is a caller's bug).
    pub fn validate_texts(
        &self,
        input: &str,
        output: Option<&str>,
        metadata: Option<&str>,
    ) -> Result<Vec<Violation>, String> {
        let mut values = [None, None, None];
        for (slot, ((part, text), validator)) in values.iter_mut().zip(
            Part::ALL
                .into_iter()
                .zip([Some(input), output, metadata])
                .zip(&self.parts),
        ) {
            // A part without a schema is not parsed at all.
            if let (Some(text), Some(_)) = (text, validator) {
                let value = serde_json::from_str::<Value>(text)
                    .map_err(|error| format!("{}: not JSON: {error}", part.as_str()))?;
                *slot = Some(value);
            }
        }
        let input = values[0].take().unwrap_or(Value::Null);
        Ok(self.validate(&input, values[1].as_ref(), values[2].as_ref()))
    }

    /// Validates many examples given as JSON texts, on all cores: `(index, violation)` for every
    /// violation, in the order of the examples.
    pub fn validate_many_texts(
        &self,
        examples: &[(&str, Option<&str>, Option<&str>)],
    ) -> Result<Vec<(usize, Violation)>, String> {
        if self.is_empty() {
            return Ok(Vec::new());
        }
        let found: Result<Vec<Vec<Violation>>, String> = examples
            .par_iter()
            .map(|(input, output, metadata)| self.validate_texts(input, *output, *metadata))
            .collect();
        found.map(indexed)
    }
}

impl SchemaValidator {
    /// As [`SchemaValidator::validate_many_texts`], for examples given as the JSON text of one
    /// object each, `{"input": …, "output": …, "metadata": …}` (a member absent or null: absent),
    /// the wire form of the TypeScript SDK.
    pub fn validate_many_example_texts(&self, examples: &[&str]) -> Result<Vec<(usize, Violation)>, String> {
        if self.is_empty() {
            return Ok(Vec::new());
        }
        let found: Result<Vec<Vec<Violation>>, String> = examples
            .par_iter()
            .map(|text| {
                let value: Value = serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
                let part = |name: &str| value.get(name).filter(|part| !part.is_null());
                Ok(self.validate(part("input").unwrap_or(&Value::Null), part("output"), part("metadata")))
            })
            .collect();
        found.map(indexed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_long_value_is_cut_in_its_message() {
        let schema = json!({"type": "object", "properties": {"x": {"pattern": "^(a+)+$"}, "n": {"type": "string"}}});
        let validator = SchemaValidator::new(Some(&schema), None, None).unwrap();
        let long = format!("{}!", "a".repeat(100_000));
        let found = validator.validate(&json!({"x": long, "n": ["é".repeat(100)]}), None, None);
        let messages: Vec<_> = found.iter().map(|v| (v.path.as_str(), v.message.as_str())).collect();
        let head = "a".repeat(40);
        let items = format!("[\"{}", "é".repeat(38));
        assert_eq!(
            messages,
            [
                (
                    "$.input.n",
                    format!("{items}… (104 characters of JSON) is not of type \"string\"").as_str()
                ),
                (
                    "$.input.x",
                    format!("\"{head}\"… (100001 characters) does not match \"^(a+)+$\"").as_str()
                ),
            ]
        );
        // A short value stays whole, as the validator words it.
        let short = validator.validate(&json!({"x": "ab"}), None, None);
        assert_eq!(short[0].message, "\"ab\" does not match \"^(a+)+$\"");
    }

    fn question_schema() -> Value {
        json!({
            "type": "object",
            "required": ["question", "level"],
            "properties": {
                "question": {"type": "string", "minLength": 1},
                "level": {"enum": ["easy", "hard"]},
                "tags": {"type": "array", "items": {"type": "string"}}
            },
            "additionalProperties": false
        })
    }

    #[test]
    fn a_valid_example_has_no_violation() {
        let validator = SchemaValidator::new(Some(&question_schema()), Some(&json!({"type": "object"})), None).unwrap();
        assert!(
            validator
                .validate(
                    &json!({"question": "2+2?", "level": "easy", "tags": ["math"]}),
                    None,
                    None
                )
                .is_empty()
        );
    }

    #[test]
    fn every_violation_is_reported_with_its_paths() {
        let validator = SchemaValidator::new(Some(&question_schema()), None, None).unwrap();
        let bad = json!({"question": "", "tags": ["a", 3], "extra": true});
        let mut found: Vec<(String, String)> = validator
            .validate(&bad, None, None)
            .into_iter()
            .map(|v| (v.path, v.schema_path))
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                ("$.input".to_string(), "/input/additionalProperties".to_string()),
                ("$.input".to_string(), "/input/required".to_string()),
                (
                    "$.input.question".to_string(),
                    "/input/properties/question/minLength".to_string()
                ),
                (
                    "$.input.tags[1]".to_string(),
                    "/input/properties/tags/items/type".to_string()
                ),
            ]
        );
    }

    #[test]
    fn odd_keys_are_quoted_in_the_path() {
        let schema = json!({"properties": {"a key": {"type": "integer"}}});
        let validator = SchemaValidator::new(None, None, Some(&schema)).unwrap();
        let issues = validator.validate(&json!({}), None, Some(&json!({"a key": "x"})));
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, r#"$.metadata["a key"]"#);
        assert_eq!(issues[0].schema_path, "/metadata/properties/a key/type");
        assert!(issues[0].message.contains("integer"), "{}", issues[0].message);
    }

    #[test]
    fn an_absent_part_is_validated_as_an_empty_object() {
        let validator = SchemaValidator::new(None, Some(&json!({"required": ["answer"]})), None).unwrap();
        let issues = validator.validate(&json!({"q": 1}), None, None);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "$.output");
        assert_eq!(issues[0].schema_path, "/output/required");
    }

    #[test]
    fn an_invalid_schema_names_each_problem_and_part() {
        let issues = SchemaValidator::new(
            Some(&json!({"type": "strin"})),
            Some(&json!({"properties": {"a": {"minLength": -1}}})),
            Some(&json!(3)),
        )
        .err()
        .unwrap();
        let paths: Vec<(Part, &str)> = issues.iter().map(|issue| (issue.part, issue.path.as_str())).collect();
        assert!(paths.contains(&(Part::Input, "$.input.type")), "{issues:?}");
        assert!(
            paths.contains(&(Part::Output, "$.output.properties.a.minLength")),
            "{issues:?}"
        );
        assert!(paths.contains(&(Part::Metadata, "$.metadata")), "{issues:?}");
    }

    #[test]
    fn boolean_schemas() {
        let validator = SchemaValidator::new(Some(&json!(true)), Some(&json!(false)), None).unwrap();
        let issues = validator.validate(&json!({"anything": [1]}), Some(&json!({})), None);
        assert_eq!(issues.len(), 1);
        assert_eq!(
            (issues[0].path.as_str(), issues[0].schema_path.as_str()),
            ("$.output", "/output")
        );
        assert!(validator.validate(&json!(null), None, None).len() == 1);
    }

    #[test]
    fn a_ref_within_the_schema_is_followed() {
        let schema = json!({
            "$defs": {"choice": {"type": "string", "enum": ["A", "B"]}},
            "type": "object",
            "properties": {"answer": {"$ref": "#/$defs/choice"}}
        });
        let validator = SchemaValidator::new(None, Some(&schema), None).unwrap();
        assert!(
            validator
                .validate(&json!({}), Some(&json!({"answer": "A"})), None)
                .is_empty()
        );
        let issues = validator.validate(&json!({}), Some(&json!({"answer": "C"})), None);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "$.output.answer");
        assert_eq!(issues[0].schema_path, "/output/$defs/choice/enum");
    }

    #[test]
    fn a_remote_ref_is_refused_not_fetched() {
        // A server on loopback that would see the fetch if one were made.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let local = format!("http://{}/schema.json#/a", listener.local_addr().unwrap());
        for target in ["https://example.com/schema.json", local.as_str(), "file:///etc/passwd"] {
            let schema = json!({"properties": {"a": {"$ref": target}}});
            let issues = SchemaValidator::new(Some(&schema), None, None)
                .err()
                .unwrap_or_else(|| panic!("{target} accepted"));
            assert_eq!(issues.len(), 1);
            assert_eq!(issues[0].path, "$.input");
            assert!(issues[0].message.contains("leaves the schema"), "{}", issues[0].message);
        }
        assert_eq!(
            listener.accept().err().map(|error| error.kind()),
            Some(std::io::ErrorKind::WouldBlock)
        );
        // A relative reference without a base is refused as well.
        let relative = json!({"$ref": "other.json"});
        assert!(SchemaValidator::new(None, Some(&relative), None).is_err());
    }

    #[test]
    fn another_dialect_is_refused_and_formats_are_annotations() {
        let issues = SchemaValidator::new(
            Some(&json!({"$schema": "http://json-schema.org/draft-07/schema#"})),
            None,
            None,
        )
        .err()
        .unwrap();
        assert_eq!(issues[0].path, "$.input[\"$schema\"]");
        let validator = SchemaValidator::new(
            Some(&json!({"$schema": DRAFT_2020_12, "format": "email", "type": "string"})),
            None,
            None,
        )
        .unwrap();
        assert!(validator.validate(&json!("not an address"), None, None).is_empty());
    }

    #[test]
    fn many_texts_on_all_cores_keep_their_indexes() {
        let validator = SchemaValidator::from_texts(Some(r#"{"type":"object","required":["q"]}"#), None, None).unwrap();
        let examples: Vec<(&str, Option<&str>, Option<&str>)> = vec![
            (r#"{"q":1}"#, None, None),
            ("{}", Some("{}"), None),
            (r#"{"q":2}"#, None, Some("{}")),
            ("[]", None, None),
        ];
        let found = validator.validate_many_texts(&examples).unwrap();
        let indexes: Vec<usize> = found.iter().map(|(index, _)| *index).collect();
        assert_eq!(indexes, vec![1, 3]);
        assert!(
            SchemaValidator::from_texts(None, None, None)
                .unwrap()
                .validate_many_texts(&examples)
                .unwrap()
                .is_empty()
        );
    }
}
