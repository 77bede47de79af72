use crate::{Backend, Db, Result, StoreError};
use std::path::Path;

impl Db {
    /// Writes a consistent copy of a SQLite database to `dest` while the
    /// server keeps running (`VACUUM INTO` reads one snapshot).
    pub async fn backup_sqlite_to(&self, dest: &Path) -> Result<()> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Invalid(
                "PostgreSQL 请使用 pg_dump 备份（见 README）".into(),
            ));
        }
        if dest.exists() {
            return Err(StoreError::Invalid(format!(
                "备份文件已存在：{}",
                dest.display()
            )));
        }
        let dest = dest
            .to_str()
            .ok_or_else(|| StoreError::Invalid("备份路径不是有效的 UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(dest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
