//! `digestfeed publish --adopt`: the way back from a lost manifest. A bucket whose
//! manifest is gone holds feeds that no publish may overwrite, since nothing says
//! digestfeed wrote them; this takes over those whose bytes are what digestfeed writes
//! now, names the rest, and writes nothing else. Never done automatically.

use crate::config::Settings;
use crate::error::report::ErrorFormat;
use std::process::ExitCode;

/// The exit code of `digestfeed publish --adopt`.
pub(super) fn main(settings: &Settings, format: ErrorFormat) -> ExitCode {
    let Some(config) = &settings.publish else {
        tracing::error!("publish --adopt: the config has no `publish:` (the bucket to take over)");
        return ExitCode::from(2);
    };
    let rendered =
        match crate::rendered::read_and_render(settings, format, &super::warn_no_items, |_| {}) {
            Ok(rendered) => rendered,
            Err(e) => {
                tracing::error!("{e}");
                return ExitCode::from(e.exit_code());
            }
        };
    let adopted = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::error::PublishError::Setup {
            message: format!("cannot start the network runtime: {e}"),
        })
        .and_then(|runtime| {
            let bucket = crate::output::publish::bucket::Bucket::new(config)?;
            runtime.block_on(bucket.adopt(&rendered.built.files))
        });
    let bucket = format!("s3://{}/{}", config.bucket, config.prefix);
    match adopted {
        Ok((adopted, differ)) => {
            for path in &differ {
                tracing::warn!(object = %format!("{bucket}{path}"), "not taken over: it holds other bytes than digestfeed writes there now (remove it, and the next publish writes it)");
            }
            tracing::info!(
                adopted = adopted.len(),
                not_adopted = differ.len(),
                bucket = %bucket,
                "taken over"
            );
            if differ.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::from(2)
        }
    }
}
