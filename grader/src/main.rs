use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match grader::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                grader::exit::USAGE
            } else {
                grader::exit::FULL_MARKS
            });
        }
    };
    ExitCode::from(grader::run(cli).await)
}
