//! The `xxgk` binary: parse arguments, dispatch, exit with the command's status.

/// jemalloc instead of glibc's allocator: a run allocates and frees millions of small strings
/// (lines, cells, names) across two threads, and glibc's arenas spent about 12% of the CPU of a
/// full run on it; mimalloc saved as much but doubled peak memory (BENCHMARKS.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = match xxgk::cli::parse(args) {
        Ok(cli) => xxgk::cli::dispatch(cli),
        Err(e) => {
            let _ = e.print();
            e.exit_code()
        }
    };
    std::process::exit(code);
}
