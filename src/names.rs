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

fn sets() -> &'static Mutex<HashSet<&'static [&'static str]>> {
    static SETS: OnceLock<Mutex<HashSet<&'static [&'static str]>>> = OnceLock::new();
    SETS.get_or_init(Mutex::default)
}

/// The one stored copy of a set of names (an entry's categories): a folder's entries
/// share a few hundred distinct sets, and a copy per entry was a tenth of the daemon's
/// memory.
pub fn intern_set(names: &[&'static str]) -> &'static [&'static str] {
    let mut sets = sets().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&stored) = sets.get(names) {
        return stored;
    }
    let stored: &'static [&'static str] = Box::leak(names.into());
    sets.insert(stored);
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

    #[test]
    fn the_same_set_is_stored_once() {
        let (x, y) = (intern("x"), intern("y"));
        let a = intern_set(&[x, y]);
        assert!(std::ptr::eq(a, intern_set(&[x, y])));
        assert_eq!(a, [x, y]);
        assert!(!std::ptr::eq(a, intern_set(&[x])));
    }
}
