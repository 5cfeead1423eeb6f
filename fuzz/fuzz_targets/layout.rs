//! Fuzz target: table detection in plain text (the path PDF text and .txt files take).
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxgk::document::{Document, layout};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut doc = Document::from_text(&text);
    layout::find_tables(&mut doc);
});
