//! `xxgk gen-corpus OUT_DIR --reports N [--seed S]`: writes a synthetic crawl for benchmarks
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
}

/// Generates the corpus; returns the exit code.
pub fn execute(args: GenArgs) -> i32 {
    match synth::generate(&GenOptions {
        out: args.out.clone(),
        files: args.reports,
        seed: args.seed,
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
