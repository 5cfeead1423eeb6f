//! html reader (not yet implemented).

use super::{Decoded, ReadError};

/// Reads a html file.
pub fn read(_bytes: &[u8]) -> Result<Decoded, ReadError> {
    Err(ReadError::Unsupported("html is not read yet".to_string()))
}
