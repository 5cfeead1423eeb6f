//! Fuzz target: the spreadsheet reader (calamine on XLS/XLSX/ODS) and OLE handling on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxgk::ingest::{Format, read_document};

fuzz_target!(|data: &[u8]| {
    let _ = read_document(Format::Xls, data);
    let _ = read_document(Format::Doc, data);
});
