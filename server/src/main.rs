//! `alikassa-checkout`: the command line. Everything lives in the library; see `server::cli`.

fn main() -> std::process::ExitCode {
    server::cli::run()
}
