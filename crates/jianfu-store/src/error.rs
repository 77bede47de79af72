#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误：{0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("不支持的数据库地址：{0}（应以 sqlite: 或 postgres: 开头）")]
    UnsupportedUrl(String),
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    /// True when the statement broke a UNIQUE constraint, e.g. a second
    /// account with the same user name.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sqlx(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}
