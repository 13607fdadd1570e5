//! What every stage leans on and no stage owns: work shared among the cores, text
//! helpers, standard output, log lines, the allocator's memory and the identity of a
//! file.

pub mod logging;
// The one module allowed `unsafe`: two calls into glibc's allocator (see there).
#[allow(unsafe_code)]
pub(crate) mod memory;
pub(crate) mod par;
pub mod stdout;
pub mod text;

/// Identity of a folder or file (device, inode), following links: to notice one being
/// removed, or replaced by another at the same path.
pub fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}
