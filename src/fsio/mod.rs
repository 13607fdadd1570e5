//! The edges that touch the disk: reading the input folder, writing the output folder.

pub mod folder;
pub mod scan;
pub mod writer;

/// Identity of a folder or file (device, inode), following links: to notice one being
/// removed, or replaced by another at the same path.
pub fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}
