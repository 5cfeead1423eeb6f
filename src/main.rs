//! The `xxgk` binary: parse arguments, dispatch, exit with the command's status.

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
