//! xxgk: reads Chinese government information-disclosure annual reports (政府信息公开工作年度报告)
//! of every era and format into a tidy long-format Parquet dataset.
//!
//! The pipeline, one module per stage, plain data between them:
//! [`ingest`] (walk, hash, sniff, decode, format → [`document::Document`]) →
//! [`document::layout`] (table grids from text) → [`template`] (which form) →
//! [`extract`] (tables and prose → [`model::Fact`]) → [`normalize`] (agency, region, year) →
//! [`validate`] (accounting identities) → [`sink`] (Parquet).
//! [`pipeline`] strings the stages together for one file and for a whole corpus.

pub mod budget;
pub mod classify;
pub mod cli;
pub mod document;
pub mod extract;
pub mod incremental;
pub mod ingest;
pub mod knowledge;
pub mod model;
pub mod normalize;
pub mod panel;
pub mod pipeline;
pub mod shard;
pub mod sink;
pub mod spill;
pub mod synth;
pub mod template;
pub mod validate;
