//! Folder names for category feeds: one safe path component per name, distinct and stable.

use crate::text::short_hash;
use std::collections::BTreeMap;

/// Longest slug kept whole, in bytes; longer ones are cut and get a hash suffix so that
/// the folder name stays far below NAME_MAX (255 bytes) and distinct.
const MAX_SLUG_BYTES: usize = 80;

/// Slug for a name that has no letter or digit at all (`.`, `..`, `/`, empty).
const EMPTY_SLUG: &str = "untitled";

/// Lowercase; Unicode letters and digits kept; every run of anything else becomes one
/// `-`; no leading or trailing `-`. The result never contains `/`, `\`, `.` or NUL, so it
/// is always exactly one path component inside its parent folder.
pub fn slugify(name: &str) -> String {
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

/// Assigns every name its folder. Names whose slugs coincide are told apart stably: the
/// name that is already its own slug (else the one that sorts first) keeps the plain
/// slug, each other gets `-` and a hash of its own name, which does not depend on which
/// other names exist.
pub fn assign<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for name in names {
        groups.entry(slugify(name)).or_default().push(name);
    }
    let mut taken: BTreeMap<String, ()> = groups.keys().map(|s| (s.clone(), ())).collect();
    let mut assigned = BTreeMap::new();
    for (slug, mut members) in groups {
        members.sort_by_key(|name| (*name != slug, *name));
        members.dedup();
        for (i, name) in members.into_iter().enumerate() {
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
        let one = assign(["AI News", "ai-news", "ai news"]);
        assert_eq!(
            one["ai-news"], "ai-news",
            "the name that is its own slug keeps it"
        );
        assert_ne!(one["AI News"], one["ai news"]);
        assert!(one["AI News"].starts_with("ai-news-"));
        // Adding an unrelated name, or reordering, changes no folder.
        let two = assign(["ai news", "Robots", "ai-news", "AI News"]);
        for name in ["AI News", "ai-news", "ai news"] {
            assert_eq!(one[name], two[name]);
        }
        assert_eq!(two["Robots"], "robots");
    }

    #[test]
    fn emoji_only_and_punctuation_only_names_do_not_collide() {
        let map = assign(["🤗", ".", "..", ""]);
        let mut slugs: Vec<_> = map.values().collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), 4);
        assert!(slugs.iter().all(|s| is_one_safe_component(s)));
    }
}
