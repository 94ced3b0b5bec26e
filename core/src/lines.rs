//! `example_lines`: the NDJSON lines of an upsert or plan request for a block of examples, as
//! UTF-8 bytes in one call, byte for byte what the SDK wrote with one `canonicalize` per line.
//!
//! A line with content is `{"content_hash":…,"input":…,"metadata":…,"output":…,"source_id":…}`
//! (the canonical member order); without, `{"content_hash":…,"source_id":…}`. The content of a
//! record is recorded as a tape and written at once on this thread (see [`crate::tape`]: no
//! Python code runs between the two, so what the tape borrows is alive); a record the tape does
//! not take is made into the SDK's entry `dict` and canonicalized the general way, so the two
//! paths agree by construction.

use canonhash::write_json_string;
use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::canon::canonical_bytes;
use crate::tape::{Member, Op, Recorder, Selection, prefetch_records, write_parts};

/// The lines of the examples at `rows`: see the stub for the contract.
#[pyfunction]
#[pyo3(signature = (
    source_ids, hashes, records = None, *, rows = None, needed = None, texts = false,
    flat = false, input_keys = None, output_keys = None, metadata_keys = None, source_id_key = None
))]
#[allow(clippy::too_many_arguments)]
pub fn example_lines<'py>(
    source_ids: &Bound<'py, PyList>,
    hashes: &Bound<'py, PyList>,
    records: Option<&Bound<'py, PyAny>>,
    rows: Option<&Bound<'py, PyAny>>,
    needed: Option<&Bound<'py, PyAny>>,
    texts: bool,
    flat: bool,
    input_keys: Option<Vec<Bound<'py, PyString>>>,
    output_keys: Option<Vec<Bound<'py, PyString>>>,
    metadata_keys: Option<Vec<Bound<'py, PyString>>>,
    source_id_key: Option<Bound<'py, PyString>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let py = source_ids.py();
    let count = source_ids.len();
    if hashes.len() != count {
        let hashes = hashes.len();
        return Err(PyValueError::new_err(format!(
            "source_ids and hashes must be as long: {count} source ids, {hashes} hashes"
        )));
    }
    if texts && flat {
        return Err(PyValueError::new_err(
            "flat= applies to records given as values, not texts=",
        ));
    }
    let rows: Vec<usize> = match rows {
        Some(rows) => rows.try_iter()?.map(|row| row?.extract()).collect::<PyResult<_>>()?,
        None => (0..count).collect(),
    };
    if let Some(&row) = rows.iter().find(|&&row| row >= count) {
        return Err(PyIndexError::new_err(format!(
            "row {row} is out of range ({count} examples)"
        )));
    }
    // The records of the rows, in a list of our own that no Python code changes while it is
    // read (a sequence's own `__getitem__` runs here, before any tape is recorded).
    let block = records
        .map(|records| -> PyResult<_> {
            let items = rows
                .iter()
                .map(|&row| records.get_item(row))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)
        })
        .transpose()?;
    let id_name = source_id_key.map(|key| key.to_str().map(str::to_owned)).transpose()?;
    let selection = flat
        .then(|| crate::prepare::selection(input_keys, output_keys, metadata_keys, id_name))
        .transpose()?;
    // The buffers of the previous call, kept: fresh megabytes would be faulted in each block.
    let (out, ops, members) = SCRATCH.with_borrow_mut(std::mem::take);
    let mut writer = Writer {
        out,
        ops,
        members,
        selection: selection.as_ref(),
    };
    let written = writer.write_rows(source_ids, hashes, &rows, block.as_ref(), needed, texts);
    let bytes = written.map(|()| PyBytes::new(py, &writer.out));
    writer.out.clear();
    if writer.out.capacity() <= KEPT_BYTES {
        SCRATCH.with_borrow_mut(|scratch| *scratch = (writer.out, writer.ops, writer.members));
    }
    bytes
}

/// The largest output buffer kept for the next call (a block of 2,000 ~1 KB examples is 2 MB).
const KEPT_BYTES: usize = 16 << 20;

thread_local! {
    static SCRATCH: std::cell::RefCell<(Vec<u8>, Vec<Op>, Vec<Member>)> = const {
        std::cell::RefCell::new((Vec::new(), Vec::new(), Vec::new()))
    };
}

impl<'py> Writer<'_, 'py> {
    /// Writes the line of each of `rows` (`block`: their records, when given).
    fn write_rows(
        &mut self,
        source_ids: &Bound<'py, PyList>,
        hashes: &Bound<'py, PyList>,
        rows: &[usize],
        block: Option<&Bound<'py, PyList>>,
        needed: Option<&Bound<'py, PyAny>>,
        texts: bool,
    ) -> PyResult<()> {
        let py = source_ids.py();
        for (at, &row) in rows.iter().enumerate() {
            // Read anew at each row, with bounds checked: a record's own methods (the general
            // path) may have changed the lists.
            let (id, hash) = (text_of(source_ids, "source_ids", row)?, text_of(hashes, "hashes", row)?);
            let content = match (block, needed) {
                (None, _) => None,
                (Some(_), Some(needed)) if !needed.contains(&id)? => None,
                (Some(block), _) => Some(block),
            };
            let Some(block) = content else {
                self.bare(&id, &hash)?;
                continue;
            };
            if texts {
                self.text_line(&id, &hash, &block.get_item(at)?, row)?;
                continue;
            }
            // Borrowed, not counted: a new reference would write to the record's memory now.
            // SAFETY: in range of a list only this call holds; its items outlive the loop.
            let ahead = |offset: usize| {
                (at + offset < block.len()).then(|| unsafe {
                    Borrowed::from_ptr(py, ffi::PyList_GetItem(block.as_ptr(), (at + offset) as isize))
                })
            };
            prefetch_records(ahead);
            self.content_line(&id, &hash, &block.get_item(at)?)?;
        }
        Ok(())
    }
}

/// The `str` at `row` of the list named `name`.
fn text_of<'py>(list: &Bound<'py, PyList>, name: &str, row: usize) -> PyResult<Bound<'py, PyString>> {
    let item = list.get_item(row)?;
    item.cast_into::<PyString>().map_err(|error| {
        let kind = error
            .into_inner()
            .get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |name| name.to_string());
        PyTypeError::new_err(format!("{name}[{row}] must be a str, not {kind}"))
    })
}

/// The bytes being written, and scratch space reused across lines.
struct Writer<'a, 'py> {
    out: Vec<u8>,
    ops: Vec<Op>,
    members: Vec<Member>,
    selection: Option<&'a Selection<'py>>,
}

impl<'py> Writer<'_, 'py> {
    /// `{"content_hash":…,"source_id":…}` and its newline.
    fn bare(&mut self, id: &Bound<'py, PyString>, hash: &Bound<'py, PyString>) -> PyResult<()> {
        self.out.extend_from_slice(b"{\"content_hash\":");
        write_json_string(hash.to_str()?, &mut self.out);
        self.out.extend_from_slice(b",\"source_id\":");
        write_json_string(id.to_str()?, &mut self.out);
        self.out.extend_from_slice(b"}\n");
        Ok(())
    }

    /// The line of a record given as Python values, and its newline.
    fn content_line(
        &mut self,
        id: &Bound<'py, PyString>,
        hash: &Bound<'py, PyString>,
        record: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        let (id_text, hash_text) = (id.to_str()?, hash.to_str()?);
        self.ops.clear();
        let mut recorder = Recorder { ops: &mut self.ops };
        let taped = match self.selection {
            Some(selection) => recorder.flat(record.as_borrowed(), selection),
            None => recorder.line_parts(record.as_borrowed()),
        };
        if taped.is_err() {
            let entry = self.general_entry(id, hash, record)?;
            self.out.extend_from_slice(&canonical_bytes(entry.as_any())?);
            self.out.push(b'\n');
            return Ok(());
        }
        self.out.extend_from_slice(b"{\"content_hash\":");
        write_json_string(hash_text, &mut self.out);
        self.out.push(b',');
        // SAFETY: the tape was just recorded; no Python code ran since.
        unsafe { write_parts(&self.ops, &mut self.out, &mut self.members) };
        self.out.extend_from_slice(b",\"source_id\":");
        write_json_string(id_text, &mut self.out);
        self.out.extend_from_slice(b"}\n");
        Ok(())
    }

    /// The SDK's entry of a record the tape does not take, made through the record's own
    /// methods: `{"source_id", "content_hash", "input": content["input"], "output":
    /// content.get("output"), "metadata": content.get("metadata")}`, where the content is the
    /// record itself or its flat selection.
    fn general_entry(
        &self,
        id: &Bound<'py, PyString>,
        hash: &Bound<'py, PyString>,
        record: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let py = record.py();
        let entry = PyDict::new(py);
        entry.set_item("source_id", id)?;
        entry.set_item("content_hash", hash)?;
        let Some(selection) = self.selection else {
            entry.set_item("input", record.get_item("input")?)?;
            for part in ["output", "metadata"] {
                entry.set_item(part, record.call_method1("get", (part,))?)?;
            }
            return Ok(entry);
        };
        let input_keys: Vec<Bound<'py, PyAny>> = match &selection.input {
            Some(keys) => keys.iter().map(|key| key.clone().into_any()).collect(),
            None => {
                let mut keys = Vec::new();
                for key in record.try_iter()? {
                    let key = key?;
                    let taken = match key.cast::<PyString>() {
                        Ok(name) => selection
                            .taken
                            .iter()
                            .any(|taken| name.to_cow().is_ok_and(|n| n == *taken)),
                        Err(_) => false,
                    };
                    if !taken {
                        keys.push(key);
                    }
                }
                keys
            }
        };
        let output_keys = selection.output.iter().map(|key| key.clone().into_any()).collect();
        let metadata_keys = selection.metadata.iter().map(|key| key.clone().into_any()).collect();
        for (part, keys) in [
            ("input", input_keys),
            ("output", output_keys),
            ("metadata", metadata_keys),
        ] {
            let members = PyDict::new(py);
            for key in keys {
                members.set_item(&key, record.get_item(&key)?)?;
            }
            entry.set_item(part, members)?;
        }
        Ok(entry)
    }

    /// The line of a record of `read_file` (`(line, index, source_id, content_hash, input,
    /// output, metadata)`, its content canonical JSON texts, written as they are), and its
    /// newline.
    fn text_line(
        &mut self,
        id: &Bound<'py, PyString>,
        hash: &Bound<'py, PyString>,
        record: &Bound<'py, PyAny>,
        row: usize,
    ) -> PyResult<()> {
        let record = record
            .cast::<PyTuple>()
            .map_err(|_| PyTypeError::new_err(format!("records[{row}] must be a record of read_file (a tuple)")))?;
        let part = |index: usize| -> PyResult<Bound<'py, PyString>> {
            record.get_item(index)?.cast_into::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "records[{row}] has no content (read_file(..., with_content=True) gives it)"
                ))
            })
        };
        let (input, output, metadata) = (part(4)?, part(5)?, part(6)?);
        self.out.extend_from_slice(b"{\"content_hash\":");
        write_json_string(hash.to_str()?, &mut self.out);
        for (name, text) in [("input", &input), ("metadata", &metadata), ("output", &output)] {
            self.out.extend_from_slice(b",\"");
            self.out.extend_from_slice(name.as_bytes());
            self.out.extend_from_slice(b"\":");
            self.out.extend_from_slice(text.to_str()?.as_bytes());
        }
        self.out.extend_from_slice(b",\"source_id\":");
        write_json_string(id.to_str()?, &mut self.out);
        self.out.extend_from_slice(b"}\n");
        Ok(())
    }
}
