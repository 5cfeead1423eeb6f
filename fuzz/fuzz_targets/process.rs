//! Every stage at once: arbitrary bytes, under a name that picks the reader by extension when
//! the content does not, go through `process_bytes` (ingest, layout, extraction,
//! normalization, checks). Nothing may panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use xxgk::knowledge::Knowledge;

fn knowledge() -> &'static Knowledge {
    static K: OnceLock<Knowledge> = OnceLock::new();
    K.get_or_init(Knowledge::embedded)
}

fuzz_target!(|data: &[u8]| {
    let names = ["a.txt", "a.html", "a.docx", "a.xlsx", "a.pdf", "a"];
    let name = names[data.first().map_or(0, |b| *b as usize) % names.len()];
    let _ = xxgk::pipeline::process_bytes(name, data, knowledge());
});
