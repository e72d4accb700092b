fn main() -> std::process::ExitCode {
    bim::cli::main()
}
