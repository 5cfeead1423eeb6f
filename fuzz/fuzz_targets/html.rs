//! Fuzz target: the HTML reader (charset sniffing, html5ever, span expansion) on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxgk::ingest::{Format, read_document};

fuzz_target!(|data: &[u8]| {
    let _ = read_document(Format::Html, data);
});
