use digestfeed::{app, support::logging};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = app::parse();
    logging::init(cli.verbose, cli.quiet);
    let code = app::main(cli);
    // A report cut short by a full disk is not the report the status describes.
    if digestfeed::support::stdout::failed() {
        return ExitCode::from(2);
    }
    code
}
