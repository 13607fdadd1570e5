//! The whole output for the example digests, compared byte for byte with the tree
//! checked in under `tests/golden/examples/`. After a deliberate change, regenerate it
//! with `UPDATE_GOLDEN=1 cargo test golden` and review the diff in the commit.

use crate::support::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn first_difference(name: &str, expected: &[u8], actual: &[u8]) -> String {
    let (e, a) = (
        String::from_utf8_lossy(expected),
        String::from_utf8_lossy(actual),
    );
    for (i, (le, la)) in e.lines().zip(a.lines()).enumerate() {
        if le != la {
            return format!("{name}:{}:\n  expected: {le}\n  actual:   {la}", i + 1);
        }
    }
    format!(
        "{name}: {} lines expected, {} written",
        e.lines().count(),
        a.lines().count()
    )
}

#[test]
fn example_output_matches_the_golden_tree() {
    let actual = run_examples();
    let golden = repo().join("tests/golden/examples");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        if golden.exists() {
            fs::remove_dir_all(&golden).unwrap();
        }
        for (name, bytes) in &actual {
            write(&golden, name, bytes);
        }
        return;
    }
    assert!(
        Path::new(&golden).exists(),
        "no golden tree: run UPDATE_GOLDEN=1 cargo test golden"
    );
    let expected: BTreeMap<String, Vec<u8>> = read_tree(&golden);
    let names = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&actual), names(&expected), "the set of files differs");
    for (name, bytes) in &expected {
        assert!(
            &actual[name] == bytes,
            "{}\n(regenerate with UPDATE_GOLDEN=1 cargo test golden if the change is intended)",
            first_difference(name, bytes, &actual[name])
        );
    }
}
