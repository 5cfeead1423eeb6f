//! Plain-text reader: decode, split into lines, find the tables the layout implies.

use super::{Decoded, ReadError, decode};
use crate::budget::Deadline;
use crate::document::{Document, layout};

/// Reads a plain-text file.
pub fn read(bytes: &[u8]) -> Result<Decoded, ReadError> {
    read_within(bytes, &Deadline::none())
}

/// Reads a plain-text file, its tables looked for until `deadline`.
pub fn read_within(bytes: &[u8], deadline: &Deadline) -> Result<Decoded, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::Unreadable("empty file".to_string()));
    }
    let text = decode::decode_text(bytes);
    let mut doc = Document::from_text(&text.text);
    layout::find_tables_within(&mut doc, deadline);
    let partial = text.partial_reason();
    Ok(Decoded {
        doc,
        encoding: Some(text.encoding),
        partial,
    })
}
