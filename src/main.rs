//! The `lab` binary: parses arguments, runs the library, maps the outcome to an exit code
//! (0 success, 1 spec or data errors, 2 usage or IO errors).

fn main() -> std::process::ExitCode {
    lab::cli::main()
}
