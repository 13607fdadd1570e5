//! The man pages and shell completions of a clap command, by file name. Shared by
//! `examples/gen_docs.rs`, which writes them, and the test that holds `docs/` to them.
//! The pages have the sections man pages are read by (EXIT STATUS, ENVIRONMENT,
//! SIGNALS, FILES, EXAMPLES, SEE ALSO), written here; clap gives the rest.

use clap_complete::Shell;
use clap_mangen::Man;

pub(crate) fn all(command: clap::Command) -> Vec<(String, Vec<u8>)> {
    // The pages name the release, not the commit a build came from: they are committed.
    let command = command.version(env!("CARGO_PKG_VERSION"));
    let mut files = vec![("digestfeed.1".to_string(), page(&command, &main_sections()))];
    if let Some(check) = command.find_subcommand("check") {
        let check = check
            .clone()
            .name("digestfeed-check")
            .bin_name("digestfeed check")
            .version(env!("CARGO_PKG_VERSION"));
        files.push((
            "digestfeed-check.1".to_string(),
            page(&check, &check_sections()),
        ));
    }
    if let Some(publish) = command.find_subcommand("publish") {
        let publish = publish
            .clone()
            .name("digestfeed-publish")
            .bin_name("digestfeed publish")
            .version(env!("CARGO_PKG_VERSION"));
        files.push((
            "digestfeed-publish.1".to_string(),
            page(&publish, &publish_sections()),
        ));
    }
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

/// One page: clap's sections (without the `--help` epilogue, which `sections` say in
/// their own headings), then `sections` as (heading, roff text).
fn page(command: &clap::Command, sections: &[(&str, String)]) -> Vec<u8> {
    let man = Man::new(
        command
            .clone()
            .after_help(None::<&str>)
            .after_long_help(None::<&str>),
    );
    let mut out = Vec::new();
    let render = |out: &mut Vec<u8>, render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut bytes = Vec::new();
        render(&mut bytes).expect("render into memory");
        // Each piece starts with the same two-line preamble: kept once.
        let text = String::from_utf8(bytes).expect("roff is UTF-8");
        let body = if out.is_empty() {
            text.as_str()
        } else {
            text.splitn(3, '\n').nth(2).unwrap_or("")
        };
        out.extend_from_slice(body.as_bytes());
    };
    render(&mut out, &|w| man.render_title(w));
    render(&mut out, &|w| man.render_name_section(w));
    render(&mut out, &|w| man.render_synopsis_section(w));
    render(&mut out, &|w| man.render_description_section(w));
    render(&mut out, &|w| man.render_options_section(w));
    if command.has_subcommands() {
        render(&mut out, &|w| man.render_subcommands_section(w));
    }
    for (heading, text) in sections {
        out.extend_from_slice(format!(".SH \"{heading}\"\n{text}").as_bytes());
    }
    if command.get_version().is_some() {
        render(&mut out, &|w| man.render_version_section(w));
    }
    out
}

/// Tagged paragraphs: each (tag, text) as `.TP`.
fn tagged(items: &[(&str, &str)]) -> String {
    items
        .iter()
        .map(|(tag, text)| format!(".TP\n\\fB{}\\fR\n{}\n", roff(tag), roff(text)))
        .collect()
}

/// Text safe in roff: hyphens as `\-`, backslashes doubled, no line starting with a
/// control character.
fn roff(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    text.lines()
        .map(|l| {
            if l.starts_with(['.', '\'']) {
                format!("\\&{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn example(lines: &[&str]) -> String {
    let body: Vec<String> = lines.iter().map(|l| roff(l)).collect();
    format!(".PP\n.nf\n.RS 4\n{}\n.RE\n.fi\n", body.join("\n"))
}

fn main_sections() -> Vec<(&'static str, String)> {
    vec![
        (
            "EXIT STATUS",
            tagged(&[
                ("0", "All digests valid, feeds up to date."),
                ("1", "Some digests or items could not be published (each reported as path:line), feeds written from everything else; part of the input could not be read (nothing written); or --once found no digest."),
                ("2", "Usage or config error, the input folder cannot be read, or the output could not be written (every feed on disk is still whole)."),
                ("3", "digestfeed check only: the feeds would change."),
            ]),
        ),
        (
            "ENVIRONMENT",
            tagged(&[
                ("RUST_LOG", "Log filter, e.g. RUST_LOG=debug; overrides -v and -q."),
                ("NO_COLOR", "Set and not empty: no colour in logs, even on a terminal."),
                ("NOTIFY_SOCKET", "Set by systemd for Type=notify: READY=1, STATUS=, RELOADING=1, STOPPING=1 and watchdog pings go there."),
                ("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN", "Credentials for publish: (never in the config file)."),
                ("AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE", "The profile and file of shared credentials, when the variables above are not set."),
                ("AWS_DEFAULT_REGION", "The bucket's region when publish.region is not set."),
            ]),
        ),
        (
            "SIGNALS",
            tagged(&[
                ("SIGTERM, SIGINT", "Finish the update in progress, then exit 0; an upload to a bucket still under way is abandoned (the next start publishes again)."),
                ("SIGHUP", "Read the config again and rescan the input folder; a config that does not load is logged and the running one kept."),
            ]),
        ),
        (
            "FILES",
            tagged(&[
                ("/etc/digestfeed/digestfeed.yaml", "The service's config, as the systemd unit names it (config/service.yaml in the sources; config/digestfeed.yaml is the annotated example)."),
                ("OUTPUT/.digestfeed-manifest", "The files digestfeed wrote in the output folder, with a fingerprint of each: only files that still hold those bytes are ever replaced or removed."),
                ("s3://BUCKET/PREFIX/.digestfeed-manifest.json", "The same for a bucket (publish:), with each object's ETag."),
            ]),
        ),
        (
            "EXAMPLES",
            example(&[
                "digestfeed --once --input content/posts --output public/feeds \\",
                "           --base-url https://example.org/feeds/",
                "digestfeed check --deny all --config digestfeed.yaml",
                "digestfeed --config /etc/digestfeed/digestfeed.yaml    # watch mode",
            ]),
        ),
        (
            "SEE ALSO",
            ".BR digestfeed\\-check (1),\n.BR digestfeed\\-publish (1),\n.BR systemd.service (5)\n".to_string(),
        ),
    ]
}

fn check_sections() -> Vec<(&'static str, String)> {
    let lints: Vec<(String, &str)> = digestfeed::check::lint::LINTS
        .iter()
        .map(|(code, name, what)| (format!("{code} {name}"), *what))
        .collect();
    let lints: Vec<(&str, &str)> = lints.iter().map(|(t, w)| (t.as_str(), *w)).collect();
    vec![
        ("LINTS", format!(".PP\nEach is a warning unless --deny names it (by code or name, or all: every lint on by default); --warn turns on one that is off by default.\n{}", tagged(&lints))),
        (
            "EXIT STATUS",
            tagged(&[
                ("0", "Digests valid, no lint denied, the feeds up to date."),
                ("1", "Invalid digests or items, a denied lint, or part of the input could not be read."),
                ("2", "Usage or config error, or what --once would refuse in the output folder (a link or someone else's file where a feed goes)."),
                ("3", "The feeds would change: the files are listed on standard output."),
            ]),
        ),
        (
            "EXAMPLES",
            example(&[
                "digestfeed check --config digestfeed.yaml --deny all",
                "digestfeed check --error-format github --warn DF007",
                "digestfeed check --diff --format json | jq .",
            ]),
        ),
        ("SEE ALSO", ".BR digestfeed (1)\n".to_string()),
    ]
}

fn publish_sections() -> Vec<(&'static str, String)> {
    vec![
        (
            "EXIT STATUS",
            tagged(&[
                ("0", "Every object at a feed's path was taken over (or was already recorded)."),
                ("1", "Some objects hold other bytes than digestfeed writes there: each is named and left as it is."),
                ("2", "No publish: in the config, or the bucket could not be read or written."),
            ]),
        ),
        ("EXAMPLES", example(&["digestfeed publish --adopt --config /etc/digestfeed/digestfeed.yaml"])),
        ("SEE ALSO", ".BR digestfeed (1)\n".to_string()),
    ]
}
