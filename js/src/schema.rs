//! JSON Schema (draft 2020-12) check of examples (`groundset-schema`), the validator the
//! Python SDK and the server run too, so a local check gives the server's issues.

use napi_derive::napi;

/// A problem of a schema: its part, the JSONPath in the schema document, the message.
#[napi(object)]
pub struct SchemaIssue {
    pub part: String,
    pub path: String,
    pub message: String,
}

/// One violation of the example at `index`: the JSONPath in the example, the JSON Pointer of
/// the keyword in the schema document, the message.
#[napi(object)]
pub struct SchemaViolation {
    pub index: u32,
    pub path: String,
    pub schema_path: String,
    pub message: String,
}

fn compile(
    input: Option<&str>,
    output: Option<&str>,
    metadata: Option<&str>,
) -> Result<groundset_schema::SchemaValidator, Vec<SchemaIssue>> {
    groundset_schema::SchemaValidator::from_texts(input, output, metadata).map_err(|issues| {
        issues
            .into_iter()
            .map(|issue| SchemaIssue {
                part: issue.part.as_str().to_string(),
                path: issue.path,
                message: issue.message,
            })
            .collect()
    })
}

/// Every problem of the schemas given as JSON texts (`null`: none for that part); empty when
/// they are valid draft 2020-12 schemas.
#[napi]
pub fn schema_issues(input: Option<String>, output: Option<String>, metadata: Option<String>) -> Vec<SchemaIssue> {
    compile(input.as_deref(), output.as_deref(), metadata.as_deref())
        .err()
        .unwrap_or_default()
}

/// The compiled schemas of a dataset.
#[napi]
pub struct NativeSchemaValidator {
    inner: groundset_schema::SchemaValidator,
}

#[napi]
impl NativeSchemaValidator {
    /// Compiles the schemas (JSON texts); an invalid one is an error naming every problem
    /// (call `schemaIssues` first for them one by one).
    #[napi(factory)]
    pub fn compile(input: Option<String>, output: Option<String>, metadata: Option<String>) -> napi::Result<Self> {
        compile(input.as_deref(), output.as_deref(), metadata.as_deref())
            .map(|inner| Self { inner })
            .map_err(|issues| {
                let listed: Vec<String> = issues
                    .iter()
                    .map(|issue| format!("{}: {}", issue.path, issue.message))
                    .collect();
                napi::Error::new(
                    napi::Status::InvalidArg,
                    format!("invalid JSON Schema: {}", listed.join("; ")),
                )
            })
    }

    /// Every violation of the examples given as the JSON text of one object each,
    /// `{"input": …, "output": …, "metadata": …}` (absent or null: checked as `{}`), on all
    /// cores, in example order.
    #[napi]
    pub fn validate_examples(&self, examples: Vec<String>) -> napi::Result<Vec<SchemaViolation>> {
        let borrowed: Vec<&str> = examples.iter().map(String::as_str).collect();
        let found = self
            .inner
            .validate_many_example_texts(&borrowed)
            .map_err(napi::Error::from_reason)?;
        Ok(found
            .into_iter()
            .map(|(index, violation)| SchemaViolation {
                index: u32::try_from(index).unwrap_or(u32::MAX),
                path: violation.path,
                schema_path: violation.schema_path,
                message: violation.message,
            })
            .collect())
    }
}
