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

fn table() -> &'static Mutex<HashSet<Thin>> {
    static TABLE: OnceLock<Mutex<HashSet<Thin>>> = OnceLock::new();
    TABLE.get_or_init(Mutex::default)
}

/// The one stored copy of `name`.
pub(crate) fn intern(name: &str) -> &'static str {
    intern_thin(name).as_str()
}

/// [`intern`], one pointer wide: every item's handle is stored so, with one lookup.
pub(crate) fn intern_thin(name: &str) -> Thin {
    let mut table = table().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&stored) = table.get(name) {
        return stored;
    }
    let text: &'static str = Box::leak(name.into());
    let stored = Thin(Box::leak(Box::new(text)));
    table.insert(stored);
    stored
}

/// A stored name one pointer wide, where `&'static str` takes two: every item of the
/// folder names its link's handle, and the daemon holds every item.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Thin(&'static &'static str);

impl Thin {
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::ops::Deref for Thin {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl std::fmt::Debug for Thin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0, f)
    }
}

/// Hashes and compares as its text, so that the table finds it by a `&str`.
impl std::borrow::Borrow<str> for Thin {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl PartialEq<&str> for Thin {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == *other
    }
}

fn sets() -> &'static Mutex<HashSet<&'static [&'static str]>> {
    static SETS: OnceLock<Mutex<HashSet<&'static [&'static str]>>> = OnceLock::new();
    SETS.get_or_init(Mutex::default)
}

/// The one stored copy of a set of names (an entry's categories): a folder's entries
/// share a few hundred distinct sets, and a copy per entry was a tenth of the daemon's
/// memory.
pub(crate) fn intern_set(names: &[&'static str]) -> &'static [&'static str] {
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
    fn a_thin_name_is_the_stored_name() {
        let a = intern_thin(&String::from("Vista8"));
        assert_eq!(a, intern_thin("Vista8"));
        assert!(std::ptr::eq(a.as_str(), intern("Vista8")));
        assert_eq!(&*a, "Vista8");
        assert_ne!(a, intern_thin("vista8"));
        assert_eq!(std::mem::size_of::<Option<Thin>>(), 8);
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
