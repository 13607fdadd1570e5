//! Names (handles, authors' display names, categories) stored once for the life of the
//! process.
//!
//! A full run holds hundreds of thousands of entries, each naming a handle, an author
//! and a few categories, out of a few dozen distinct names. Shared by reference count
//! (`Arc`), every entry built on either core would bump the same few counters, and
//! those contended atomic increments were a third of the time spent computing entries.
//! A `&'static str` is copied for free. The price: a name is never freed once seen.
//! That is bounded by the distinct names a folder has ever held, a few kilobytes for
//! years of digests, and the engine kept every name it saw before this too.

use foldhash::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};

fn table() -> &'static Mutex<HashSet<&'static str>> {
    static TABLE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    TABLE.get_or_init(Mutex::default)
}

/// The one stored copy of `name`.
pub fn intern(name: &str) -> &'static str {
    let mut table = table().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&stored) = table.get(name) {
        return stored;
    }
    let stored: &'static str = Box::leak(name.into());
    table.insert(stored);
    stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_name_is_stored_once() {
        let a = intern(&String::from("向阳乔木"));
        let b = intern(&String::from("向阳乔木"));
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "向阳乔木");
        assert!(!std::ptr::eq(intern("x"), intern("y")));
    }
}
