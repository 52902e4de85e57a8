//! The AWS shared configuration files: `credentials` (`[name]` sections with
//! `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`) and `config`
//! (`[default]` and `[profile name]` sections with `region`, and possibly keys too). Only what
//! the credential chain of [`super::Aws`] needs; object_store reads the environment itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Static keys of a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// What a profile holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub keys: Option<Keys>,
    pub region: Option<String>,
}

/// The two files and the profile name, from the environment.
pub struct Files {
    pub credentials: PathBuf,
    pub config: PathBuf,
    /// `AWS_PROFILE`, when set.
    pub name: Option<String>,
}

impl Files {
    pub fn from_env() -> Files {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        let var = |n: &str| {
            std::env::var_os(n)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Files {
            credentials: var("AWS_SHARED_CREDENTIALS_FILE")
                .unwrap_or_else(|| home.join(".aws/credentials")),
            config: var("AWS_CONFIG_FILE").unwrap_or_else(|| home.join(".aws/config")),
            name: std::env::var("AWS_PROFILE")
                .ok()
                .filter(|v| !v.trim().is_empty()),
        }
    }

    /// The profile in use: `None` when neither file has it and none was named; an error when
    /// `AWS_PROFILE` names a profile that neither file has.
    pub fn profile(&self) -> Result<Option<Profile>, String> {
        let name = self.name.as_deref().unwrap_or("default");
        let creds = read(&self.credentials);
        let config = read(&self.config);
        let config_section = if name == "default" {
            "default".to_string()
        } else {
            format!("profile {name}")
        };
        let a = creds.get(name);
        let b = config.get(&config_section);
        if a.is_none() && b.is_none() {
            return match &self.name {
                Some(n) => Err(format!(
                    "AWS_PROFILE `{n}` is neither in {} nor in {}",
                    self.credentials.display(),
                    self.config.display()
                )),
                None => Ok(None),
            };
        }
        let get = |k: &str| {
            a.and_then(|s| s.get(k))
                .or_else(|| b.and_then(|s| s.get(k)))
                .cloned()
        };
        let keys = match (get("aws_access_key_id"), get("aws_secret_access_key")) {
            (Some(id), Some(secret)) => Some(Keys {
                access_key_id: id,
                secret_access_key: secret,
                session_token: get("aws_session_token"),
            }),
            _ => None,
        };
        Ok(Some(Profile {
            keys,
            region: b.and_then(|s| s.get("region")).cloned(),
        }))
    }
}

type Sections = BTreeMap<String, BTreeMap<String, String>>;

fn read(path: &Path) -> Sections {
    std::fs::read_to_string(path)
        .map(|t| parse(&t))
        .unwrap_or_default()
}

/// Parses an INI file as AWS writes them: `[section]`, `key = value`, `#` and `;` comments.
pub fn parse(text: &str) -> Sections {
    let mut out = Sections::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            out.entry(name.clone()).or_default();
            current = Some(name);
        } else if let (Some(sec), Some((k, v))) = (&current, line.split_once('=')) {
            out.entry(sec.clone())
                .or_default()
                .insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, creds: &str, config: &str, name: Option<&str>) -> Files {
        std::fs::write(dir.join("credentials"), creds).unwrap();
        std::fs::write(dir.join("config"), config).unwrap();
        Files {
            credentials: dir.join("credentials"),
            config: dir.join("config"),
            name: name.map(str::to_string),
        }
    }

    #[test]
    fn profiles_from_both_files() {
        let dir = std::env::temp_dir().join(format!("lab-aws-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let creds = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key=s1\n\n\
                     [dev]\n# a comment\naws_access_key_id = AKIDDEV\naws_secret_access_key = s2\n\
                     aws_session_token = tok\n";
        let config = "[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-central-1\n\
                      [profile cfg-only]\naws_access_key_id = AKIDCFG\naws_secret_access_key = s3\n";
        let p = files(&dir, creds, config, None).profile().unwrap().unwrap();
        assert_eq!(p.keys.unwrap().access_key_id, "AKIDDEFAULT");
        assert_eq!(p.region.as_deref(), Some("eu-west-1"));
        let p = files(&dir, creds, config, Some("dev"))
            .profile()
            .unwrap()
            .unwrap();
        let k = p.keys.unwrap();
        assert_eq!(
            (k.access_key_id.as_str(), k.session_token.as_deref()),
            ("AKIDDEV", Some("tok"))
        );
        assert_eq!(p.region.as_deref(), Some("eu-central-1"));
        let p = files(&dir, creds, config, Some("cfg-only"))
            .profile()
            .unwrap()
            .unwrap();
        assert_eq!(p.keys.unwrap().secret_access_key, "s3");
        let e = files(&dir, creds, config, Some("nope"))
            .profile()
            .unwrap_err();
        assert!(e.contains("AWS_PROFILE `nope`"), "{e}");
        assert_eq!(files(&dir, "", "", None).profile().unwrap(), None);
        std::fs::remove_dir_all(&dir).ok();
    }
}
