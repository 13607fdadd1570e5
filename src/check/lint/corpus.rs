//! The lints across digests: DF006, DF007 and DF008.

use crate::error::report::Lint;
use crate::model::key::EntryKey;
use crate::model::Corpus;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Tweets whose title differs from the one in the earliest digest that has them (the
/// one readers see), at each later item.
pub(super) fn retitled(corpus: &Corpus, root: &Path) -> Vec<Lint> {
    let mut digests: Vec<(&PathBuf, &crate::model::Digest)> = corpus.iter().collect();
    // Corpus order: oldest first, then by path (the map iterates in path order).
    digests.sort_by_key(|(_, d)| d.date);
    let mut first: HashMap<&EntryKey, (&PathBuf, usize, &str)> = HashMap::new();
    let mut lints = Vec::new();
    for (rel, digest) in digests {
        for item in &digest.items {
            match first.get(&item.link.key) {
                None => {
                    first.insert(&item.link.key, (rel, item.line, &item.title));
                }
                Some((at, line, title)) if **title != *item.title && *at != rel => {
                    lints.push(Lint {
                        code: "DF007",
                        path: root.join(rel),
                        line: Some(item.line),
                        message: format!(
                            "this tweet is titled \"{title}\" at {}:{line}, the title readers see",
                            root.join(at).display()
                        ),
                    });
                }
                Some(_) => {}
            }
        }
    }
    lints
}

/// A category name folded: lowercase, full-width forms as ASCII, without whitespace,
/// `-` or `_`.
pub(super) fn fold(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .collect()
}

/// One lint per spelling of a category that another, more used spelling folds alike,
/// at the first digest that uses it.
pub(super) fn similar_categories(corpus: &Corpus, root: &Path) -> Vec<Lint> {
    // Spelling → (uses, first digest), then each spelling folded once: a folder names
    // a few dozen categories over and over.
    let mut uses: HashMap<&str, (usize, &Path)> = HashMap::new();
    for (rel, digest) in corpus {
        for name in &digest.categories {
            uses.entry(name.as_str()).or_insert((0, rel.as_path())).0 += 1;
        }
    }
    // Folded → spelling → (uses, first digest).
    let mut spellings: BTreeMap<String, BTreeMap<&str, (usize, &Path)>> = BTreeMap::new();
    for (name, counted) in uses {
        spellings
            .entry(fold(name))
            .or_default()
            .insert(name, counted);
    }
    let mut lints = Vec::new();
    for names in spellings.values().filter(|n| n.len() > 1) {
        let Some((&usual, _)) = names
            .iter()
            .max_by_key(|(name, (uses, _))| (*uses, std::cmp::Reverse(*name)))
        else {
            continue;
        };
        for (name, (uses, first)) in names {
            if *name != usual {
                lints.push(Lint {
                    code: "DF006",
                    path: root.join(first),
                    line: None,
                    message: format!(
                        "category \"{name}\" ({uses} digests) differs from \"{usual}\" only in case, width or spacing: two feeds where one is meant"
                    ),
                });
            }
        }
    }
    lints
}

/// DF008: each item whose tweet holds `max` categories from earlier digests (corpus
/// order) already, and whose digest names others, which the entry leaves out. The
/// same choice as the merge's: the earliest digests' categories first, each
/// digest's by name.
pub(super) fn too_many_categories(corpus: &Corpus, root: &Path, max: usize) -> Vec<Lint> {
    let mut digests: Vec<(&PathBuf, &crate::model::Digest)> = corpus.iter().collect();
    digests.sort_by_key(|(_, d)| d.date);
    // Each tweet's categories so far, and the last digest that added to them (the
    // same tweet twice in one digest counts once).
    let mut held: HashMap<&EntryKey, (usize, Vec<&str>)> = HashMap::new();
    let mut lints = Vec::new();
    for (at, (rel, digest)) in digests.into_iter().enumerate() {
        let mut names: Vec<&str> = digest.categories.iter().map(String::as_str).collect();
        names.sort_unstable();
        for item in &digest.items {
            let (last, held) = held
                .entry(&item.link.key)
                .or_insert((usize::MAX, Vec::new()));
            if std::mem::replace(last, at) == at {
                continue;
            }
            let mut left_out: Vec<&str> = Vec::new();
            for name in &names {
                if held.contains(name) {
                    continue;
                }
                if held.len() < max {
                    held.push(name);
                } else {
                    left_out.push(name);
                }
            }
            if left_out.is_empty() {
                continue;
            }
            let shown: Vec<String> = left_out
                .iter()
                .take(3)
                .map(|n| format!("\"{n}\""))
                .collect();
            let more = match left_out.len() {
                n if n > 3 => format!(" and {} more", n - 3),
                _ => String::new(),
            };
            lints.push(Lint {
                code: "DF008",
                path: root.join(rel),
                line: Some(item.line),
                message: format!(
                    "this tweet has its {max} categories (max_categories) from earlier digests and this one's first by name; {}{more} left out for it",
                    shown.join(", ")
                ),
            });
        }
    }
    lints
}
