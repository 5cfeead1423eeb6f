//! Spreadsheet reader (not yet implemented).

use super::{Decoded, Format, ReadError};

/// Reads a spreadsheet.
pub fn read(_bytes: &[u8]) -> Result<Decoded, ReadError> {
    Err(ReadError::Unsupported("spreadsheets are not read yet".to_string()))
}

/// Tells a zip container's office format from its entries (`word/` → docx, `xl/` → xlsx).
pub fn sniff_zip(_bytes: &[u8]) -> Option<Format> {
    None
}
