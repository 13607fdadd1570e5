//! The writer under faults: a full disk. Every feed on disk stays whole (its previous
//! version), the error names the file, `--once` exits 2, and the next run on a disk
//! with room converges to a fresh run's output.

use crate::support::*;
use std::fs;

#[ignore = "needs root, to mount a small tmpfs; .ci/run runs it"]
#[test]
fn a_full_disk_leaves_every_feed_whole_and_the_next_run_converges() {
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("in");
    let disk = Tmpfs::mount(&root.path().join("out"), "1m")
        .expect("cannot mount a tmpfs here (needs root)");
    let out = disk.0.clone();
    for (i, day) in ["01", "02", "03"].iter().enumerate() {
        write(
            &input,
            &format!("{day}.md"),
            digest(
                &format!("2026-01-{day}T08:00:00Z"),
                &["AI"],
                &[(
                    &format!("Item {i} - Ben Tossell"),
                    &format!("https://x.com/bentossell/status/{i}"),
                    &"summary ".repeat(200),
                )],
            ),
        );
    }
    assert_eq!(run_once(&input, &out, &[]).status.code(), Some(0));
    let before = read_tree(&out);

    // Fill the disk with someone else's file, then add a digest: the new feeds do not fit.
    let used: u64 = before.values().map(|b| b.len() as u64).sum();
    let _ = fs::write(
        out.join("filler.bin"),
        vec![0u8; (1 << 20) - used as usize - 8192],
    );
    let filler = fs::read(out.join("filler.bin")).unwrap_or_default();
    write(
        &input,
        "04.md",
        digest(
            "2026-01-04T08:00:00Z",
            &["AI", "New"],
            &[(
                "Big - Andrew Ng",
                "https://x.com/andrewyng/status/9",
                &"long ".repeat(3000),
            )],
        ),
    );
    let result = run_once(&input, &out, &[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    let err = stderr(&result);
    assert!(
        err.contains(&out.display().to_string()),
        "the error names the file: {err}"
    );
    assert!(err.contains("No space left on device"), "{err}");
    let after = read_tree(&out);
    for (name, bytes) in &before {
        assert_eq!(after.get(name), Some(bytes), "{name} changed or vanished");
    }
    assert_eq!(
        after.get("filler.bin").map(Vec::len),
        Some(filler.len()),
        "a foreign file is untouched"
    );
    assert!(
        !after.keys().any(|k| k.ends_with(".digestfeed-tmp")),
        "{:?}",
        after.keys()
    );

    // Room again: the next run converges to what a fresh run writes.
    disk.resize("16m");
    assert_eq!(run_once(&input, &out, &[]).status.code(), Some(0));
    let fresh = tempfile::tempdir().unwrap();
    assert_eq!(run_once(&input, fresh.path(), &[]).status.code(), Some(0));
    let mut ours = read_tree(&out);
    ours.remove("filler.bin");
    assert_eq!(ours, read_tree(fresh.path()));
}

#[ignore = "needs root and setpriv, to run the binary as nobody; .ci/run runs it"]
#[test]
fn an_output_folder_the_user_cannot_write_exits_2_and_leaves_it_alone() {
    use std::os::unix::fs::PermissionsExt;
    // Root ignores mode bits, so the run drops to `nobody` (needs root and setpriv).
    assert!(
        can_run_as_nobody(),
        "cannot run as nobody here (needs root and setpriv)"
    );
    let root = tempfile::tempdir().unwrap();
    fs::set_permissions(root.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let (input, out) = (root.path().join("in"), root.path().join("out"));
    write(
        &input,
        "a.md",
        digest(
            "2026-01-01T08:00:00Z",
            &["AI"],
            &[("A - Ben Tossell", "https://x.com/bentossell/status/1", "s")],
        ),
    );
    fs::create_dir_all(&out).unwrap();
    write(&out, "keep.txt", "mine\n");
    for dir in [&input, &out] {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let result = run_once_under(&AS_NOBODY, &input, &out, &[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    let err = stderr(&result);
    assert!(
        err.contains(&out.display().to_string()) && err.contains("Permission denied"),
        "{err}"
    );
    assert_eq!(
        read_tree(&out).into_keys().collect::<Vec<_>>(),
        vec!["keep.txt".to_string()]
    );
}
