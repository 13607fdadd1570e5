//! Property: whatever sequence of file operations the daemon's incremental state goes
//! through, once every file is valid its output equals a from-scratch build.

use digestfeed::config::Settings;
use digestfeed::daemon::live::Live;
use digestfeed::engine::Engine;
use digestfeed::input::state::FileInput;
use digestfeed::model::Corpus;
use digestfeed::model::Parsed;
use digestfeed::parse::parse_digest;
use digestfeed::render::tree;
use digestfeed::render::tree::Renderer;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

const NAMES: &[&str] = &["a.md", "b.md", "sub/c.md", "sub/deeper/d.md", "e.md"];

#[derive(Debug, Clone)]
enum Op {
    Write {
        file: usize,
        content: u8,
    },
    Corrupt {
        file: usize,
    },
    Rename {
        from: usize,
        to: usize,
    },
    Delete {
        file: usize,
    },
    /// The same instant, written with another offset.
    Reoffset {
        file: usize,
    },
    /// The summaries reworded, nothing else: an entry deep in a history changes its
    /// text alone.
    Reword {
        file: usize,
    },
    /// The daemon publishes what a burst changed: several changes at once.
    Flush,
    /// A rename storm caught mid-way: a render reads the file while it is away (or,
    /// with another file, while it holds that one's bytes); then it is back as it was,
    /// and the daemon, whose events coalesced, sees it unchanged.
    Away {
        file: usize,
        other: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let file = 0..NAMES.len();
    prop_oneof![
        (file.clone(), any::<u8>()).prop_map(|(file, content)| Op::Write { file, content }),
        file.clone().prop_map(|file| Op::Corrupt { file }),
        (file.clone(), file.clone()).prop_map(|(from, to)| Op::Rename { from, to }),
        file.clone().prop_map(|file| Op::Delete { file }),
        file.clone().prop_map(|file| Op::Reoffset { file }),
        file.clone().prop_map(|file| Op::Reword { file }),
        Just(Op::Flush),
        (file.clone(), file).prop_map(|(file, other)| Op::Away { file, other }),
    ]
}

/// A valid digest chosen by `seed`: dates, overlapping tweets under varied URL
/// spellings, authors with and without suffixes, categories that come and go.
fn content(seed: u8) -> String {
    let spellings = [
        "https://x.com/{h}/status/{id}",
        "https://twitter.com/{H}/status/{id}?s=20",
        "http://mobile.x.com/{h}/status/{id}/photo/1",
        "https://x.com/i/web/status/{id}",
    ];
    let authors = [
        ("bentossell", "Ben Tossell"),
        ("vista8", "向阳乔木"),
        ("AndrewYNg", "Andrew Ng"),
    ];
    let categories = ["AI", "机器人", "Open Source", "ai"];
    let s = u32::from(seed);
    let mut text = format!(
        "---\ndate: 2026-01-{:02}T{:02}:00:00{}\ncategories: [\"{}\", \"{}\"]\n{}---\n\n",
        // Three ISO weeks, two days in each of the first two: archive pages whose
        // entries come, go and move between weeks.
        1 + (s % 5) * 3,
        (s / 5) % 24,
        // The same instant may be written with another offset.
        ["+08:00", "+08:00", "Z", "-05:00"][(s % 4) as usize],
        categories[(s % 4) as usize],
        categories[((s / 3) % 4) as usize],
        if s % 17 == 0 { "draft: true\n" } else { "" },
    );
    let with_authors = s % 3 != 0;
    for k in 0..(1 + s % 4 + u32::from(!with_authors) * 2) {
        // Six ids for up to six items: a digest may name one tweet twice.
        let id = 100 + (s * 7 + k * 3) % 6;
        let (h, name) = authors[((s + k) % 3) as usize];
        let url = spellings[((s + k) % 4) as usize]
            .replace("{h}", h)
            .replace("{H}", &h.to_uppercase())
            .replace("{id}", &id.to_string());
        let title = if with_authors {
            format!("Story-{id} about GPT-5 - {name}")
        } else if k == 0 {
            // A digest without suffixes whose first title still ends in a name: split
            // only while the corpus knows that name for the handle.
            format!("Story-{id} about GPT-5-{name}")
        } else {
            format!("Story-{id} about GPT-5")
        };
        text.push_str(&format!(
            "{}.  [{title}]({url})\n\n    Summary **{seed}** of `{id}`.\n\n",
            k + 1
        ));
    }
    text
}

/// Rewrites the `date:` line with the same instant in UTC (or, if it was UTC, +01:00).
fn reoffset(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let line = text.lines().find(|l| l.starts_with("date: "))?;
    let date =
        chrono::DateTime::parse_from_rfc3339(line.trim_start_matches("date: ").trim()).ok()?;
    let moved = if date.offset().local_minus_utc() == 0 {
        date.with_timezone(&chrono::FixedOffset::east_opt(3600)?)
            .to_rfc3339()
    } else {
        date.with_timezone(&chrono::Utc).to_rfc3339()
    };
    Some(
        text.replacen(line, &format!("date: {moved}"), 1)
            .into_bytes(),
    )
}

fn settings() -> Settings {
    settings_showing(50)
}

/// With `max_entries` below the number of entries, feeds show only their newest: what
/// a build for `--once` keeps (only the shown entries) is put to the test.
fn settings_showing(max_entries: usize) -> Settings {
    settings_for(max_entries, false)
}

/// [`settings_showing`], and with `archived` every feed's history in archive pages.
fn settings_for(max_entries: usize, archived: bool) -> Settings {
    // Two categories an entry: digests name two each, so a tweet in several digests
    // goes over and the cap is put to the test.
    let archives = if archived {
        "archives: [global, digests, categories, authors]\n"
    } else {
        ""
    };
    Settings::for_tests(&format!(
        "authors:\n  AndrewYNg: andrew ng\nmax_entries: {max_entries}\nmax_categories: 2\n{archives}"
    ))
}

/// The daemon's own pipeline, fed with files held in memory.
fn update(live: &mut Live, name: &str, bytes: Option<&[u8]>) {
    let input = match bytes {
        Some(b) => FileInput::Bytes(b),
        None => FileInput::Gone,
    };
    // The end of time: every digest is due, whatever the clock says.
    live.file(
        Path::new(name),
        Path::new(name),
        input,
        chrono::DateTime::<chrono::Utc>::MAX_UTC,
    );
}

/// Renders, reading summaries again from the files as they are now, and writes what
/// changed into `folder` as the daemon writes its output folder.
fn flush(live: &mut Live, files: &BTreeMap<&str, Vec<u8>>, folder: &mut tree::Output) {
    let changed = live
        .render(|rel| rel.to_str().and_then(|r| files.get(r)).cloned())
        .unwrap();
    let whole = folder.is_empty();
    live.write_into(&changed, whole, folder).unwrap();
}

fn from_scratch(files: &BTreeMap<&str, Vec<u8>>) -> Corpus {
    let mut corpus = Corpus::new();
    for (name, bytes) in files {
        if let Ok(Parsed::Digest(d)) = parse_digest(Path::new(name), bytes, chrono_tz::Tz::UTC) {
            corpus.insert(name.into(), d);
        }
    }
    corpus
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn incremental_updates_end_like_a_fresh_build(
        ops in proptest::collection::vec(op(), 1..40),
        max_entries in prop_oneof![Just(1usize), Just(2), Just(3), Just(50)],
        archived in any::<bool>(),
    ) {
        let mut files: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
        let mut state = Live::new(settings_for(max_entries, archived));
        // The daemon's output folder: archive pages are not kept once written.
        let mut folder = tree::Output::new();
        for op in &ops {
            match *op {
                Op::Write { file, content: c } => {
                    files.insert(NAMES[file], content(c).into_bytes());
                    update(&mut state, NAMES[file], files.get(NAMES[file]).map(Vec::as_slice));
                }
                Op::Corrupt { file } => {
                    if let Some(bytes) = files.get_mut(NAMES[file]) {
                        bytes.truncate(bytes.len() / 3);
                        update(&mut state, NAMES[file], Some(&files[NAMES[file]]));
                    }
                }
                Op::Rename { from, to } => {
                    if from != to {
                        if let Some(bytes) = files.remove(NAMES[from]) {
                            files.insert(NAMES[to], bytes);
                            update(&mut state, NAMES[from], None);
                            update(&mut state, NAMES[to], Some(&files[NAMES[to]]));
                        }
                    }
                }
                Op::Delete { file } => {
                    files.remove(NAMES[file]);
                    update(&mut state, NAMES[file], None);
                }
                Op::Reoffset { file } => {
                    if let Some(moved) = files.get(NAMES[file]).and_then(|b| reoffset(b)) {
                        files.insert(NAMES[file], moved);
                        update(&mut state, NAMES[file], Some(&files[NAMES[file]]));
                    }
                }
                Op::Reword { file } => {
                    if let Some(bytes) = files.get(NAMES[file]) {
                        let text = String::from_utf8_lossy(bytes).replace("Summary", "Summary, reworded,");
                        files.insert(NAMES[file], text.into_bytes());
                        update(&mut state, NAMES[file], Some(&files[NAMES[file]]));
                    }
                }
                Op::Flush => flush(&mut state, &files, &mut folder),
                Op::Away { file, other } => {
                    if let Some(bytes) = files.get(NAMES[file]).cloned() {
                        let mut storm = files.clone();
                        match files.get(NAMES[other]) {
                            Some(theirs) if other != file => storm.insert(NAMES[file], theirs.clone()),
                            _ => storm.remove(NAMES[file]),
                        };
                        flush(&mut state, &storm, &mut folder);
                        update(&mut state, NAMES[file], Some(&bytes));
                    }
                }
            }
        }
        // Settle with every file valid: broken ones are repaired.
        let names: Vec<&str> = files.keys().copied().collect();
        for (i, name) in names.into_iter().enumerate() {
            let bytes = &files[name];
            if parse_digest(Path::new(name), bytes, chrono_tz::Tz::UTC).is_err() {
                files.insert(name, content(i as u8 + 1).into_bytes());
                update(&mut state, name, Some(&files[name]));
            }
        }
        flush(&mut state, &files, &mut folder);
        let fresh = from_scratch(&files);
        let s = settings_for(max_entries, archived);
        let reference = digestfeed::reference::build(&fresh, &s).unwrap().files;
        let once = tree::build(fresh, &s).unwrap().files;
        prop_assert_eq!(&once, &reference, "bulk engine vs reference merge");
        prop_assert_eq!(&folder, &once, "incremental vs from scratch");
    }
}

fn parsed(seed: u8, name: &str) -> Option<digestfeed::model::Digest> {
    match parse_digest(
        Path::new(name),
        content(seed).as_bytes(),
        chrono_tz::Tz::UTC,
    ) {
        Ok(Parsed::Digest(d)) => Some(d),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// The order in which digests reach the engine, and how they are batched, never
    /// changes the output.
    #[test]
    fn arrival_order_and_batching_do_not_matter(
        seeds in proptest::collection::vec(any::<u8>(), 1..6),
        order in proptest::collection::vec(any::<proptest::sample::Index>(), 6),
        cuts in proptest::collection::vec(any::<bool>(), 6),
        max_entries in prop_oneof![Just(1usize), Just(2), Just(50)],
        archived in any::<bool>(),
    ) {
        let s = settings_for(max_entries, archived);
        let digests: Vec<(std::path::PathBuf, digestfeed::model::Digest)> = seeds
            .iter()
            .enumerate()
            .filter_map(|(i, seed)| parsed(*seed, NAMES[i % NAMES.len()]).map(|d| (NAMES[i % NAMES.len()].into(), d)))
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect();
        let corpus: Corpus = digests.iter().cloned().collect();
        let expected = digestfeed::reference::build(&corpus, &s).unwrap().files;
        prop_assert_eq!(&tree::build(corpus, &s).unwrap().files, &expected, "--once vs reference");
        // A random permutation, fed in random batches.
        let mut pending: Vec<_> = digests;
        let mut shuffled = Vec::new();
        for ix in &order {
            if pending.is_empty() {
                break;
            }
            shuffled.push(pending.remove(ix.index(pending.len())));
        }
        shuffled.extend(pending);
        // Built for one run: the first batch computes the shown entries only, and the
        // next completes the rest before it applies.
        let mut engine = Engine::for_one_build(&s);
        let mut renderer = Renderer::default();
        let mut batch = Vec::new();
        let mut rendered = false;
        for (i, (path, digest)) in shuffled.into_iter().enumerate() {
            batch.push((path, Some(digest)));
            if cuts[i % cuts.len()] {
                let dirty = engine.apply(std::mem::take(&mut batch));
                renderer.render(&engine, &s, rendered.then_some(&dirty)).unwrap();
                rendered = true;
            }
        }
        let dirty = engine.apply(batch);
        renderer.render(&engine, &s, rendered.then_some(&dirty)).unwrap();
        prop_assert_eq!(renderer.files(), &expected);
    }

    /// Every feed holds what it promises: the global feed each tweet once, a category
    /// feed only entries of that category, an author feed only that author's tweets.
    #[test]
    fn feeds_hold_what_they_promise(seeds in proptest::collection::vec(any::<u8>(), 1..6)) {
        let s = settings();
        let corpus: Corpus = seeds
            .iter()
            .enumerate()
            .filter_map(|(i, seed)| parsed(*seed, NAMES[i % NAMES.len()]).map(|d| (NAMES[i % NAMES.len()].into(), d)))
            .collect();
        let keys: std::collections::BTreeSet<_> = corpus
            .values()
            .flat_map(|d| d.items.iter().map(|i| i.link.key.clone()))
            .collect();
        let digests = corpus.len();
        let files = tree::build(corpus, &s).unwrap().files;
        let json = |name: &str| -> serde_json::Value { serde_json::from_slice(&files[name]).unwrap() };
        let global = json("feed.json");
        let ids: Vec<&str> = global["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        prop_assert_eq!(unique.len(), ids.len());
        prop_assert_eq!(ids.len(), keys.len().min(s.max_entries));
        for name in files.keys().filter(|n| n.ends_with("feed.json") && n.contains('/')) {
            let feed = json(name);
            let title = feed["title"].as_str().unwrap().to_string();
            for item in feed["items"].as_array().unwrap() {
                if name.starts_with("categories/") {
                    let category = title.split(" — ").next().unwrap();
                    let tags: Vec<&str> = item["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
                    prop_assert!(tags.contains(&category), "{}: {:?} lacks {}", name, tags, category);
                } else if name.starts_with("authors/") {
                    let handle = name.split('/').nth(1).unwrap();
                    let url = item["authors"][0]["url"].as_str().unwrap().to_lowercase();
                    prop_assert_eq!(url, format!("https://x.com/{}", handle));
                } else {
                    // The digest feed: one entry per digest, each its own page, credited
                    // to the site.
                    prop_assert_eq!(name.as_str(), "digests/feed.json");
                    prop_assert!(item["id"].as_str().unwrap().starts_with("https://feeds.example.org/posts/"));
                    prop_assert_eq!(item["authors"][0]["name"].as_str(), Some(s.site.author.as_str()));
                }
            }
            if name.starts_with("digests/") {
                let ids: std::collections::BTreeSet<&str> =
                    feed["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
                prop_assert_eq!(ids.len(), digests.min(s.max_entries));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    /// Realistic corpora, large enough for the full build's threads (the indexing
    /// pipeline, both author passes and the feeds' first entries on every core):
    /// `--once`'s engine, which computes only the shown entries, writes the reference
    /// merge's bytes, and so does the daemon's engine fed the same digests in batches
    /// (each large enough for threads too).
    #[test]
    fn generated_corpora_build_the_same_every_way(
        count in 16u64..80,
        seed in any::<u64>(),
        max_entries in prop_oneof![Just(1usize), Just(3), Just(50)],
        batch in 16usize..60,
    ) {
        let corpus: Corpus = crate::corpus::generate(count, seed)
            .into_iter()
            .filter_map(|(name, text)| {
                match parse_digest(Path::new(&name), text.as_bytes(), chrono_tz::Tz::UTC) {
                    Ok(Parsed::Digest(d)) => Some((name.into(), d)),
                    _ => None,
                }
            })
            .collect();
        prop_assert!(corpus.len() >= 16, "{} digests", corpus.len());
        let s = settings_showing(max_entries);
        let reference = digestfeed::reference::build(&corpus, &s).unwrap().files;
        let once = tree::build(corpus.clone(), &s).unwrap().files;
        prop_assert!(once == reference, "--once vs reference");
        // With every feed's history in archive pages.
        let archived = settings_for(max_entries, true);
        let with_pages = tree::build(corpus.clone(), &archived).unwrap().files;
        prop_assert!(
            with_pages == digestfeed::reference::build(&corpus, &archived).unwrap().files,
            "--once vs reference, with archives"
        );
        prop_assert!(with_pages.len() > once.len() || max_entries == 50, "no archive page");
        let digests: Vec<_> = corpus.into_iter().collect();
        for (s, expected) in [(&s, &reference), (&archived, &with_pages)] {
            let mut engine = Engine::new(s);
            let mut renderer = Renderer::default();
            for (i, part) in digests.chunks(batch).enumerate() {
                let dirty = engine.apply(part.iter().map(|(p, d)| (p.clone(), Some(d.clone()))));
                renderer.render(&engine, s, (i > 0).then_some(&dirty)).unwrap();
            }
            prop_assert!(renderer.files() == expected, "batches vs reference");
        }
    }
}

/// A handle's display name is the name most often split off across the corpus, counted
/// in every digest however a full build splits the digests among the cores: here the
/// later digests, which the second core takes, outvote the earlier ones.
#[test]
fn display_names_count_every_digest_however_the_build_is_split() {
    let mut corpus = Corpus::new();
    let mut add = |name: String, date: String, items: &[(&str, &str, &str)]| {
        let text = crate::support::digest(&date, &["AI"], items);
        match parse_digest(Path::new(&name), text.as_bytes(), chrono_tz::Tz::UTC) {
            Ok(Parsed::Digest(d)) => corpus.insert(name.into(), d),
            other => panic!("{name}: {other:?}"),
        };
    };
    // (file prefix, month, digests, name): ten early ones, fourteen later ones.
    for (prefix, month, count, name) in [("a", 1, 10, "Zed One"), ("b", 2, 14, "Zed Two")] {
        for i in 0..count {
            let url = format!("https://x.com/zed/status/{}", month * 100 + i);
            add(
                format!("{prefix}{i:02}.md"),
                format!("2026-{month:02}-{:02}T08:00:00Z", i + 1),
                &[(&format!("Story {month}.{i} - {name}"), &url, "x")],
            );
        }
    }
    // Named by no title of its own: the entry shows the display name.
    add(
        "c.md".into(),
        "2026-03-01T08:00:00Z".into(),
        &[("Untitled", "https://x.com/i/web/status/100", "x")],
    );
    let s = settings();
    let once = tree::build(corpus.clone(), &s).unwrap().files;
    assert!(once == digestfeed::reference::build(&corpus, &s).unwrap().files);
    let feed: serde_json::Value = serde_json::from_slice(&once["authors/zed/feed.json"]).unwrap();
    assert!(
        feed["title"].as_str().unwrap().contains("Zed Two"),
        "{}",
        feed["title"]
    );
}

/// A handle's display name changes with one new digest, and with it the author of
/// every entry of the handle whose title names nobody, deep in the history too: the
/// daemon's pipeline, keeping every entry between renders for the archive pages,
/// computes those again, and its folder ends as `--once` writes it.
#[test]
fn a_new_display_name_reaches_every_archive_page_of_the_handle() {
    let s = settings_for(1, true);
    let mut live = Live::new(s.clone());
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut folder = tree::Output::new();
    fn add(
        live: &mut Live,
        files: &mut BTreeMap<String, Vec<u8>>,
        (name, date, title, id): (String, String, &str, u64),
    ) {
        let url = format!("https://x.com/zed/status/{id}");
        let text = crate::support::digest(&date, &["AI"], &[(title, &url, "x")]);
        update(live, &name, Some(text.as_bytes()));
        files.insert(name, text.into_bytes());
    }
    // More entries than the author's feed keeps ranks of (2 × 1 + 16).
    for i in 0..30u64 {
        let date = format!("2026-01-{:02}T08:00:00Z", i + 1);
        let title = format!("Story {i}");
        add(
            &mut live,
            &mut files,
            (format!("a{i:02}.md"), date, &title, 100 + i),
        );
    }
    let read = |files: &BTreeMap<String, Vec<u8>>| {
        let files = files.clone();
        move |rel: &Path| rel.to_str().and_then(|r| files.get(r)).cloned()
    };
    let changed = live.render(read(&files)).unwrap();
    live.write_into(&changed, true, &mut folder).unwrap();
    let author = |folder: &tree::Output| -> String {
        let page = folder
            .keys()
            .find(|k| k.starts_with("archive/") && k.ends_with("feed.json"))
            .unwrap();
        let feed: serde_json::Value = serde_json::from_slice(&folder[page]).unwrap();
        feed["items"][0]["authors"][0]["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = author(&folder);
    let fresh = (
        "b.md".into(),
        "2026-02-01T08:00:00Z".into(),
        "Fresh news - Zed Two",
        999,
    );
    add(&mut live, &mut files, fresh);
    let changed = live.render(read(&files)).unwrap();
    live.write_into(&changed, false, &mut folder).unwrap();
    assert_ne!(
        author(&folder),
        before,
        "the display name did not change: no test"
    );
    let corpus: Corpus = files
        .iter()
        .map(
            |(name, bytes)| match parse_digest(Path::new(name), bytes, chrono_tz::Tz::UTC) {
                Ok(Parsed::Digest(d)) => (name.into(), d),
                other => panic!("{name}: {other:?}"),
            },
        )
        .collect();
    assert!(folder == tree::build(corpus, &s).unwrap().files);
}

/// Two names of one handle, split off equally often: the one used first is the display
/// name. When the digest that used a name first goes, the name's next use is found,
/// and the tie goes to the name used first now; the daemon's engine agrees with a fresh
/// build.
#[test]
fn a_tie_goes_to_the_name_used_first_even_after_its_first_use_leaves() {
    // "Zed One" on days 1, 3 and 5, "Zed Two" on 2 and 4: without day 1, two uses
    // each, and "Zed Two" was used first.
    let one_three_five = [
        (1, "Zed One"),
        (2, "Zed Two"),
        (3, "Zed One"),
        (4, "Zed Two"),
        (5, "Zed One"),
    ];
    assert_eq!(
        display_names_before_and_after(&one_three_five, 1),
        ("Zed One", "Zed Two")
    );
    // "Zed One" on days 1, 2 and 6, "Zed Two" on 3 and 4: without day 1, the next use
    // of "Zed One", day 2, is still the first.
    let one_two_six = [
        (1, "Zed One"),
        (2, "Zed One"),
        (3, "Zed Two"),
        (4, "Zed Two"),
        (6, "Zed One"),
    ];
    assert_eq!(
        display_names_before_and_after(&one_two_six, 1),
        ("Zed One", "Zed One")
    );
}

/// The display name of @zed in the daemon's engine for digests of one item on these
/// days of January, and after the digest of day `removed` goes (checked against a
/// fresh build).
fn display_names_before_and_after(
    uses: &[(u32, &str)],
    removed: u32,
) -> (&'static str, &'static str) {
    let mut corpus = Corpus::new();
    for (day, name) in uses {
        let url = format!("https://x.com/zed/status/{day}");
        let text = crate::support::digest(
            &format!("2026-01-{day:02}T08:00:00Z"),
            &["AI"],
            &[(&format!("Story {day} - {name}"), &url, "x")],
        );
        let file = format!("{day:02}.md");
        match parse_digest(Path::new(&file), text.as_bytes(), chrono_tz::Tz::UTC) {
            Ok(Parsed::Digest(d)) => corpus.insert(file.into(), d),
            other => panic!("{file}: {other:?}"),
        };
    }
    let s = settings();
    let shown = |files: &digestfeed::render::tree::Output| -> &'static str {
        let feed: serde_json::Value =
            serde_json::from_slice(&files["authors/zed/feed.json"]).unwrap();
        let title = feed["title"].as_str().unwrap();
        ["Zed One", "Zed Two"]
            .into_iter()
            .find(|n| title.contains(n))
            .unwrap_or_else(|| panic!("{title}"))
    };
    let mut engine = Engine::new(&s);
    let mut renderer = Renderer::default();
    engine.apply(corpus.clone().into_iter().map(|(p, d)| (p, Some(d))));
    renderer.render(&engine, &s, None).unwrap();
    let before = shown(renderer.files());
    let gone = std::path::PathBuf::from(format!("{removed:02}.md"));
    let dirty = engine.apply([(gone.clone(), None)]);
    renderer.render(&engine, &s, Some(&dirty)).unwrap();
    corpus.remove(&gone);
    let fresh = tree::build(corpus, &s).unwrap().files;
    assert!(renderer.files() == &fresh, "updated engine vs fresh build");
    (before, shown(&fresh))
}
