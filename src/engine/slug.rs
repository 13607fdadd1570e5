//! Folder names for category feeds: one safe path component per name, distinct and stable.

use crate::support::text::short_hash;
use std::collections::BTreeMap;

/// Longest slug kept whole, in bytes; longer ones are cut and get a hash suffix so that
/// the folder name stays far below NAME_MAX (255 bytes) and distinct.
const MAX_SLUG_BYTES: usize = 80;

/// Slug for a name that has no letter or digit at all (`.`, `..`, `/`, empty).
const EMPTY_SLUG: &str = "untitled";

/// Lowercase; Unicode letters and digits kept; every run of anything else becomes one
/// `-`; no leading or trailing `-`. The result never contains `/`, `\`, `.` or NUL, so it
/// is always exactly one path component inside its parent folder.
pub(crate) fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        return EMPTY_SLUG.to_string();
    }
    if slug.len() > MAX_SLUG_BYTES {
        let mut cut = MAX_SLUG_BYTES;
        while !slug.is_char_boundary(cut) {
            cut -= 1;
        }
        slug.truncate(cut);
        while slug.ends_with('-') {
            slug.pop();
        }
        slug = format!("{slug}-{}", short_hash(name));
    }
    slug
}

/// Assigns every name its folder. Each name comes with its seniority (for feeds: the
/// date of its oldest entry), so that when names slug alike, the senior one keeps the
/// plain slug (ties: the name that sorts first) and a newcomer never takes an
/// existing folder away. The others get `-` and a hash of their own name.
pub(crate) fn assign<'a, K: Ord>(
    names: impl IntoIterator<Item = (&'a str, K)>,
) -> BTreeMap<String, String> {
    let mut groups: BTreeMap<String, Vec<(K, &str)>> = BTreeMap::new();
    for (name, seniority) in names {
        groups
            .entry(slugify(name))
            .or_default()
            .push((seniority, name));
    }
    let mut taken: BTreeMap<String, ()> = groups.keys().map(|s| (s.clone(), ())).collect();
    let mut assigned = BTreeMap::new();
    for (slug, mut members) in groups {
        members.sort();
        for (i, (_, name)) in members.into_iter().enumerate() {
            if assigned.contains_key(name) {
                continue;
            }
            if i == 0 {
                assigned.insert(name.to_string(), slug.clone());
                continue;
            }
            let mut candidate = format!("{slug}-{}", short_hash(name));
            let mut n = 2;
            while taken.contains_key(&candidate) {
                candidate = format!("{slug}-{}-{n}", short_hash(name));
                n += 1;
            }
            taken.insert(candidate.clone(), ());
            assigned.insert(name.to_string(), candidate);
        }
    }
    assigned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_one_safe_component(slug: &str) -> bool {
        !slug.is_empty()
            && !slug.contains(['/', '\\', '.', '\0'])
            && slug.len() <= 255
            && !slug.starts_with('-')
    }

    #[test]
    fn hostile_names_become_one_safe_component() {
        for name in [
            "../../etc",
            "a/b",
            ".",
            "..",
            "",
            "   ",
            "/",
            "\\x\\y",
            "\0",
            "-.-",
        ] {
            let slug = slugify(name);
            assert!(is_one_safe_component(&slug), "{name:?} -> {slug:?}");
        }
        assert_eq!(slugify("../../etc"), "etc");
        assert_eq!(slugify("a/b"), "a-b");
        assert_eq!(slugify("."), "untitled");
        assert_eq!(slugify(""), "untitled");
    }

    #[test]
    fn keeps_unicode_letters_and_lowercases() {
        assert_eq!(slugify("AI新闻"), "ai新闻");
        assert_eq!(slugify("Open Source / LLMs"), "open-source-llms");
        assert_eq!(slugify("Café"), "café");
        assert_eq!(slugify("clem 🤗"), "clem");
        assert_eq!(slugify("🤗"), "untitled");
    }

    #[test]
    fn long_names_are_cut_on_a_char_boundary_and_stay_distinct() {
        let a = "é".repeat(300);
        let b = format!("{}x", "é".repeat(300));
        let (sa, sb) = (slugify(&a), slugify(&b));
        assert!(is_one_safe_component(&sa) && is_one_safe_component(&sb));
        assert!(sa.len() <= MAX_SLUG_BYTES + 9);
        assert_ne!(sa, sb);
    }

    #[test]
    fn names_that_slug_alike_get_distinct_stable_folders() {
        // "Open Source" came first; "open-source" and "open source" appear later.
        let before = assign([("Open Source", 1), ("Robots", 1)]);
        assert_eq!(before["Open Source"], "open-source");
        let after = assign([
            ("open-source", 5),
            ("Robots", 1),
            ("open source", 3),
            ("Open Source", 1),
        ]);
        assert_eq!(
            after["Open Source"], "open-source",
            "the senior name keeps its folder"
        );
        assert_ne!(after["open-source"], after["open source"]);
        assert!(after["open-source"].starts_with("open-source-"));
        assert_eq!(after["Robots"], "robots");
        // The same names and seniorities in any order give the same folders.
        let shuffled = assign([
            ("open source", 3),
            ("Open Source", 1),
            ("open-source", 5),
            ("Robots", 1),
        ]);
        assert_eq!(after, shuffled);
        // A newcomer's folder does not depend on which other newcomers exist.
        let fewer = assign([("Open Source", 1), ("open-source", 5)]);
        assert_eq!(fewer["open-source"], after["open-source"]);
    }

    #[test]
    fn emoji_only_and_punctuation_only_names_do_not_collide() {
        let map = assign([("🤗", 0), (".", 0), ("..", 0), ("", 0)]);
        let mut slugs: Vec<_> = map.values().collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), 4);
        assert!(slugs.iter().all(|s| is_one_safe_component(s)));
    }
}
