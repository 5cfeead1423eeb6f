//! pdf reader (not yet implemented).

use super::{Decoded, ReadError};

/// Reads a pdf file.
pub fn read(_bytes: &[u8]) -> Result<Decoded, ReadError> {
    Err(ReadError::Unsupported("pdf is not read yet".to_string()))
}
