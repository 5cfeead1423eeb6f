//! Scale behaviour end to end on generated corpora: the chunked, spilling run writes exactly
//! what sorting everything in memory writes (whatever `-j` and chunk size), an incremental
//! re-run equals a fresh run after files change, appear and vanish, and four shards run as
//! separate processes together hold the rows of the single-machine run, which a run over
//! their records reproduces byte for byte.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::{
    Array, BooleanArray, Date32Array, Float64Array, Int16Array, Int32Array, Int64Array, StringArray,
};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use xxgk::knowledge::Knowledge;
use xxgk::pipeline::{self, RunOptions};
use xxgk::sink::{self, PartitionBy, SinkOptions};
use xxgk::synth::{self, GenOptions};

const TABLES: [&str; 4] = ["facts", "reports", "checks", "panel"];

fn generate(dir: &Path, files: usize, seed: u64) -> PathBuf {
    let corpus = dir.join("corpus");
    synth::generate(&GenOptions {
        out: corpus.clone(),
        files,
        seed,
        layouts: false,
    })
    .unwrap();
    corpus
}

fn opts(corpus: &Path, out: &Path, jobs: usize, chunk: usize) -> RunOptions {
    RunOptions {
        jobs: Some(jobs),
        chunk_files: chunk,
        ..RunOptions::new(corpus, out)
    }
}

/// Runs `corpus` afresh into `dir/fresh` (one thread, one chunk), checks that `out` holds
/// the same dataset, and returns the fresh run's directory.
fn assert_same_as_fresh_run(dir: &Path, corpus: &Path, k: &Knowledge, out: &Path) -> PathBuf {
    let fresh = dir.join("fresh");
    pipeline::run(&opts(corpus, &fresh, 1, 2048), k).unwrap();
    assert_same_dataset(&fresh, out);
    fresh
}

fn assert_same_dataset(a: &Path, b: &Path) {
    for t in TABLES {
        let (x, y) = (
            fs::read(a.join(format!("{t}.parquet"))).unwrap(),
            fs::read(b.join(format!("{t}.parquet"))).unwrap(),
        );
        assert!(
            x == y,
            "{t}.parquet differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// The old way: every record in memory, duplicates marked, sorted and written at once.
fn in_memory_run(corpus: &Path, out: &Path, k: &Knowledge) {
    let mut records: Vec<_> = pipeline::walk(corpus)
        .iter()
        .map(|e| pipeline::process_entry(e, k, pipeline::DEFAULT_MAX_FILE_BYTES).record)
        .collect();
    pipeline::mark_duplicates(&mut records);
    pipeline::link_years(&mut records);
    sink::write_dataset(
        out,
        &records,
        &k.panel,
        &SinkOptions::new(env!("CARGO_PKG_VERSION"), k.version()),
    )
    .unwrap();
}

#[test]
fn chunked_run_equals_in_memory_run_whatever_jobs_and_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generate(dir.path(), 160, 11);
    let k = Knowledge::embedded();
    let reference = dir.path().join("memory");
    in_memory_run(&corpus, &reference, &k);
    // The last configuration also spills every sort group of more than 3 rows to disk, as a
    // group too large for memory does (e.g. every report of unknown agency in one year).
    for (jobs, chunk, group_rows) in [(1, 2048, 1 << 20), (2, 16, 1 << 20), (2, 1, 3)] {
        let out = dir.path().join(format!("j{jobs}c{chunk}"));
        let s = pipeline::run(
            &RunOptions {
                full: true,
                group_rows,
                ..opts(&corpus, &out, jobs, chunk)
            },
            &k,
        )
        .unwrap();
        assert_eq!(s.files, 160);
        assert_same_dataset(&reference, &out);
        let leftovers: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".xxgk-work") || n.contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

/// Changes the corpus the way a night of crawling does.
fn mutate(corpus: &Path) -> (usize, usize, usize) {
    let files: Vec<PathBuf> = pipeline::walk(corpus).into_iter().map(|e| e.path).collect();
    // The original of a byte-identical copy disappears: the copy must take its place.
    let copies: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.to_string_lossy().contains("mirror.gov.cn"))
        .collect();
    let mut removed = 0;
    for copy in &copies {
        let bytes = fs::read(copy).unwrap();
        if let Some(original) = files.iter().find(|p| {
            !p.to_string_lossy().contains("mirror.gov.cn")
                && p.exists()
                && fs::read(p).unwrap() == bytes
        }) {
            fs::remove_file(original).unwrap();
            removed += 1;
        }
    }
    for p in files.iter().step_by(37).take(2) {
        if p.exists() {
            fs::remove_file(p).unwrap();
            removed += 1;
        }
    }
    let mut changed = 0;
    for p in files.iter().skip(5).step_by(29).filter(|p| p.exists()) {
        let text = fs::read(p).unwrap();
        let mut edited = text.clone();
        edited.extend_from_slice(b"\n");
        fs::write(p, edited).unwrap();
        changed += 1;
    }
    let extra = synth::generate(&GenOptions {
        out: corpus.join("new.site.gov.cn"),
        files: 6,
        seed: 99,
        layouts: false,
    })
    .unwrap();
    (removed, changed, extra.files)
}

#[test]
fn incremental_rerun_equals_fresh_run() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generate(dir.path(), 150, 5);
    let k = Knowledge::embedded();
    let nightly = dir.path().join("nightly");
    let first = pipeline::run(&opts(&corpus, &nightly, 2, 32), &k).unwrap();
    assert_eq!(first.reused, 0);
    let same = pipeline::run(&opts(&corpus, &nightly, 2, 32), &k).unwrap();
    assert_eq!(same.reused, same.files);

    let (removed, changed, added) = mutate(&corpus);
    assert!(
        removed >= 3 && changed >= 3 && added == 6,
        "{removed} {changed} {added}"
    );
    let again = pipeline::run(&opts(&corpus, &nightly, 2, 32), &k).unwrap();
    assert_eq!(again.reused, again.files - changed - added);
    let fresh = assert_same_as_fresh_run(dir.path(), &corpus, &k, &nightly);

    // --full ignores the cache; a damaged cache only costs time.
    let full = pipeline::run(
        &RunOptions {
            full: true,
            ..opts(&corpus, &nightly, 2, 32)
        },
        &k,
    )
    .unwrap();
    assert_eq!(full.reused, 0);
    let cache = nightly.join(".xxgk-cache/records.bin");
    let bytes = fs::read(&cache).unwrap();
    fs::write(&cache, &bytes[..bytes.len() / 2]).unwrap();
    let damaged = pipeline::run(&opts(&corpus, &nightly, 2, 32), &k).unwrap();
    assert!(damaged.reused > 0 && damaged.reused < damaged.files);
    assert_same_dataset(&fresh, &nightly);
}

/// With its directories settled, a night's changes are seen through the last run's listings:
/// the changed directories are read again, the rest listed from the cache, and the dataset is
/// the fresh run's.
#[test]
fn unchanged_directories_are_listed_from_the_cache_and_nothing_is_missed() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generate(dir.path(), 120, 23);
    let k = Knowledge::embedded();
    // Listings vouch only for directories last changed over a second before the run.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let nightly = dir.path().join("nightly");
    let first = pipeline::run(&opts(&corpus, &nightly, 2, 16), &k).unwrap();
    assert_eq!(first.dirs_reused, 0);
    let same = pipeline::run(&opts(&corpus, &nightly, 2, 16), &k).unwrap();
    assert!(same.dirs > 10);
    assert_eq!(same.dirs_reused, same.dirs);

    let (removed, _, added) = mutate(&corpus);
    let again = pipeline::run(&opts(&corpus, &nightly, 2, 16), &k).unwrap();
    assert!(
        again.dirs_reused > 0 && again.dirs_reused < same.dirs,
        "{} of {}",
        again.dirs_reused,
        again.dirs
    );
    assert_eq!(again.files, same.files - removed + added);
    assert_same_as_fresh_run(dir.path(), &corpus, &k, &nightly);

    // --verify trusts no stamp, a directory's neither.
    let verified = pipeline::run(
        &RunOptions {
            verify: true,
            ..opts(&corpus, &nightly, 2, 16)
        },
        &k,
    )
    .unwrap();
    assert_eq!(verified.dirs_reused, 0);
}

#[cfg(unix)]
#[test]
fn unchanged_stamps_skip_reading_and_a_rewrite_is_caught_even_with_the_mtime_set_back() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generate(dir.path(), 40, 17);
    let k = Knowledge::embedded();
    // Stamps vouch only for files last written over a second before the run that saw them.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let nightly = dir.path().join("nightly");
    pipeline::run(&opts(&corpus, &nightly, 2, 8), &k).unwrap();
    let same = pipeline::run(&opts(&corpus, &nightly, 2, 8), &k).unwrap();
    assert_eq!((same.reused, same.unread), (same.files, same.files));
    let verified = pipeline::run(
        &RunOptions {
            verify: true,
            ..opts(&corpus, &nightly, 2, 8)
        },
        &k,
    )
    .unwrap();
    assert_eq!((verified.reused, verified.unread), (verified.files, 0));

    // Same size, same mtime, different content: the ctime gives it away.
    let victim = pipeline::walk(&corpus)
        .into_iter()
        .find(|e| e.rel.ends_with(".txt") || e.rel.ends_with("html"))
        .unwrap();
    let before = fs::metadata(&victim.path).unwrap();
    let mut bytes = fs::read(&victim.path).unwrap();
    let digit = bytes.iter().position(|b| b.is_ascii_digit()).unwrap();
    bytes[digit] = if bytes[digit] == b'9' {
        b'8'
    } else {
        bytes[digit] + 1
    };
    fs::write(&victim.path, &bytes).unwrap();
    fs::File::options()
        .write(true)
        .open(&victim.path)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    let after = pipeline::run(&opts(&corpus, &nightly, 2, 8), &k).unwrap();
    assert_eq!(after.reused, after.files - 1);
    assert_same_as_fresh_run(dir.path(), &corpus, &k, &nightly);
}

/// Every row of every Parquet file under `dir` whose name starts with `stem`, as text, with
/// its source_path (or report_id for checks) first.
fn rows(dir: &Path, stem: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if !(name.starts_with(stem) && name.ends_with(".parquet")) {
            continue;
        }
        let reader = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(e.path()).unwrap())
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            for i in 0..batch.num_rows() {
                out.push(
                    batch
                        .columns()
                        .iter()
                        .map(|c| cell(c.as_ref(), i))
                        .collect(),
                );
            }
        }
    }
    out.sort();
    out
}

fn cell(col: &dyn Array, i: usize) -> String {
    if col.is_null(i) {
        return "∅".to_string();
    }
    let any = col.as_any();
    match col.data_type() {
        DataType::Utf8 => any
            .downcast_ref::<StringArray>()
            .unwrap()
            .value(i)
            .to_string(),
        DataType::Int16 => any
            .downcast_ref::<Int16Array>()
            .unwrap()
            .value(i)
            .to_string(),
        DataType::Int32 => any
            .downcast_ref::<Int32Array>()
            .unwrap()
            .value(i)
            .to_string(),
        DataType::Int64 => any
            .downcast_ref::<Int64Array>()
            .unwrap()
            .value(i)
            .to_string(),
        DataType::Float64 => any
            .downcast_ref::<Float64Array>()
            .unwrap()
            .value(i)
            .to_string(),
        DataType::Boolean => any
            .downcast_ref::<BooleanArray>()
            .unwrap()
            .value(i)
            .to_string(),
        DataType::Date32 => any
            .downcast_ref::<Date32Array>()
            .unwrap()
            .value(i)
            .to_string(),
        other => panic!("unexpected column type {other}"),
    }
}

/// source_paths and report_ids of files marked duplicate in a dataset.
fn duplicates(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in rows(dir, "reports") {
        // reports: source_path, report_id, …, status (column 5).
        if r[5] == "duplicate" {
            out.insert(r[0].clone());
            out.insert(r[1].clone());
        }
    }
    out
}

#[test]
fn four_shard_processes_hold_the_single_machine_rows() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generate(dir.path(), 120, 21);
    // A byte-identical copy of a report in another shard than the original's: only a run
    // that sees all shards marks it duplicate.
    let original = pipeline::walk(&corpus)
        .into_iter()
        .find(|e| e.rel.ends_with(".txt"))
        .unwrap();
    let home = xxgk::shard::path_bucket(&original.rel, 4);
    let copy = (0..)
        .map(|i| format!("zz-mirror/copy-{i}.txt"))
        .find(|c| xxgk::shard::path_bucket(c, 4) != home)
        .unwrap();
    fs::create_dir_all(corpus.join("zz-mirror")).unwrap();
    fs::copy(&original.path, corpus.join(&copy)).unwrap();
    let single = dir.path().join("single");
    pipeline::run(&opts(&corpus, &single, 2, 2048), &Knowledge::embedded()).unwrap();
    assert!(duplicates(&single).contains(&copy));
    let sharded = dir.path().join("sharded");
    let children: Vec<_> = (0..4)
        .map(|k| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_xxgk"));
            cmd.args(["run", "-q", "-j", "1"])
                .arg(&corpus)
                .arg("-o")
                .arg(&sharded)
                .env_remove("JOB_COMPLETION_INDEX")
                .env_remove("SLURM_ARRAY_TASK_ID");
            match k {
                // Shard 3 takes its index from the environment, as a Kubernetes Indexed Job
                // does; shard 2 as a Slurm array task does.
                3 => cmd.args(["--shard", "/4"]).env("JOB_COMPLETION_INDEX", "3"),
                2 => cmd.args(["--shards", "4"]).env("SLURM_ARRAY_TASK_ID", "2"),
                1 => cmd.args(["--shards", "4", "--shard-index", "1"]),
                _ => cmd.args(["--shard", "0/4"]),
            };
            cmd.spawn().unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    for t in TABLES {
        for k in 0..4 {
            assert!(sharded.join(format!("{t}-{k}-of-4.parquet")).is_file());
        }
    }
    // Duplicates are found within a shard only: leave out files marked duplicate anywhere,
    // and the row status/reason columns of reports.
    let mut dup = duplicates(&single);
    dup.extend(duplicates(&sharded));
    let outside = |rows: Vec<Vec<String>>, key: usize| -> Vec<Vec<String>> {
        rows.into_iter()
            .filter(|r| !dup.contains(&r[key]))
            .collect()
    };
    let (fs_single, fs_shards) = (
        outside(rows(&single, "facts"), 14),
        outside(rows(&sharded, "facts"), 14),
    );
    assert!(fs_single.len() > 1000);
    assert_eq!(fs_single, fs_shards);
    assert_eq!(
        outside(rows(&single, "checks"), 0),
        outside(rows(&sharded, "checks"), 0)
    );
    assert_eq!(
        outside(rows(&single, "reports"), 0),
        outside(rows(&sharded, "reports"), 0)
    );
    // panel: report_id is column 8.
    let panel = outside(rows(&single, "panel"), 8);
    assert!(panel.len() > 50);
    assert_eq!(panel, outside(rows(&sharded, "panel"), 8));
    let paths = |d: &Path| {
        rows(d, "reports")
            .into_iter()
            .map(|r| r[0].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(paths(&single), paths(&sharded));

    // The whole-corpus run over the shards' records parses nothing and writes, byte for byte,
    // the single-machine dataset: duplicates and checks across years found over all shards.
    let merged = dir.path().join("merged");
    let status = Command::new(env!("CARGO_BIN_EXE_xxgk"))
        .args(["run", "-q", "-j", "2"])
        .arg(&corpus)
        .arg("-o")
        .arg(&merged)
        .arg("--from-shards")
        .arg(&sharded)
        .status()
        .unwrap();
    assert!(status.success());
    assert_same_dataset(&single, &merged);
    let again = pipeline::run(
        &RunOptions {
            from_shards: Some(sharded.clone()),
            ..opts(&corpus, &dir.path().join("merged-again"), 1, 2048)
        },
        &Knowledge::embedded(),
    )
    .unwrap();
    // Every record comes from a shard (read and hashed, as the corpus was written within a
    // second of the shard runs: their stamps do not vouch for it).
    assert_eq!(again.reused, again.files);
    assert!(!duplicates(&sharded).contains(&copy));
    // Writing the merge into the shards' own directory would read their files twice.
    let into_shards = Command::new(env!("CARGO_BIN_EXE_xxgk"))
        .args(["run", "-q"])
        .arg(&corpus)
        .arg("-o")
        .arg(&sharded)
        .arg("--from-shards")
        .arg(&sharded)
        .status()
        .unwrap();
    assert_eq!(into_shards.code(), Some(2));
}

#[test]
fn partitioned_by_year_holds_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generate(dir.path(), 80, 8);
    let k = Knowledge::embedded();
    let flat = dir.path().join("flat");
    pipeline::run(&opts(&corpus, &flat, 2, 2048), &k).unwrap();
    let parts = dir.path().join("parts");
    pipeline::run(
        &RunOptions {
            partition_by: vec![PartitionBy::Year],
            ..opts(&corpus, &parts, 2, 2048)
        },
        &k,
    )
    .unwrap();
    assert!(parts.join("year=2016/facts.parquet").is_file());
    // Partitions an earlier run wrote and this one has no rows for (every report of that
    // year gone) are removed, with their directories; files not xxgk's are left alone.
    fs::create_dir_all(parts.join("year=1999")).unwrap();
    fs::copy(
        parts.join("year=2016/facts.parquet"),
        parts.join("year=1999/facts.parquet"),
    )
    .unwrap();
    fs::create_dir_all(parts.join("year=1998")).unwrap();
    fs::copy(
        parts.join("year=2016/reports.parquet"),
        parts.join("year=1998/reports.parquet"),
    )
    .unwrap();
    fs::write(parts.join("year=1998/notes.txt"), "mine").unwrap();
    fs::write(
        parts.join("facts-0-of-3.parquet"),
        "a table of another sharding",
    )
    .unwrap();
    pipeline::run(
        &RunOptions {
            partition_by: vec![PartitionBy::Year],
            ..opts(&corpus, &parts, 2, 2048)
        },
        &k,
    )
    .unwrap();
    assert!(!parts.join("year=1999").exists());
    assert!(!parts.join("year=1998/reports.parquet").exists());
    assert!(parts.join("year=1998/notes.txt").is_file());
    assert!(!parts.join("facts-0-of-3.parquet").exists());
    assert!(parts.join("year=2016/facts.parquet").is_file());
    for t in TABLES {
        let mut partitioned = 0;
        for e in fs::read_dir(&parts)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("year="))
        {
            let year = e
                .file_name()
                .to_string_lossy()
                .trim_start_matches("year=")
                .to_string();
            let file = e.path().join(format!("{t}.parquet"));
            if !file.exists() {
                continue;
            }
            let builder =
                ParquetRecordBatchReaderBuilder::try_new(fs::File::open(&file).unwrap()).unwrap();
            assert!(
                builder.schema().field_with_name("year").is_err(),
                "year is in the directory name only"
            );
            partitioned += builder.metadata().file_metadata().num_rows() as usize;
            let expected = rows(&flat, t)
                .into_iter()
                .filter(|r| r.contains(&year))
                .count();
            assert!(expected > 0 || year == "__HIVE_DEFAULT_PARTITION__");
        }
        assert_eq!(partitioned, rows(&flat, t).len(), "{t}");
    }
}
