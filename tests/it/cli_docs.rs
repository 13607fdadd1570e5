//! `docs/digestfeed.1` and `docs/completions/` are generated from the command-line
//! definition; this fails when a flag changed and they were not generated again
//! (`cargo run --example gen_docs -- docs`).

use crate::support::repo;
use clap::CommandFactory;
use digestfeed::cli::Cli;

#[test]
fn the_man_page_and_completions_match_the_flags() {
    for (name, bytes) in crate::cli_docs_gen::all(Cli::command()) {
        let path = repo().join("docs").join(&name);
        let held = std::fs::read(&path).unwrap_or_default();
        assert!(
            held == bytes,
            "docs/{name} is out of date: run `cargo run --example gen_docs -- docs`"
        );
    }
}

#[test]
fn help_names_exit_codes_signals_and_an_example() {
    let help = Cli::command().render_long_help().to_string();
    for words in [
        "Exit codes:",
        "SIGHUP",
        "Example:",
        "--allow-empty",
        "NO_COLOR",
    ] {
        assert!(help.contains(words), "--help lacks {words:?}:\n{help}");
    }
}
