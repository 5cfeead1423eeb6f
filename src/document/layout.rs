//! Table detection in plain text (stub).

use super::Document;

/// Finds the tables in the document's lines and stores them in `doc.tables`.
pub fn find_tables(_doc: &mut Document) {}
