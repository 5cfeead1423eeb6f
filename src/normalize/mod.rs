//! Normalization: who published a report, where, and for which year.
//!
//! Input is the [`Document`] (all its lines and tables) and the file's corpus path; output is an
//! [`Identity`]. Knowledge (gazetteer, abbreviations, renames, special zones) lives in `data/`
//! and is loaded once into a [`NameBook`] shared by all threads.

use crate::document::Document;
use crate::model::Identity;

/// Everything normalization knows, loaded once from the files in `data/`.
#[derive(Debug, Default)]
pub struct NameBook {}

impl NameBook {
    /// The book built from the data files embedded in the binary at compile time.
    pub fn embedded() -> NameBook {
        NameBook {}
    }
}

/// Finds the agency, region, tier, statistical year and publication date of a report.
pub fn identify(_doc: &Document, _source_path: &str, _book: &NameBook) -> Identity {
    Identity::default()
}
