//! Fuzz target: text decoding and the plain-text reader must accept any bytes without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxgk::ingest::{Format, decode, read_document};

fuzz_target!(|data: &[u8]| {
    let _ = decode::decode_text(data);
    let _ = decode::decode_html(data);
    let _ = read_document(Format::Txt, data);
});
