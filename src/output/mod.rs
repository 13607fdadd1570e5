//! Where the rendered feeds go: the output folder (`writer`, through `folder`'s
//! handles), an S3-compatible bucket ([`publish`]) and the WebSub hubs told of each
//! change (`websub`); `link_order` is the order in which files become visible in both.

pub(crate) mod folder;
pub(crate) mod link_order;
pub mod publish;
pub(crate) mod websub;
pub(crate) mod writer;
