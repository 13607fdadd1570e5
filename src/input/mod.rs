//! The input folder: finding and reading digests (`scan`), the file events that say
//! where to look again (`watch`), what the daemon knows of each file (`state`), and
//! the digests held back until their date (`held`).

pub(crate) mod held;
pub(crate) mod scan;
pub mod state;
pub(crate) mod watch;
