//! `xxgk run [CORPUS] [-o DIR] [-j N] [-q]`: the nightly job.

use std::path::PathBuf;

use clap::Args;

use crate::knowledge::Knowledge;
use crate::pipeline::{self, RunError, RunOptions};

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Corpus root: a directory walked recursively (files of any extension), or one file.
    #[arg(default_value = "data/sample")]
    pub corpus: PathBuf,
    /// Output directory for facts.parquet, reports.parquet and checks.parquet.
    #[arg(short, long, default_value = "output")]
    pub out: PathBuf,
    /// Worker threads (default: one per core).
    #[arg(short, long)]
    pub jobs: Option<usize>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    /// Files larger than this many bytes are recorded as unsupported, not read.
    #[arg(long, default_value_t = pipeline::DEFAULT_MAX_FILE_BYTES)]
    pub max_file_bytes: u64,
}

/// Runs the pipeline; returns the exit code.
pub fn execute(args: RunArgs) -> i32 {
    let knowledge = Knowledge::embedded();
    let opts = RunOptions {
        corpus: args.corpus,
        out: args.out.clone(),
        jobs: args.jobs,
        quiet: args.quiet,
        max_file_bytes: args.max_file_bytes,
    };
    match pipeline::run(&opts, &knowledge) {
        Ok(summary) => {
            eprintln!("xxgk: {summary}");
            eprintln!("xxgk: wrote {}", args.out.display());
            0
        }
        Err(e @ RunError::NoCorpus(_)) => {
            eprintln!("xxgk: {e}");
            2
        }
        Err(e) => {
            eprintln!("xxgk: {e}");
            1
        }
    }
}
