//! Application services: the use cases that combine core rules with the
//! store (login and sessions, accounts, org import, the demo district).
//! No HTTP here; the web crate and the CLI both call into this crate.

pub mod accounts;
pub mod admission;
pub mod aliases;
pub mod audit;
pub mod audit_query;
pub mod auth;
pub mod clock;
pub mod demo;
mod demo_direct;
mod demo_monitoring;
mod demo_ratings;
mod demo_reports;
mod demo_surveys;
pub mod dictionary;
pub mod direct_report;
pub mod forms;
pub mod import;
pub mod monitoring;
pub mod org;
pub mod org_import;
pub mod passwords;
pub mod rating;
pub mod register;
pub mod reports;
pub mod survey;
mod unknown_names;
pub mod work;
pub mod workbook;

pub use auth::{AuthConfig, CurrentUser, LoginError, LoginOk};

use jianfu_core::dictionary::Dictionary;
use jianfu_store::Db;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] jianfu_store::StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("无权操作：{0}")]
    Forbidden(String),
    #[error("未找到：{0}")]
    NotFound(String),
    #[error("读取文件失败：{0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, AppError>;

/// Today's date in the deployment's time zone (`clock`): the reference
/// date of ages in filters and facts, of validity and of deadlines. Core
/// rules take the date as an argument; this is the one place that reads
/// the clock for it.
pub fn today() -> chrono::NaiveDate {
    clock::today()
}

/// Shared application state: the database and the security settings.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub auth: AuthConfig,
    /// argon2 off the async workers, a few at a time.
    pub passwords: passwords::Passwords,
    /// Failed logins of names that are no account (they lock too).
    unknown_names: std::sync::Arc<unknown_names::UnknownNames>,
    dict: dictionary::DictHandle,
    /// Filings per account, counted in memory only (直报).
    direct_quota: std::sync::Arc<direct_report::FilingQuota>,
    /// What the public 直报 form takes in a day, in memory only.
    public_budget: std::sync::Arc<direct_report::PublicBudget>,
    /// The site's salt for receipt hashes, read once.
    receipt_salt: std::sync::Arc<tokio::sync::OnceCell<String>>,
    /// One survey round set up at a time, so that two at once cannot both
    /// pass the overlap check.
    round_setup: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// One proposal accepted into the dictionary at a time.
    dictionary_edit: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// One forms audit at a time: each can read up to 32 MB of workbooks
    /// on the blocking pool, and two cores are all a county server has.
    forms_audit: std::sync::Arc<tokio::sync::Semaphore>,
}

impl App {
    pub fn new(db: Db, auth: AuthConfig) -> Self {
        App {
            db,
            auth,
            passwords: passwords::Passwords::default(),
            unknown_names: Default::default(),
            dict: dictionary::DictHandle::new(builtin_dictionary().clone()),
            direct_quota: Default::default(),
            public_budget: Default::default(),
            receipt_salt: Default::default(),
            round_setup: Default::default(),
            dictionary_edit: Default::default(),
            forms_audit: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    /// Connects the services to a migrated database and loads the
    /// dictionary from it (adding shipped elements it lacks).
    pub async fn open(db: Db, auth: AuthConfig) -> Result<App> {
        let app = App::new(db, auth);
        app.load_dictionary().await?;
        app.passwords.warm_up().await;
        Ok(app)
    }
}

/// The shipped dictionary. It is data compiled into the binary and checked
/// by `jianfu_core`'s tests, so failing to parse it is a build defect.
pub fn builtin_dictionary() -> &'static Dictionary {
    static DICT: std::sync::OnceLock<Dictionary> = std::sync::OnceLock::new();
    DICT.get_or_init(|| match Dictionary::builtin() {
        Ok(d) => d,
        Err(e) => panic!("内置指标库有误：{e}"),
    })
}
