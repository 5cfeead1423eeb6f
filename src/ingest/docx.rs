//! docx reader (not yet implemented).

use super::{Decoded, ReadError};

/// Reads a docx file.
pub fn read(_bytes: &[u8]) -> Result<Decoded, ReadError> {
    Err(ReadError::Unsupported("docx is not read yet".to_string()))
}
