//! The bucket in a build without the `publish` feature: the same names, none of which
//! can be reached (the config refuses `publish:` in such a build), so that the runs
//! that publish need no feature checks of their own.

use super::{Manifest, Report};
use crate::config::Publish;
use crate::error::PublishError;
use crate::render::tree::Output;

/// No bucket can be had in this build.
pub enum Bucket {}

impl Bucket {
    pub fn new(_config: &Publish) -> Result<Bucket, PublishError> {
        Err(unbuilt())
    }

    pub async fn state(&self) -> Result<(Manifest, Option<String>), PublishError> {
        match *self {}
    }

    pub async fn publish(&self, _files: &Output) -> Result<Report, PublishError> {
        match *self {}
    }

    pub async fn adopt(&self, _files: &Output) -> Result<(Vec<String>, Vec<String>), PublishError> {
        match *self {}
    }
}

pub fn publish_once<'a>(
    _config: &Publish,
    _files: impl Into<super::ToPublish<'a>>,
) -> Result<Report, PublishError> {
    Err(unbuilt())
}

fn unbuilt() -> PublishError {
    PublishError::Setup {
        message: "this digestfeed was built without the `publish` feature".into(),
    }
}
