//! Configuration: built-in defaults, then a TOML file, then `JIANFU_*`
//! environment variables, then command-line flags. Every key is documented
//! in the README.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Keys read from `JIANFU_*` variables; others (e.g. test settings) are
/// ignored rather than rejected.
const ENV_KEYS: [&str; 11] = [
    "listen",
    "time_zone",
    "data_dir",
    "database_url",
    "cookie_secure",
    "trust_proxy",
    "session_hours",
    "login_max_failures",
    "login_lockout_minutes",
    "login_attempts_per_minute",
    "log",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the web server listens on.
    pub listen: String,
    /// Directory for the SQLite database and backups.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `<data_dir>/jianfu.db`.
    pub database_url: Option<String>,
    /// `auto` (Secure when a proxy reports HTTPS), `always` or `never`.
    pub cookie_secure: String,
    /// Trust `X-Forwarded-For` for the client address in the audit log.
    pub trust_proxy: bool,
    pub session_hours: i64,
    pub login_max_failures: i64,
    pub login_lockout_minutes: i64,
    /// Login attempts one client address may make per minute; successful
    /// logins do not count, so an office behind one NAT address is fine.
    pub login_attempts_per_minute: u32,
    /// Log filter, e.g. `info` or `jianfu=debug,sqlx=warn`.
    pub log: String,
    /// IANA time zone every time is shown in, e.g. `Asia/Urumqi`.
    pub time_zone: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./jianfu-data"),
            database_url: None,
            cookie_secure: "auto".into(),
            trust_proxy: false,
            session_hours: 12,
            login_max_failures: 5,
            login_lockout_minutes: 15,
            login_attempts_per_minute: 10,
            log: "info".into(),
            time_zone: jianfu_app::clock::DEFAULT_ZONE.into(),
        }
    }
}

impl Config {
    /// Loads the configuration. `file` is the `--config` flag; without it
    /// `JIANFU_CONFIG` or `./jianfu.toml` is used when present.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let path: Option<PathBuf> = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("JIANFU_CONFIG").map(PathBuf::from))
            .or_else(|| Some(PathBuf::from("jianfu.toml")).filter(|p| p.exists()));
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(p) = &path {
            if !p.exists() {
                anyhow::bail!("配置文件不存在：{}", p.display());
            }
            fig = fig.merge(Toml::file(p));
        }
        fig = fig.merge(Env::prefixed("JIANFU_").only(&ENV_KEYS));
        let cfg: Config = fig
            .extract()
            .map_err(|e| anyhow::anyhow!("配置有误：{e}"))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> anyhow::Result<()> {
        jianfu_app::clock::parse_zone(&self.time_zone).map_err(|e| anyhow::anyhow!(e))?;
        if !["auto", "always", "never"].contains(&self.cookie_secure.as_str()) {
            anyhow::bail!(
                "cookie_secure 应为 auto、always 或 never，而不是“{}”",
                self.cookie_secure
            );
        }
        if self.session_hours < 1
            || self.login_max_failures < 1
            || self.login_lockout_minutes < 1
            || self.login_attempts_per_minute < 1
        {
            anyhow::bail!(
                "session_hours、login_max_failures、login_lockout_minutes、login_attempts_per_minute 必须为正整数"
            );
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.trim().is_empty() => u.clone(),
            _ => sqlite_url(&self.data_dir.join("jianfu.db")),
        }
    }

    pub fn has_explicit_database(&self) -> bool {
        self.database_url
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty())
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

#[cfg(test)]
// figment's Jail API returns its own large error type; not ours to shrink.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = Config::default();
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(
            c.database_url(),
            "sqlite://./jianfu-data/jianfu.db?mode=rwc"
        );
    }

    #[test]
    fn file_then_env() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("j.toml", "listen = \"0.0.0.0:9000\"\nsession_hours = 4\n")?;
            jail.set_env("JIANFU_SESSION_HOURS", "6");
            jail.set_env("JIANFU_TEST_PG_URL", "ignored");
            let c = Config::load(Some(Path::new("j.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "0.0.0.0:9000");
            assert_eq!(c.session_hours, 6);
            Ok(())
        });
    }

    #[test]
    fn unknown_key_in_file_is_an_error() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("j.toml", "lisen = \"x\"\n")?;
            let err = Config::load(Some(Path::new("j.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("lisen"), "{err}");
            Ok(())
        });
    }
}
