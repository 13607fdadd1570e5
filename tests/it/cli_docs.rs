//! `docs/digestfeed.1` and `docs/completions/` are generated from the command-line
//! definition; this fails when a flag changed and they were not generated again
//! (`cargo run --example gen_docs -- docs`).

use crate::support::{digestfeed, repo};

#[test]
fn the_man_page_and_completions_match_the_flags() {
    for (name, bytes) in crate::cli_docs_gen::all(digestfeed::app::command()) {
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
    let help = digestfeed::app::command().render_long_help().to_string();
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

/// The pages man readers look for, with the sections they read, and every lint named
/// in `check --help` and in digestfeed-check(1).
#[test]
fn man_pages_have_the_usual_sections_and_name_every_lint() {
    let pages = crate::cli_docs_gen::all(digestfeed::app::command());
    let page = |name: &str| -> String {
        let bytes = &pages
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .1;
        String::from_utf8(bytes.clone()).unwrap()
    };
    let main = page("digestfeed.1");
    for section in [
        "EXIT STATUS",
        "ENVIRONMENT",
        "SIGNALS",
        "FILES",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        assert!(
            main.contains(&format!(".SH \"{section}\"")),
            "digestfeed.1 lacks {section}"
        );
    }
    assert!(
        !main.contains(".SH EXTRA"),
        "digestfeed.1 has an EXTRA section"
    );
    assert!(main.contains("digestfeed\\-check(1)"));
    let check = page("digestfeed-check.1");
    let help = digestfeed::app::command()
        .find_subcommand_mut("check")
        .unwrap()
        .render_long_help()
        .to_string();
    for (code, name, _) in digestfeed::check::lint::LINTS {
        assert!(
            help.contains(code) && help.contains(name),
            "check --help lacks {code} {name}"
        );
        assert!(
            check.contains(code) && check.contains(&name.replace('-', "\\-")),
            "digestfeed-check.1 lacks {code}"
        );
    }
    for section in ["LINTS", "EXIT STATUS", "EXAMPLES", "SEE ALSO"] {
        assert!(
            check.contains(&format!(".SH \"{section}\"")),
            "digestfeed-check.1 lacks {section}"
        );
    }
    assert!(page("digestfeed-publish.1").contains("\\-\\-adopt"));
}

/// The README's flag-only quick start runs as written, from the repository's root.
#[test]
fn the_readme_quick_start_runs_as_written() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run --release -- --once --input"))
        .expect("a flag-only command in the README's quick start");
    let args: Vec<&str> = line["cargo run --release -- ".len()..]
        .split_whitespace()
        .collect();
    // A copy of the root's examples, so that the run writes nothing in the checkout.
    let root = tempfile::tempdir().unwrap();
    for (rel, bytes) in crate::support::read_tree(&repo().join("examples/digests")) {
        crate::support::write(&root.path().join("examples/digests"), &rel, bytes);
    }
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_digestfeed"))
        .args(&args)
        .current_dir(root.path())
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let output = args
        .iter()
        .skip_while(|a| **a != "--output")
        .nth(1)
        .unwrap();
    assert!(
        root.path().join(output).join("index.html").is_file(),
        "{line}"
    );
}

#[test]
fn version_names_the_release_and_the_commit_built_from_a_checkout() {
    let out = digestfeed(&["--version"]);
    assert!(out.status.success());
    let shown = String::from_utf8(out.stdout).unwrap();
    let release = format!("digestfeed {}", env!("CARGO_PKG_VERSION"));
    assert!(shown.starts_with(&release), "{shown}");
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo())
        .output();
    match head {
        Ok(head) if head.status.success() && repo().join(".git").exists() => {
            let commit = String::from_utf8(head.stdout).unwrap();
            assert_eq!(shown.trim(), format!("{release} (git {})", commit.trim()));
        }
        // A build from a source archive names the release alone.
        _ => assert_eq!(shown.trim(), release),
    }
}
