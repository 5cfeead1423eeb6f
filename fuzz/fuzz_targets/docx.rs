//! Fuzz target: the DOCX reader (zip container, document.xml events, merges) on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxgk::ingest::{Format, read_document, sniff_format};

fuzz_target!(|data: &[u8]| {
    let _ = sniff_format(std::path::Path::new("fuzz"), data);
    let _ = read_document(Format::Docx, data);
});
