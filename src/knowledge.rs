//! The knowledge xxgk reads reports with, loaded once from the files in `data/`.
//!
//! The files are embedded in the binary at compile time (a user's machine has only the binary),
//! parsed once into a [`Knowledge`] that all threads share by reference. Its
//! [`Knowledge::version`] is a hash of every embedded file: a change of any label, synonym or
//! rule changes it, which is how outputs and incremental re-runs know what produced them.

use rustc_hash::FxHashMap;

use serde::Deserialize;

use crate::classify::ClassifyRules;
use crate::document::glued::GluedWords;
use crate::extract::headers::HeaderWords;
use crate::extract::labels::LabelBook;
use crate::extract::prose::ProseRules;
use crate::normalize::NameBook;
use crate::panel::PanelRules;
use crate::validate::CheckBook;

/// The embedded data files, by name, in a fixed order (the order feeds the version hash).
pub const DATA_FILES: &[(&str, &str)] = &[
    ("indicators.csv", include_str!("../data/indicators.csv")),
    (
        "rules/labels_2008.csv",
        include_str!("../data/rules/labels_2008.csv"),
    ),
    ("rules/forms.csv", include_str!("../data/rules/forms.csv")),
    ("rules/form4.csv", include_str!("../data/rules/form4.csv")),
    (
        "rules/templates.csv",
        include_str!("../data/rules/templates.csv"),
    ),
    ("rules/prose.csv", include_str!("../data/rules/prose.csv")),
    ("rules/checks.csv", include_str!("../data/rules/checks.csv")),
    (
        "rules/classify.csv",
        include_str!("../data/rules/classify.csv"),
    ),
    (
        "rules/headers.csv",
        include_str!("../data/rules/headers.csv"),
    ),
    ("rules/agency.csv", include_str!("../data/rules/agency.csv")),
    ("rules/cells.csv", include_str!("../data/rules/cells.csv")),
    ("rules/panel.csv", include_str!("../data/rules/panel.csv")),
    (
        "gazetteer/provinces.csv",
        include_str!("../data/gazetteer/provinces.csv"),
    ),
    (
        "gazetteer/cities.csv",
        include_str!("../data/gazetteer/cities.csv"),
    ),
    (
        "gazetteer/areas.csv",
        include_str!("../data/gazetteer/areas.csv"),
    ),
    (
        "division_renames.csv",
        include_str!("../data/division_renames.csv"),
    ),
    (
        "special_zones.csv",
        include_str!("../data/special_zones.csv"),
    ),
    ("area_codes.csv", include_str!("../data/area_codes.csv")),
    (
        "postal_prefixes.csv",
        include_str!("../data/postal_prefixes.csv"),
    ),
    (
        "agency_abbreviations.csv",
        include_str!("../data/agency_abbreviations.csv"),
    ),
    (
        "national_agencies.csv",
        include_str!("../data/national_agencies.csv"),
    ),
];

/// Returns the embedded text of a data file.
pub fn data_file(name: &str) -> &'static str {
    DATA_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or("")
}

/// Parses a CSV data file (with `#` comment lines) into rows of `T`.
///
/// Data files are part of the build; a malformed row is a programming error caught by the
/// tests, so it panics with the file name and row instead of being skipped silently.
pub fn parse_csv<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Vec<T> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(false)
        .from_reader(text.as_bytes());
    rdr.deserialize()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|e| panic!("data/{name}: row {}: {e}", i + 1)))
        .collect()
}

/// One indicator of `indicators.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct Indicator {
    /// Indicator id, e.g. `requests.received.total`.
    pub id: String,
    /// Unit, e.g. `件`.
    pub unit: String,
    /// Template eras the indicator occurs in.
    pub templates: String,
    /// The official label(s).
    pub label: String,
    /// Notes.
    #[serde(default)]
    pub notes: String,
}

/// The indicator taxonomy: ids and units.
#[derive(Debug, Default)]
pub struct Taxonomy {
    /// Indicators in file order.
    pub indicators: Vec<Indicator>,
    /// Position by id (Fx: looked up for every table cell read).
    by_id: FxHashMap<String, usize>,
}

impl Taxonomy {
    /// Parses `indicators.csv`.
    pub fn parse(text: &str) -> Taxonomy {
        let indicators: Vec<Indicator> = parse_csv("indicators.csv", text);
        let by_id = indicators
            .iter()
            .enumerate()
            .map(|(i, ind)| (ind.id.clone(), i))
            .collect();
        Taxonomy { indicators, by_id }
    }

    /// The indicator with this id.
    pub fn get(&self, id: &str) -> Option<&Indicator> {
        self.by_id.get(id).map(|&i| &self.indicators[i])
    }

    /// The unit of an indicator (`None` for unknown ids).
    pub fn unit(&self, id: &str) -> Option<&str> {
        self.get(id).map(|i| i.unit.as_str())
    }

    /// The position of an indicator in [`Taxonomy::indicators`] (`None` for unknown ids).
    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

/// Template markers: which header words identify which form.
#[derive(Debug, Clone, Deserialize)]
pub struct TemplateMarker {
    /// `2008`, `2019` or `2021`.
    pub template: String,
    /// Text that only that form's tables carry.
    pub marker: String,
}

/// Everything xxgk knows, loaded once.
#[derive(Debug)]
pub struct Knowledge {
    /// Indicator ids and units.
    pub taxonomy: Taxonomy,
    /// Table labels of every era.
    pub labels: LabelBook,
    /// Sentence patterns.
    pub prose: ProseRules,
    /// Template markers.
    pub templates: Vec<TemplateMarker>,
    /// Accounting identities.
    pub checks: CheckBook,
    /// Agency, region and year knowledge.
    pub names: NameBook,
    /// Words that tell a report from other pages.
    pub classify: ClassifyRules,
    /// Header words of the statistics tables.
    pub headers: HeaderWords,
    /// The words that rebuild tables glued into running text.
    pub glued: GluedWords,
    /// Which indicators feed each measure of the panel, per era.
    pub panel: PanelRules,
    version: String,
}

impl Knowledge {
    /// Loads the embedded data files.
    pub fn embedded() -> Knowledge {
        let taxonomy = Taxonomy::parse(data_file("indicators.csv"));
        let labels = LabelBook::parse(
            data_file("rules/labels_2008.csv"),
            data_file("rules/forms.csv"),
            data_file("rules/form4.csv"),
        );
        let prose = ProseRules::parse(data_file("rules/prose.csv"));
        let templates = parse_csv("rules/templates.csv", data_file("rules/templates.csv"));
        let checks = CheckBook::parse(data_file("rules/checks.csv"), &labels, &taxonomy);
        let names = NameBook::embedded();
        let classify = ClassifyRules::parse(data_file("rules/classify.csv"));
        let headers = HeaderWords::parse(data_file("rules/headers.csv"));
        let glued = GluedWords::new(data_file("rules/cells.csv"), labels.row_marks());
        let panel = PanelRules::parse(data_file("rules/panel.csv"), &labels);
        let mut hasher = blake3::Hasher::new();
        for (name, text) in DATA_FILES {
            hasher.update(name.as_bytes());
            hasher.update(text.as_bytes());
        }
        let version = hasher.finalize().to_hex()[..16].to_string();
        Knowledge {
            taxonomy,
            labels,
            prose,
            templates,
            checks,
            names,
            classify,
            headers,
            glued,
            panel,
            version,
        }
    }

    /// A hash of all embedded data: changes whenever a label, rule or name list changes.
    pub fn version(&self) -> &str {
        &self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_rule_ids_are_in_the_taxonomy() {
        let k = Knowledge::embedded();
        for rule in &k.labels.rows_2008 {
            assert!(
                k.taxonomy.get(&rule.indicator).is_some(),
                "labels_2008.csv: unknown id {}",
                rule.indicator
            );
        }
        for id in k.labels.form4.iter() {
            assert!(k.taxonomy.get(id).is_some(), "form4.csv: unknown id {id}");
        }
        for rule in k.prose.rules() {
            assert!(
                k.taxonomy.get(&rule.indicator).is_some(),
                "prose.csv: unknown id {}",
                rule.indicator
            );
        }
        assert_eq!(k.version().len(), 16);
    }

    /// Every file of `data/rules/` is embedded, so it is in the binary and in
    /// [`Knowledge::version`]: a change to it invalidates incremental caches.
    #[test]
    fn every_rule_file_is_embedded_and_hashed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/rules");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("rules/{}", path.file_name().unwrap().to_string_lossy());
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(data_file(&name), text, "{name} is not in DATA_FILES");
            checked += 1;
        }
        assert!(checked >= 9, "{checked}");
    }
}
