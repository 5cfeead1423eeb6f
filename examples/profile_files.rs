//! CPU cost of the per-file stages, without the walk, the disk or the write phase.
//!
//! ```sh
//! cargo run --release --example profile_files -- CORPUS [--limit N] [--repeat R] [--stages]
//! ```
//!
//! Loads the knowledge once, reads every file of `CORPUS` (recursively, sorted by path, at most
//! `N`) into memory, then runs [`xxgk::pipeline::process_bytes`] over them on this one thread,
//! `R` times (default 1), and prints the thread's CPU seconds (from
//! `/proc/thread-self/schedstat`, so other processes on the machine do not count; wall time
//! where that file is missing). Each result is dropped before the next file is processed. `--stages` also times decode, identify and extract separately
//! (the same calls `process_bytes` makes, made again).
//!
//! First, in a pass of its own, it prints a digest of everything the files yielded (each record, its unmapped labels and its
//! document, `Debug`-formatted and hashed with BLAKE3), so a change that is meant to be a pure
//! speed-up can prove it changed nothing: the digest before and after must be equal.
//! `--no-digest` skips it (formatting the documents costs more than processing them, which
//! matters under `perf record`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use xxgk::knowledge::Knowledge;
use xxgk::pipeline::process_bytes;
use xxgk::{extract, ingest, normalize};

/// CPU time of the calling thread, in seconds (wall time when schedstat is unavailable).
fn cpu_seconds(wall: &Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map(|ns| ns as f64 / 1e9)
        .unwrap_or_else(|| wall.elapsed().as_secs_f64())
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut corpus: Option<PathBuf> = None;
    let mut limit = usize::MAX;
    let mut repeat = 1usize;
    let mut stages = false;
    let mut with_digest = true;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--limit" => limit = args.next().and_then(|v| v.parse().ok()).expect("--limit N"),
            "--repeat" => {
                repeat = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--repeat R")
            }
            "--stages" => stages = true,
            "--no-digest" => with_digest = false,
            _ => corpus = Some(PathBuf::from(a)),
        }
    }
    let corpus = corpus
        .expect("usage: profile_files CORPUS [--limit N] [--repeat R] [--stages] [--no-digest]");
    let k = Knowledge::embedded();
    let files: Vec<(String, Vec<u8>)> = files_under(&corpus)
        .into_iter()
        .take(limit)
        .map(|p| {
            let rel = p
                .strip_prefix(&corpus)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&p).expect("readable file");
            (rel, bytes)
        })
        .collect();
    let mb = files.iter().map(|(_, b)| b.len()).sum::<usize>() as f64 / 1e6;
    println!("{} files, {mb:.1} MB", files.len());

    let wall = Instant::now();
    let mut digest = String::new();
    if with_digest {
        let mut h = blake3::Hasher::new();
        for (rel, bytes) in &files {
            let p = process_bytes(rel, bytes, &k);
            h.update(format!("{:?}\n{:?}\n{:?}\n", p.record, p.unmapped, p.doc).as_bytes());
        }
        digest = h.finalize().to_hex()[..16].to_string();
    }
    let mut best = f64::INFINITY;
    for round in 0..repeat {
        // Each result is dropped before the next file, as the pipeline does.
        let start = cpu_seconds(&wall);
        for (rel, bytes) in &files {
            drop(process_bytes(rel, bytes, &k));
        }
        let secs = cpu_seconds(&wall) - start;
        best = best.min(secs);
        println!("round {round}: process_bytes {secs:.3} CPU-s");
    }
    println!("best: process_bytes {best:.3} CPU-s; digest {digest}");

    if stages {
        let (mut read, mut identify, mut extract_s) = (0.0, 0.0, 0.0);
        for (rel, bytes) in &files {
            let t0 = cpu_seconds(&wall);
            let format = ingest::sniff_format(Path::new(rel), bytes);
            let Ok(decoded) = ingest::read_document(format, bytes) else {
                read += cpu_seconds(&wall) - t0;
                continue;
            };
            let t1 = cpu_seconds(&wall);
            let identity = normalize::identify(&decoded.doc, rel, &k.names);
            let t2 = cpu_seconds(&wall);
            let _ = extract::extract(&decoded.doc, &k, identity.year);
            let t3 = cpu_seconds(&wall);
            read += t1 - t0;
            identify += t2 - t1;
            extract_s += t3 - t2;
        }
        println!("stages: read {read:.3}, normalize {identify:.3}, extract {extract_s:.3} CPU-s");
    }
}
