use clap::Parser;
use digestfeed::{app, cli::Cli, logging};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.verbose, cli.quiet);
    app::main(cli)
}
