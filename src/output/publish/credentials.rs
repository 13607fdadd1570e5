//! Credentials from the AWS shared credentials file, for hosts configured with
//! `aws configure` rather than environment variables: `AWS_SHARED_CREDENTIALS_FILE`,
//! else `~/.aws/credentials`, profile `AWS_PROFILE`, else `default`. The environment's
//! `AWS_ACCESS_KEY_ID` wins over the file, as in the AWS tools.

use std::path::PathBuf;

/// An access key, its secret, and a session token if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// The keys of `profile` in a credentials file's text (INI: `[profile]`, `key = value`).
pub(crate) fn from_credentials_file(text: &str, profile: &str) -> Option<Keys> {
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = section.trim() == profile;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !in_profile {
            continue;
        }
        let value = Some(value.trim().to_string());
        match key.trim() {
            "aws_access_key_id" => id = value,
            "aws_secret_access_key" => secret = value,
            "aws_session_token" => token = value,
            _ => {}
        }
    }
    Some(Keys {
        access_key_id: id?,
        secret_access_key: secret?,
        session_token: token,
    })
}

/// The keys the shared credentials file gives this process, unless the environment
/// names a key itself (then the environment is used as it is).
pub(crate) fn from_profile() -> Option<Keys> {
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        return None;
    }
    let path = match std::env::var_os("AWS_SHARED_CREDENTIALS_FILE") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".aws/credentials"),
    };
    let text = std::fs::read_to_string(path).ok()?;
    let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".to_string());
    from_credentials_file(&text, &profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_read_from_the_shared_credentials_file() {
        let text = "[default]\naws_access_key_id = AKIDEFAULT\naws_secret_access_key = s1\n\n# comment\n[feeds]\naws_access_key_id=AKIFEEDS\naws_secret_access_key= s2 \naws_session_token = t\n";
        assert_eq!(
            from_credentials_file(text, "feeds"),
            Some(Keys {
                access_key_id: "AKIFEEDS".into(),
                secret_access_key: "s2".into(),
                session_token: Some("t".into()),
            })
        );
        assert_eq!(
            from_credentials_file(text, "default").map(|k| k.access_key_id),
            Some("AKIDEFAULT".into())
        );
        assert_eq!(from_credentials_file(text, "other"), None);
        assert_eq!(
            from_credentials_file("[x]\naws_access_key_id = a\n", "x"),
            None
        );
    }
}
