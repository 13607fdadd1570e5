//! The shape of the source tree that docs/INTERNALS.md promises a maintainer: stages
//! that import each other one way only, files short enough to read, and a lib.rs that
//! names every stage.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's code before its unit tests, without comment lines.
fn code_of(text: &str) -> Vec<&str> {
    let before_tests = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
    before_tests
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//"))
        .collect()
}

/// Top-level module → the top-level modules its code names through `crate::`.
fn imports() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let from = first.trim_end_matches(".rs").to_string();
        if from == "lib" || from == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for line in code_of(&text) {
            for (i, _) in line.match_indices("crate::") {
                let to: String = line[i + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !to.is_empty() && to != from {
                    graph
                        .entry(from.clone())
                        .or_default()
                        .entry(to)
                        .or_default()
                        .insert(rel.display().to_string());
                }
            }
        }
    }
    graph
}

#[test]
fn no_top_level_module_imports_one_that_imports_it_back() {
    let graph = imports();
    // A path back to where it started, found by a depth-first walk.
    fn back(
        graph: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).map(|m| m.keys()).into_iter().flatten() {
            path.push(next.clone());
            if next == start || (seen.insert(next.clone()) && back(graph, start, next, path, seen))
            {
                return true;
            }
            path.pop();
        }
        false
    }
    for start in graph.keys() {
        let mut path = vec![start.clone()];
        if back(&graph, start, start, &mut path, &mut BTreeSet::new()) {
            let steps: Vec<String> = path
                .windows(2)
                .map(|w| format!("{} -> {} (in {:?})", w[0], w[1], graph[&w[0]][&w[1]]))
                .collect();
            panic!("an import cycle:\n{}", steps.join("\n"));
        }
    }
    // The dispatcher is at the top, the shared ground at the bottom.
    assert!(
        !graph.values().any(|to| to.contains_key("app")),
        "nothing imports app"
    );
    for ground in ["support", "cli"] {
        let up: Vec<&String> = graph
            .get(ground)
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert!(
            up.iter()
                .all(|m| ["support", "error"].contains(&m.as_str())),
            "{ground} imports {up:?}"
        );
    }
}

#[test]
fn no_source_file_is_over_500_lines_of_code_before_its_tests() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = code_of(&std::fs::read_to_string(f).unwrap()).len();
            (n > 500).then(|| format!("{}: {n}", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "too long to read whole: {long:?}");
}

#[test]
fn the_crate_doc_names_every_top_level_module() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let doc: String = lib
        .lines()
        .filter(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    let modules: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.split_once("mod ").map(|(_, m)| m.trim_end_matches(';')))
        .filter(|m| m.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    assert!(modules.len() >= 10, "{modules:?}");
    for m in modules {
        assert!(
            doc.contains(&format!("`{m}`")) || doc.contains(&format!("[`{m}`]")),
            "lib.rs's doc does not name {m}"
        );
    }
}
