//! What every stage leans on and no stage owns: work shared among the cores, text
//! helpers, standard output, log lines and the allocator's memory.

pub mod logging;
// The one module allowed `unsafe`: two calls into glibc's allocator (see there).
#[allow(unsafe_code)]
pub(crate) mod memory;
pub(crate) mod par;
pub mod stdout;
pub mod text;
