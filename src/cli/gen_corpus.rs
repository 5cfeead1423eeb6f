//! `xxgk gen-corpus OUT_DIR --reports N [--seed S] [--layouts]`: writes a synthetic crawl for benchmarks
//! and scale tests (see [`crate::synth`]).

use std::path::PathBuf;

use clap::Args;

use crate::synth::{self, GenOptions};

/// Arguments of `gen-corpus`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Directory to write the corpus into.
    pub out: PathBuf,
    /// Number of files (≈94% reports, 5% other pages, 1% byte-identical copies).
    #[arg(long, default_value_t = 1000)]
    pub reports: usize,
    /// PRNG seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write each text report's tables in a layout drawn at random (pipes, markdown, a cell
    /// per line, U+3000, glued digits, a page on one line, figures after labels) instead of
    /// tabs: a corpus for measuring throughput on messy crawls.
    #[arg(long)]
    pub layouts: bool,
}

/// Generates the corpus; returns the exit code.
pub fn execute(args: GenArgs) -> i32 {
    match synth::generate(&GenOptions {
        out: args.out.clone(),
        files: args.reports,
        seed: args.seed,
        layouts: args.layouts,
    }) {
        Ok(summary) => {
            eprintln!("xxgk: generated {summary} in {}", args.out.display());
            0
        }
        Err(e) => {
            eprintln!("xxgk: {e}");
            1
        }
    }
}
