//! Parallel hashing of a JSONL file off the JS thread (`canonhash::hash_jsonl_file`).

use canonhash::{HashError, JsonlOptions, RecordHash};
use napi::bindgen_prelude::{AsyncTask, Uint32Array};
use napi::{Env, Task};
use napi_derive::napi;

use crate::error::to_napi;

/// The hashed records of a file, packed: strings made one by one would cost the JS thread
/// more than the hashing costs a core.
#[napi(object)]
pub struct JsonlHashes {
    /// The source ids, one after the other.
    pub ids: String,
    /// The length of each source id in `ids`, in UTF-16 units.
    pub id_lengths: Uint32Array,
    /// The content hashes, 64 hex digits each.
    pub hashes: String,
}

/// Hashes a JSONL file on a libuv worker (which waits for rayon's threads).
pub struct HashJsonl {
    path: String,
    options: JsonlOptions,
}

impl Task for HashJsonl {
    type Output = Vec<RecordHash>;
    type JsValue = JsonlHashes;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let results = canonhash::hash_jsonl_file(&self.path, &self.options).map_err(|e| to_napi(&e))?;
        results
            .into_iter()
            .collect::<Result<Vec<RecordHash>, HashError>>()
            .map_err(|e| to_napi(&e))
    }

    fn resolve(&mut self, _env: Env, records: Self::Output) -> napi::Result<Self::JsValue> {
        let mut ids = String::with_capacity(records.iter().map(|record| record.source_id.len()).sum());
        let mut id_lengths = Vec::with_capacity(records.len());
        let mut hashes = String::with_capacity(records.len() * 64);
        for record in &records {
            ids.push_str(&record.source_id);
            let units = if record.source_id.is_ascii() {
                record.source_id.len()
            } else {
                record.source_id.encode_utf16().count()
            };
            id_lengths.push(u32::try_from(units).map_err(|_| napi::Error::from_reason("a source id is too long"))?);
            hashes.push_str(&record.content_hash);
        }
        Ok(JsonlHashes {
            ids,
            id_lengths: Uint32Array::new(id_lengths),
            hashes,
        })
    }
}

/// The source id and content hash of every record of the JSONL file at `path`, in file order;
/// the promise rejects with the error of the first line that fails.
#[napi(ts_return_type = "Promise<JsonlHashes>")]
pub fn hash_jsonl(path: String, id_key: String, threads: Option<u32>) -> AsyncTask<HashJsonl> {
    let options = JsonlOptions {
        id_key,
        threads: threads.map(|count| count as usize),
    };
    AsyncTask::new(HashJsonl { path, options })
}
