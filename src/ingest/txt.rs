//! Plain-text reader: decode, split into lines, find the tables the layout implies.

use super::{Decoded, ReadError, decode};
use crate::document::{Document, layout};

/// Reads a plain-text file.
pub fn read(bytes: &[u8]) -> Result<Decoded, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::Unreadable("empty file".to_string()));
    }
    let text = decode::decode_text(bytes);
    let mut doc = Document::from_text(&text.text);
    layout::find_tables(&mut doc);
    let partial = text.partial_reason();
    Ok(Decoded {
        doc,
        encoding: Some(text.encoding),
        partial,
    })
}
