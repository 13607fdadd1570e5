//! Where the rendered feeds go: the output folder (`writer`, through `folder`'s
//! handles), an S3-compatible bucket ([`publish`]) and the WebSub hubs told of each
//! change (`websub`).

pub(crate) mod folder;
pub mod publish;
pub(crate) mod websub;
pub(crate) mod writer;
