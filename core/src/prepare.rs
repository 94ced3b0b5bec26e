//! `prepare_examples`: what the SDK's `upsert_dataset(examples=...)` does per record, in one
//! pass over the records: the mapping check, the flat key selection or the structured member
//! rule, the source id by a key (the core's one rule), the uniqueness of source ids, the
//! content hashes (on the tape pipeline of `hash`) and the manifest digest.
//!
//! Every problem is reported as the SDK has always reported it (code, JSONPath, message, row,
//! source id): the common record takes the fast path, and anything else takes a general path
//! that does what the SDK's Python did, through the Python protocols of the record.

use canonhash::{HashError, compare_utf16, write_json_string};
use pyo3::exceptions::PyKeyError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PySet, PyString};

use crate::error::Failure;
use crate::hash::{BATCH, MemberRule, Pipeline, hex_list, own_list, run_pipeline};
use crate::tape::{Selection, prefetch_records};

/// A bad record: `(row, code, path, message, source_id)`.
type Issue = (usize, String, String, String, Option<String>);

/// `(hashes, source_ids, issues, hash_issues, more, duplicates, digest)`: see `prepare_examples`.
type Prepared<'py> = (
    Bound<'py, PyList>,
    Option<Bound<'py, PyList>>,
    Vec<Issue>,
    Vec<Issue>,
    usize,
    Vec<Issue>,
    Option<String>,
);

/// The source-id key and what its messages say of it.
struct IdKey<'py> {
    key: Bound<'py, PyString>,
    /// The JSONPath of the member, as the core writes paths (`$.id`, `$["a b"]`).
    path: String,
    /// Its Python `repr`, as the SDK's messages quote it.
    repr: String,
}

/// Prepares the records of an upsert in one pass: see the stub for the contract.
#[pyfunction]
#[pyo3(signature = (
    records, *, flat = false, input_keys = None, output_keys = None, metadata_keys = None,
    source_id_key = None, any_members = false, max_errors = 100, progress = None, progress_step = 10_000
))]
#[allow(clippy::too_many_arguments)]
pub fn prepare_examples<'py>(
    records: &Bound<'py, PyAny>,
    flat: bool,
    input_keys: Option<Vec<Bound<'py, PyString>>>,
    output_keys: Option<Vec<Bound<'py, PyString>>>,
    metadata_keys: Option<Vec<Bound<'py, PyString>>>,
    source_id_key: Option<Bound<'py, PyString>>,
    any_members: bool,
    max_errors: usize,
    progress: Option<Bound<'py, PyAny>>,
    progress_step: usize,
) -> PyResult<Prepared<'py>> {
    let py = records.py();
    let list = own_list(records)?;
    let count = list.len();
    let id_key = source_id_key
        .map(|key| -> PyResult<IdKey<'py>> {
            Ok(IdKey {
                path: key_path(key.to_str()?),
                repr: key.repr()?.to_string(),
                key,
            })
        })
        .transpose()?;
    let id_name = id_key
        .as_ref()
        .map(|key| key.key.to_str().map(str::to_owned))
        .transpose()?;
    let selection = flat
        .then(|| selection(input_keys, output_keys, metadata_keys, id_name.clone()))
        .transpose()?;
    let rule = (!flat).then_some(MemberRule {
        id_key: id_name,
        any_members,
    });
    let mut rows = Rows {
        selection: selection.as_ref(),
        rule: rule.as_ref(),
        id_key: id_key.as_ref(),
        mapping: py.import("collections.abc")?.getattr("Mapping")?,
        issues: Vec::new(),
        bad: vec![false; count],
        ids: Vec::with_capacity(if id_key.is_some() { count } else { 0 }),
        entries: IdEntries {
            order: Vec::with_capacity(if id_key.is_some() { count } else { 0 }),
            ascii: true,
        },
        failures: Vec::new(),
    };
    let step = progress_step.max(1);
    let (done, digests) = run_pipeline(py, true, count <= BATCH, count, |pipeline| {
        // Borrowed, not counted: a new reference would write to the record's memory now.
        // SAFETY: in range of a list only this call holds; its items outlive the loop.
        let ahead = |row: usize| {
            (row < count).then(|| unsafe { Borrowed::from_ptr(py, ffi::PyList_GetItem(list.as_ptr(), row as isize)) })
        };
        for row in 0..count {
            prefetch_records(|offset| ahead(row + offset));
            rows.row(pipeline, row, &list.get_item(row)?)?;
            pipeline.next();
            if let Some(progress) = &progress
                && ((row + 1) % step == 0 || row + 1 == count)
            {
                pipeline.drain();
                progress.call1((row % step + 1,))?;
            }
        }
        Ok(())
    });
    done?;
    rows.finish(py, &digests, max_errors)
}

/// The flat key selection of the key lists (each key once, in its first place); `id_name`, the
/// source-id key, is left out of an input that takes every other member.
pub(crate) fn selection<'py>(
    input_keys: Option<Vec<Bound<'py, PyString>>>,
    output_keys: Option<Vec<Bound<'py, PyString>>>,
    metadata_keys: Option<Vec<Bound<'py, PyString>>>,
    id_name: Option<String>,
) -> PyResult<Selection<'py>> {
    let (output, metadata) = (unique(output_keys)?, unique(metadata_keys)?);
    let mut taken = Vec::new();
    for key in output.iter().chain(&metadata) {
        taken.push(key.to_str()?.to_owned());
    }
    taken.extend(id_name);
    let input = input_keys.map(|keys| unique(Some(keys))).transpose()?;
    Ok(Selection {
        input,
        output,
        metadata,
        taken,
    })
}

/// The state of the pass over the records.
struct Rows<'a, 'py> {
    selection: Option<&'a Selection<'py>>,
    rule: Option<&'a MemberRule>,
    id_key: Option<&'a IdKey<'py>>,
    /// `collections.abc.Mapping`, what the SDK takes as a record.
    mapping: Bound<'py, PyAny>,
    /// The records' own problems (not a mapping, a key missing, a bad source id), in order.
    issues: Vec<Issue>,
    /// The rows refused before hashing (their content is not hashed).
    bad: Vec<bool>,
    /// The source id of every row (with a key), `None` without a valid one.
    ids: Vec<Option<Bound<'py, PyString>>>,
    /// The valid source ids as [`sort_ids`] takes them, noted while each is in cache (read
    /// again at the end, ids scattered in memory cost a miss each): see [`IdEntries`].
    entries: IdEntries,
    /// The rows whose content failed to convert, in order.
    failures: Vec<(usize, Failure)>,
}

impl<'py> Rows<'_, 'py> {
    fn row(&mut self, pipeline: &mut Pipeline<'py>, row: usize, record: &Bound<'py, PyAny>) -> PyResult<()> {
        if record.is_exact_instance_of::<PyDict>() {
            let taped = pipeline.try_tape(|recorder| match self.selection {
                Some(selection) => recorder.flat(record.as_borrowed(), selection),
                None => recorder.example(record.as_borrowed(), self.rule),
            });
            if !taped {
                self.content(pipeline, row, record)?;
            }
            return self.identity(pipeline, row, record);
        }
        // The general path: the record's own methods may run Python code.
        pipeline.drain();
        if !record.is_instance(&self.mapping)? {
            let name = record.get_type().name()?;
            let message = format!("an example must be a mapping (such as a dict), not {name}");
            self.issues
                .push((row, "not_a_mapping".into(), "$".into(), message, None));
            self.bad[row] = true;
            pipeline.push_missing();
            if self.id_key.is_some() {
                self.ids.push(None);
            }
            return Ok(());
        }
        self.content(pipeline, row, record)?;
        self.identity(pipeline, row, record)
    }

    /// The general path of a record's content: its flat selection made as a dict (a missing
    /// key is an issue), or the structured record itself, converted and checked.
    fn content(&mut self, pipeline: &mut Pipeline<'py>, row: usize, record: &Bound<'py, PyAny>) -> PyResult<()> {
        let converted = match self.selection {
            Some(selection) => match self.flat_content(row, record, selection)? {
                Some(content) => pipeline.push_general(&content, None),
                None => {
                    self.bad[row] = true;
                    pipeline.push_missing();
                    return Ok(());
                }
            },
            None => pipeline.push_general(record, self.rule),
        };
        match converted {
            Ok(()) => Ok(()),
            Err(Failure::Python(error)) => Err(error),
            Err(failure) => {
                self.failures.push((row, failure));
                pipeline.push_missing();
                Ok(())
            }
        }
    }

    /// `{"input": {k: record[k] …}, "output": …, "metadata": …}` through the record's own
    /// methods, or `None` with a `missing_key` issue for every key the record lacks.
    fn flat_content(
        &mut self,
        row: usize,
        record: &Bound<'py, PyAny>,
        selection: &Selection<'py>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let py = record.py();
        let input_keys: Vec<Bound<'py, PyAny>> = match &selection.input {
            Some(keys) => keys.iter().map(|key| key.clone().into_any()).collect(),
            None => {
                let taken = PySet::new(py, selection.output.iter().chain(&selection.metadata))?;
                taken.add(self.id_key.map(|key| key.key.clone().into_any()))?;
                let mut keys = Vec::new();
                for key in record.try_iter()? {
                    let key = key?;
                    if !taken.contains(&key)? {
                        keys.push(key);
                    }
                }
                keys
            }
        };
        let parts: [(&str, Vec<Bound<'py, PyAny>>); 3] = [
            ("input_keys", input_keys),
            (
                "output_keys",
                selection.output.iter().map(|key| key.clone().into_any()).collect(),
            ),
            (
                "metadata_keys",
                selection.metadata.iter().map(|key| key.clone().into_any()).collect(),
            ),
        ];
        let content = PyDict::new(py);
        let mut complete = true;
        for ((_, keys), part) in parts.iter().zip(["input", "output", "metadata"]) {
            let members = PyDict::new(py);
            for key in keys {
                match record.get_item(key) {
                    Ok(value) => members.set_item(key, value)?,
                    Err(error) if error.is_instance_of::<PyKeyError>(py) => complete = false,
                    Err(error) => return Err(error),
                }
                if !complete {
                    break;
                }
            }
            if !complete {
                break;
            }
            content.set_item(part, members)?;
        }
        if complete {
            return Ok(Some(content));
        }
        let builtins = py.import("builtins")?;
        let names = builtins
            .getattr("sorted")?
            .call1((builtins.getattr("map")?.call1((builtins.getattr("str")?, record))?,))?
            .repr()?;
        for (label, keys) in &parts {
            for key in keys {
                if !record.contains(key)? {
                    let message = format!("no key {} (named in {label}); the record has {names}", key.repr()?);
                    let path = key_path(&key.str()?.to_cow()?);
                    self.issues.push((row, "missing_key".into(), path, message, None));
                }
            }
        }
        Ok(None)
    }

    /// The source id of a mapping by the key, or an issue (`missing_source_id`, or the core's
    /// source-id rule's code at the key's path).
    fn identity(&mut self, pipeline: &mut Pipeline<'py>, row: usize, record: &Bound<'py, PyAny>) -> PyResult<()> {
        let Some(id_key) = self.id_key else {
            return Ok(());
        };
        // A dict's lookup by a str key runs no Python code; another mapping's may (the general
        // path drained the pipeline already).
        let value = if record.is_exact_instance_of::<PyDict>() {
            record.cast::<PyDict>()?.get_item(&id_key.key)?
        } else if record.contains(&id_key.key)? {
            Some(record.get_item(&id_key.key)?)
        } else {
            None
        };
        let Some(value) = value else {
            let message = format!("no source id at {} (source_id_key={})", id_key.path, id_key.repr);
            self.issues
                .push((row, "missing_source_id".into(), id_key.path.clone(), message, None));
            self.ids.push(None);
            return Ok(());
        };
        // The common case, a valid exact str, is kept as it is (no copy).
        if value.is_exact_instance_of::<PyString>()
            && let Ok(text) = value.cast::<PyString>()?.to_str()
            && groundset_records::check_source_id(text).is_ok()
        {
            self.entries.note(row, text);
            self.ids.push(Some(value.cast_into::<PyString>()?));
            return Ok(());
        }
        if !value.is_exact_instance_of::<PyInt>() && !value.is_exact_instance_of::<PyFloat>() {
            // The rule reads other types through their Python type (names, conversions).
            pipeline.drain();
        }
        match crate::read::source_id_of(&value) {
            Ok(text) => {
                let id = PyString::new(record.py(), &text);
                self.entries.note(row, id.to_str()?);
                self.ids.push(Some(id));
            }
            Err(error) => {
                let issue = (row, error.code().as_str().to_owned(), id_key.path.clone());
                self.issues
                    .push((issue.0, issue.1, issue.2, error.message().to_owned(), None));
                self.ids.push(None);
            }
        }
        Ok(())
    }

    /// The outcome, from the hashes of every row.
    fn finish(self, py: Python<'py>, digests: &[crate::hash::Digest], max_errors: usize) -> PyResult<Prepared<'py>> {
        let id_of = |row: usize| -> PyResult<Option<String>> {
            match self.ids.get(row) {
                Some(Some(id)) => Ok(Some(id.to_str()?.to_owned())),
                _ => Ok(None),
            }
        };
        let (mut hash_issues, mut more) = (Vec::new(), 0);
        let mut failures = self.failures.into_iter().peekable();
        for (row, digest) in digests.iter().enumerate() {
            let failure = failures
                .next_if(|(failed, _)| *failed == row)
                .map(|(_, failure)| failure);
            if self.bad[row] {
                continue;
            }
            let problem = match failure {
                Some(Failure::Hash(error)) => Some(parts(&error)),
                Some(Failure::Record(error)) => Some(parts(&error)),
                Some(Failure::Python(error)) => return Err(error),
                None => digest.as_ref().err().map(parts),
            };
            let Some((code, path, message)) = problem else {
                continue;
            };
            if hash_issues.len() < max_errors {
                hash_issues.push((row, code, path, message, id_of(row)?));
            } else {
                more += 1;
            }
        }
        // The ids are sorted (to find repeated ones and to order the digest's entries) and the
        // digest computed on a thread of their own, while this one makes the Python lists.
        // SAFETY: every entry is the UTF-8 of a str of `self.ids`, which lives until the end.
        let keyed = self.id_key.map(|_| unsafe { self.entries.texts() });
        let others_clean = self.issues.is_empty() && hash_issues.is_empty() && more == 0;
        let (sorted, hashes, ids) = std::thread::scope(|scope| -> PyResult<_> {
            let sorting = keyed.map(|(mut order, ascii)| {
                scope.spawn(move || {
                    sort_ids(&mut order, ascii);
                    let repeated: Vec<(usize, usize, &str)> = order
                        .chunk_by(|a, b| a.1 == b.1)
                        .filter(|group| group.len() > 1)
                        .flat_map(|group| group[1..].iter().map(move |&(_, id, row)| (row, group[0].2, id)))
                        .collect();
                    let digest = (others_clean && repeated.is_empty()).then(|| {
                        let hash = |row: usize| digests[row].as_ref().expect("no hash failed");
                        let entries: Vec<(&str, &[u8; 32])> =
                            order.iter().map(|&(_, id, row)| (id, hash(row))).collect();
                        canonhash::manifest_digest_of_sorted_digests(&entries)
                    });
                    (repeated, digest)
                })
            });
            let empty = PyString::new(py, "");
            let hashes = hex_list(py, digests, |row| self.bad[row])?;
            let ids = match self.id_key {
                Some(_) => Some(PyList::new(
                    py,
                    self.ids.iter().map(|id| id.clone().unwrap_or_else(|| empty.clone())),
                )?),
                None => None,
            };
            let sorted = sorting.map(|thread| thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            Ok((sorted, hashes, ids))
        })?;
        let (mut duplicates, mut digest) = (Vec::new(), None);
        if let (Some(id_key), Some((repeated, sorted_digest))) = (self.id_key, sorted) {
            for (row, first, id) in repeated {
                let mut quoted = Vec::with_capacity(id.len() + 2);
                write_json_string(id, &mut quoted);
                let quoted = String::from_utf8(quoted).expect("JSON text of a str is UTF-8");
                let message = format!("the source id {quoted} is also the id of row {first}");
                let code = "duplicate_source_id".to_owned();
                duplicates.push((row, code, id_key.path.clone(), message, Some(id.to_owned())));
            }
            duplicates.sort_by_key(|issue| issue.0);
            digest = sorted_digest;
        }
        Ok((hashes, ids, self.issues, hash_issues, more, duplicates, digest))
    }
}

/// The valid source ids with their rows, and whether all are ASCII, for [`sort_ids`]. Each
/// entry leads with the id's first 8 bytes as a number, which decides most comparisons
/// without reading the ids' text (scattered in memory) when all are ASCII.
struct IdEntries {
    /// `(first 8 bytes, UTF-8 address, length, row)`.
    order: Vec<(u64, *const u8, usize, usize)>,
    ascii: bool,
}

impl IdEntries {
    /// Notes the valid source id `text` of `row`; `text` must stay alive until [`Self::texts`]'s
    /// answer is dropped.
    fn note(&mut self, row: usize, text: &str) {
        self.ascii &= text.is_ascii();
        let mut prefix = [0_u8; 8];
        let head = text.len().min(8);
        prefix[..head].copy_from_slice(&text.as_bytes()[..head]);
        self.order
            .push((u64::from_be_bytes(prefix), text.as_ptr(), text.len(), row));
    }

    /// The entries with their texts, and whether all are ASCII.
    ///
    /// # Safety
    /// Every text noted is still alive while the answer is used.
    #[allow(clippy::type_complexity)]
    unsafe fn texts<'t>(&self) -> (Vec<(u64, &'t str, usize)>, bool) {
        let order = self
            .order
            .iter()
            // SAFETY: the UTF-8 of a `str` (`note`), alive as the caller vouches.
            .map(|&(prefix, data, len, row)| {
                (
                    prefix,
                    unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(data, len)) },
                    row,
                )
            })
            .collect();
        (order, self.ascii)
    }
}

/// Sorts the entries of [`IdEntries`] into the manifest's order (by [`compare_utf16`]), a
/// repeated id's rows in order: one sort finds the repeated ids and orders the digest's
/// entries.
fn sort_ids(order: &mut [(u64, &str, usize)], ascii: bool) {
    if ascii {
        // ASCII orders alike by bytes and by UTF-16 code units.
        order.sort_unstable_by(|a, b| {
            (a.0.cmp(&b.0))
                .then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
                .then(a.2.cmp(&b.2))
        });
    } else {
        order.sort_unstable_by(|a, b| compare_utf16(a.1, b.1).then(a.2.cmp(&b.2)));
    }
}

/// `(code, path, message)` of a core error, as the SDK's issues carry them.
fn parts<C: canonhash::StableCode>(error: &HashError<C>) -> (String, String, String) {
    (
        error.code().as_str().to_owned(),
        error.path(),
        error.message().to_owned(),
    )
}

/// The JSONPath of a record's member, as the core writes paths.
fn key_path(key: &str) -> String {
    HashError::new(canonhash::ErrorCode::NotAnObject, String::new())
        .within_key(key)
        .path()
}

/// The keys in their first order, each once (a part's dict takes a repeated key once).
fn unique<'py>(keys: Option<Vec<Bound<'py, PyString>>>) -> PyResult<Vec<Bound<'py, PyString>>> {
    let mut kept: Vec<Bound<'py, PyString>> = Vec::new();
    for key in keys.unwrap_or_default() {
        let mut seen = false;
        for known in &kept {
            seen |= known.as_any().eq(key.as_any())?;
        }
        if !seen {
            kept.push(key);
        }
    }
    Ok(kept)
}
