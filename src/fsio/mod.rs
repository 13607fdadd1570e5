//! The edges that touch the disk: reading the input folder, writing the output folder.

pub mod folder;
pub mod scan;
pub mod writer;
