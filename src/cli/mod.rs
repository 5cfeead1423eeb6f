//! The command line: one module per subcommand (`run`, `inspect`, `rates`, `gen-corpus`), as
//! xsv does.
//!
//! `xxgk` with no subcommand means `xxgk run`, so `cargo run --release` processes the bundled
//! sample corpus into `output/`. Exit status: 0 when the run completed (whatever individual
//! files did), 1 when the output could not be written, 2 for bad arguments.

pub mod gen_corpus;
pub mod inspect;
pub mod rates;
pub mod run;

use clap::{Parser, Subcommand};

/// xxgk: Chinese government information-disclosure annual reports → tidy Parquet.
#[derive(Debug, Parser)]
#[command(name = "xxgk", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every file under CORPUS and write facts / reports / checks Parquet into OUT.
    Run(run::RunArgs),
    /// Show what was read from one file, and where: identity, every fact, every check.
    Inspect(inspect::InspectArgs),
    /// Pooled disclosure and correction rates from a dataset's panel.parquet (table, CSV,
    /// JSON, or an HTML page).
    Rates(rates::RatesArgs),
    /// Write a synthetic crawl of N files derived from the seed reports (benchmarks, scale tests).
    GenCorpus(gen_corpus::GenArgs),
}

/// Subcommand names, used to tell `xxgk CORPUS` from `xxgk SUBCOMMAND`.
const SUBCOMMANDS: &[&str] = &["run", "inspect", "rates", "gen-corpus", "help"];

/// Parses arguments, inserting `run` when no subcommand is given.
pub fn parse(args: Vec<String>) -> Result<Cli, clap::Error> {
    let mut args = args;
    let needs_run = match args.get(1) {
        None => true,
        Some(a) => {
            !SUBCOMMANDS.contains(&a.as_str())
                && !matches!(a.as_str(), "-h" | "--help" | "-V" | "--version")
        }
    };
    if needs_run {
        args.insert(1.min(args.len()), "run".to_string());
    }
    Cli::try_parse_from(args)
}

/// Runs the parsed command; returns the process exit code.
pub fn dispatch(cli: Cli) -> i32 {
    match cli.command {
        Command::Run(a) => run::execute(a),
        Command::Inspect(a) => inspect::execute(a),
        Command::Rates(a) => rates::execute(a),
        Command::GenCorpus(a) => gen_corpus::execute(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn no_subcommand_means_run_with_defaults() {
        let Command::Run(a) = parse(argv("xxgk")).unwrap().command else {
            panic!()
        };
        assert_eq!(a.corpus.to_str(), Some("data/sample"));
        assert_eq!(a.out.to_str(), Some("output"));
        let Command::Run(a) = parse(argv("xxgk /crawl -o /data -j 2 -q")).unwrap().command else {
            panic!()
        };
        assert_eq!(
            (a.corpus.to_str(), a.out.to_str(), a.jobs, a.quiet),
            (Some("/crawl"), Some("/data"), Some(2), true)
        );
        assert!(matches!(
            parse(argv("xxgk inspect f.txt")).unwrap().command,
            Command::Inspect(_)
        ));
        assert!(parse(argv("xxgk run --bogus")).is_err());
        let Command::Rates(r) = parse(argv("xxgk rates out --by city,year --format csv"))
            .unwrap()
            .command
        else {
            panic!()
        };
        assert_eq!((r.out.to_str(), r.by.len()), (Some("out"), 2));
        let Command::Rates(r) = parse(argv("xxgk rates out")).unwrap().command else {
            panic!()
        };
        assert_eq!(
            (r.by, r.format),
            (
                vec![rates::ByArg::Province, rates::ByArg::Year],
                rates::FormatArg::Table
            )
        );
    }

    #[test]
    fn scale_options_and_gen_corpus_parse() {
        let cmd = "xxgk run /crawl --shards 4 --shard-index 1 --partition-by year,province --full";
        let Command::Run(a) = parse(argv(cmd)).unwrap().command else {
            panic!()
        };
        assert_eq!(
            (a.shards, a.shard_index, a.full, a.partition_by.len()),
            (Some(4), Some(1), true, 2)
        );
        let Command::GenCorpus(g) = parse(argv("xxgk gen-corpus /tmp/c --reports 50 --seed 3"))
            .unwrap()
            .command
        else {
            panic!()
        };
        assert_eq!((g.reports, g.seed, g.out.to_str()), (50, 3, Some("/tmp/c")));
    }
}
