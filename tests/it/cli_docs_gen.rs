//! The man page and shell completions of a clap command, by file name. Shared by
//! `examples/gen_docs.rs`, which writes them, and the test that holds `docs/` to them.

use clap_complete::Shell;

pub fn all(command: clap::Command) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut man = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut man)
        .expect("render the man page into memory");
    files.push(("digestfeed.1".to_string(), man));
    for (shell, name) in [
        (Shell::Bash, "completions/digestfeed.bash"),
        (Shell::Zsh, "completions/_digestfeed"),
        (Shell::Fish, "completions/digestfeed.fish"),
    ] {
        let mut bytes = Vec::new();
        clap_complete::generate(shell, &mut command.clone(), "digestfeed", &mut bytes);
        files.push((name.to_string(), bytes));
    }
    files
}
