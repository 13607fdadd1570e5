//! Writes the man page and the shell completions, generated from the command-line
//! definition (`src/cli.rs`), into a folder (the repository keeps them in `docs/`):
//!
//! `cargo run --example gen_docs -- docs`
//!
//! A test (`tests/it/cli_docs.rs`) fails when the files in `docs/` fall behind.

use std::path::Path;

#[path = "../tests/it/cli_docs_gen.rs"]
mod generate;

fn main() {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: gen_docs OUT_DIR");
        std::process::exit(2);
    };
    let out = Path::new(&out);
    for (name, bytes) in generate::all(digestfeed::app::command()) {
        let path = out.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create the folder");
        }
        std::fs::write(&path, bytes).expect("write the file");
        println!("{}", path.display());
    }
}
