//! `xxgk run [CORPUS] [-o DIR] [-j N] [-q] [--full] [--verify] [--shard K/N]
//! [--partition-by year,province] [--timings] [--file-timeout SECS]`: the nightly job.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::knowledge::Knowledge;
use crate::pipeline::{self, RunError, RunOptions};
use crate::shard::Shard;
use crate::sink::PartitionBy;

/// A partition column on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PartitionArg {
    /// `year=2017/…`
    Year,
    /// `province=山东省/…`
    Province,
}

/// `--shard K/N` (or `/N`: K from the environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardArg {
    /// K, when given.
    pub index: Option<u32>,
    /// N.
    pub count: u32,
}

impl std::str::FromStr for ShardArg {
    type Err = String;

    fn from_str(s: &str) -> Result<ShardArg, String> {
        let bad = || format!("{s:?} is not K/N (e.g. 0/4, or /4 to take K from the environment)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let count = n.trim().parse().map_err(|_| bad())?;
        let index = match k.trim() {
            "" => None,
            k => Some(k.parse().map_err(|_| bad())?),
        };
        Ok(ShardArg { index, count })
    }
}

/// Seconds of `--file-timeout`: a finite, non-negative number no larger than a year.
fn parse_secs(s: &str) -> Result<f64, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(0.0..=31_536_000.0).contains(&secs) {
        return Err(format!(
            "{s:?}: give seconds between 0 (no limit) and 31536000"
        ));
    }
    Ok(secs)
}

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
    /// Time budget of one file, in seconds (fractions allowed; 0: no limit). Every stage
    /// checks it as it works; a file over it is recorded `failed` ("exceeded 60 s in html")
    /// and the run goes on. pdftotext is killed when it is spent.
    #[arg(long, value_name = "SECS", default_value_t = pipeline::DEFAULT_FILE_TIMEOUT.as_secs_f64(), value_parser = parse_secs)]
    pub file_timeout: f64,
    /// Parse every file again, ignoring the previous run's cache in OUT/.xxgk-cache.
    #[arg(long)]
    pub full: bool,
    /// Read and hash every file to decide whether it changed, even when its size, times
    /// and inode are those of the last run (which otherwise vouch for it unread).
    #[arg(long)]
    pub verify: bool,
    /// This process handles shard K of N (0-based K, e.g. `--shard 3/8`); `--shard /8`
    /// takes K from $JOB_COMPLETION_INDEX or $SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["shards", "shard_index"])]
    pub shard: Option<ShardArg>,
    /// Split the corpus into N shards by a hash of each file's path (one per machine).
    #[arg(long, value_name = "N")]
    pub shards: Option<u32>,
    /// Which shard this process handles, 0-based (default: $JOB_COMPLETION_INDEX, then
    /// $SLURM_ARRAY_TASK_ID).
    #[arg(long, value_name = "K")]
    pub shard_index: Option<u32>,
    /// Write Hive-style partition directories (e.g. year=2017/facts.parquet).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub partition_by: Vec<PartitionArg>,
    /// After N shard runs into DIR: write the whole-corpus dataset to OUT from their records
    /// (parsing only files no shard holds), with duplicates and checks across years found
    /// over all shards. OUT must not be DIR.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["shard", "shards", "shard_index", "full"])]
    pub from_shards: Option<PathBuf>,
    /// Print the wall time of each phase (walk, process, link, write, publish).
    #[arg(long)]
    pub timings: bool,
    /// Files per parallel batch (memory grows with it, not with the corpus).
    #[arg(long, default_value_t = pipeline::DEFAULT_CHUNK_FILES, hide = true)]
    pub chunk_files: usize,
}

/// Runs the pipeline; returns the exit code.
pub fn execute(args: RunArgs) -> i32 {
    let (count, index) = match args.shard {
        Some(ShardArg { index, count }) => (Some(count), index),
        None => (args.shards, args.shard_index),
    };
    let shard = match Shard::resolve(count, index, |v| std::env::var(v).ok()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("xxgk: {e}");
            return 2;
        }
    };
    let mut partition_by: Vec<PartitionBy> = Vec::new();
    for p in &args.partition_by {
        let p = match p {
            PartitionArg::Year => PartitionBy::Year,
            PartitionArg::Province => PartitionBy::Province,
        };
        if !partition_by.contains(&p) {
            partition_by.push(p);
        }
    }
    if let Some(dir) = &args.from_shards
        && same_directory(dir, &args.out)
    {
        eprintln!(
            "xxgk: --from-shards {}: write the merged dataset to another directory than the \
             shards' (their files would be read twice)",
            dir.display()
        );
        return 2;
    }
    let opts = RunOptions {
        jobs: args.jobs,
        quiet: args.quiet,
        max_file_bytes: args.max_file_bytes,
        file_timeout: (args.file_timeout > 0.0).then(|| Duration::from_secs_f64(args.file_timeout)),
        full: args.full,
        verify: args.verify,
        shard,
        partition_by,
        chunk_files: args.chunk_files,
        from_shards: args.from_shards.clone(),
        ..RunOptions::new(args.corpus, args.out.clone())
    };
    match pipeline::run_loading(&opts, Knowledge::embedded) {
        Ok(summary) => {
            eprintln!("xxgk: {summary}");
            if args.timings {
                eprintln!("xxgk: phases: {}", summary.phase_line());
            }
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

/// True when `a` and `b` name the same directory (or the same path, if either is missing).
fn same_directory(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_argument_is_k_of_n() {
        let parse = |s: &str| s.parse::<ShardArg>();
        assert_eq!(
            parse("3/8"),
            Ok(ShardArg {
                index: Some(3),
                count: 8
            })
        );
        assert_eq!(
            parse("/8"),
            Ok(ShardArg {
                index: None,
                count: 8
            })
        );
        assert!(parse("3").is_err());
        assert!(parse("a/8").is_err());
    }
}
