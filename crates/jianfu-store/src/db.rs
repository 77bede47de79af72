use crate::{Result, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact(url)))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Hides a password in a database URL before it reaches a log or a message.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

#[derive(Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    backend: Backend,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Db {
    /// Connects and applies pending migrations for the backend.
    pub async fn connect(url: &str) -> Result<Self> {
        let db = Self::connect_without_migrating(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub async fn connect_without_migrating(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options = AnyConnectOptions::from_str(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    // SQLite has one writer; a small pool avoids lock churn
                    // while WAL still lets readers run beside the writer.
                    // Writers waiting behind an import hold a connection
                    // each, so there are enough left for readers.
                    .max_connections(8)
                    // Always one connection open, however idle: a bulk load
                    // started beside a running server must find the
                    // database in use (see `begin_bulk`), not take it over
                    // because the server's connections had timed out.
                    .min_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // Page size only takes effect on a new file, before
                            // WAL fixes it. 16 KiB pages halve the write calls
                            // of a bulk import against 4 KiB (measured: 33k →
                            // 42k rows/s at 100k rows); 32 KiB gave nothing more.
                            conn.execute("PRAGMA page_size = 16384").await?;
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            // A web import (at most 100,000 rows, see
                            // `SheetLimits::UPLOAD`) holds the write lock for
                            // seconds; a page view's audit entry or a cell
                            // save waits for it rather than failing with
                            // "database is locked" after 5 s (measured: 5
                            // of 9 page views failed beside a large import).
                            conn.execute("PRAGMA busy_timeout = 30000").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            // 64 MiB per connection (default 2 MiB): an import
                            // is one transaction, and with a small cache its
                            // dirty index pages spill to the WAL again and
                            // again (1M-row import: 43 s → 32 s). 256 MiB
                            // gained nothing more. Bounded, whatever the file.
                            conn.execute("PRAGMA cache_size = -65536").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        Ok(Db { pool, backend })
    }

    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Applies the migrations up to `version` only: a test builds a
    /// database as an older release left it, then migrates the rest.
    pub async fn migrate_up_to(&self, version: i64) -> Result<()> {
        let full = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let older = Migrator {
            migrations: full
                .migrations
                .iter()
                .filter(|m| m.version <= version)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ignore_missing: full.ignore_missing,
            locking: full.locking,
            no_tx: full.no_tx,
        };
        older.run(&self.pool).await?;
        Ok(())
    }

    /// Runs one statement of a test's own (an older release's rows).
    pub async fn execute_for_test(&self, sql: &str) -> Result<()> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool. On SQLite the WAL is first folded into the main file
    /// and truncated, so a closed database is one self-contained file even if
    /// the process exits before SQLite's own close-time checkpoint finishes
    /// (a demo database copied right after `jianfu demo --no-serve` lost its
    /// residents that way in CI).
    pub async fn close(&self) {
        if self.backend == Backend::Sqlite {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await
            {
                tracing::warn!(error = %e, "WAL checkpoint before close failed");
            }
        }
        self.pool.close().await;
    }

    /// Begins the transaction of a bulk load. On SQLite, when nothing else
    /// has the database open, the database leaves WAL for a rollback journal
    /// until [`Db::end_bulk`]: the pages a load appends are then written
    /// once, into the database file, instead of into the WAL and again at
    /// the checkpoint (1M-resident import: 26.6–29.3 s → 16.4–19.2 s, and
    /// half the system time). Whatever opens the database meanwhile waits
    /// for the commit, so only a caller that owns the database (the command
    /// line) asks for this; when another connection is open the switch is
    /// refused at once and the load runs in WAL as usual. Returns whether
    /// the journal was switched.
    pub async fn begin_bulk(&self) -> Result<(crate::Tx, bool)> {
        if self.backend != Backend::Sqlite {
            return Ok((self.pool.begin().await?, false));
        }
        // Another open connection, even an idle one of this pool, holds the
        // WAL open and refuses the switch: take every connection of the pool
        // (one just used may still be on its way back), keep one and close
        // the rest. Connections busy elsewhere for longer than this mean the
        // database is shared; the switch then fails and WAL stays.
        let mut held = Vec::new();
        for _ in 0..50 {
            while let Some(c) = self.pool.try_acquire() {
                held.push(c);
            }
            if held.len() >= self.pool.size() as usize {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut conn = match held.pop() {
            Some(c) => c,
            None => self.pool.acquire().await?,
        };
        for c in held {
            let _ = c.close().await;
        }
        conn.execute("PRAGMA busy_timeout = 0").await?;
        let mode: std::result::Result<(String,), _> =
            sqlx::query_as("PRAGMA journal_mode = TRUNCATE")
                .fetch_one(&mut *conn)
                .await;
        conn.execute("PRAGMA busy_timeout = 30000").await?;
        let switched = matches!(mode, Ok((m,)) if m.eq_ignore_ascii_case("truncate"));
        if switched {
            // NORMAL is durable in WAL; with a rollback journal only FULL
            // rules out a torn commit on every file system. It costs a few
            // syncs of a journal that stays small: appended pages are never
            // journaled.
            conn.execute("PRAGMA synchronous = FULL").await?;
        }
        // The transaction must run on this very connection: one the pool
        // opened now would ask for WAL again in its after_connect. sqlx's
        // `Pool::begin` is this same call on a connection it picks.
        let tx = sqlx::Transaction::begin(conn, None).await?;
        Ok((tx, switched))
    }

    /// Returns the database to WAL after [`Db::begin_bulk`] switched it,
    /// once its transaction has ended (committed, rolled back or dropped).
    pub async fn end_bulk(&self) {
        if self.backend != Backend::Sqlite {
            return;
        }
        let back = async {
            let mut conn = self.pool.acquire().await?;
            conn.execute("PRAGMA journal_mode = WAL").await?;
            conn.execute("PRAGMA synchronous = NORMAL").await?;
            Ok::<_, sqlx::Error>(())
        };
        if let Err(e) = back.await {
            // Every new connection asks for WAL again, so the next start
            // repairs this; the data is committed either way.
            tracing::warn!(error = %e, "could not return to WAL after a bulk load");
        }
    }

    /// Every row of a table, each value as text: a test reads the whole
    /// database to prove what it does not hold (直报's anonymity).
    pub async fn table_rows_as_text(&self, table: &str) -> Result<Vec<Vec<(String, String)>>> {
        use sqlx::{Column, Row};
        if !self.table_names().await?.iter().any(|t| t == table) {
            return Err(StoreError::Invalid(format!("没有表 {table}")));
        }
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|row| {
                row.columns()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let text = if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                            v.unwrap_or_default()
                        } else if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                            v.map(|n| n.to_string()).unwrap_or_default()
                        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
                            v.map(|n| n.to_string()).unwrap_or_default()
                        } else if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
                            v.map(|b| String::from_utf8_lossy(&b).into_owned())
                                .unwrap_or_default()
                        } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
                            v.map(|b| b.to_string()).unwrap_or_default()
                        } else {
                            String::new()
                        };
                        (c.name().to_string(), text)
                    })
                    .collect()
            })
            .collect())
    }

    /// Reads a SQLite pragma; used by tests and diagnostics.
    pub async fn sqlite_pragma(&self, name: &str) -> Result<String> {
        if self.backend != Backend::Sqlite
            || !name.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
        {
            return Err(StoreError::Invalid(format!("无效的 pragma：{name}")));
        }
        let row: (String,) = match name {
            "journal_mode" => {
                sqlx::query_as("PRAGMA journal_mode")
                    .fetch_one(&self.pool)
                    .await?
            }
            _ => {
                let (v,): (i64,) = sqlx::query_as(&format!("PRAGMA {name}"))
                    .fetch_one(&self.pool)
                    .await?;
                (v.to_string(),)
            }
        };
        Ok(row.0)
    }

    /// Names of the tables in the database, for migration checks.
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            Backend::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
            }
        };
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

/// Server-level administration of PostgreSQL databases, used by test
/// harnesses that give each run a database of its own.
pub mod admin {
    use super::*;

    fn check_name(name: &str) -> Result<()> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(StoreError::Invalid(format!("无效的数据库名：{name}")));
        }
        Ok(())
    }

    pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<()> {
        check_name(name)?;
        let db = Db::connect_without_migrating(server_url).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&db.pool)
            .await?;
        db.close().await;
        Ok(())
    }

    pub async fn drop_postgres_database(server_url: &str, name: &str) -> Result<()> {
        check_name(name)?;
        let db = Db::connect_without_migrating(server_url).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&db.pool)
            .await?;
        db.close().await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_url() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        let err = Backend::from_url("mysql://root:secret@h/db").unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }

    /// Two saves that each read, then write. Begun the default (deferred)
    /// way, the second's snapshot is stale once the first commits, and its
    /// write fails at once with "database is locked" whatever the busy
    /// timeout; begun IMMEDIATE (`Db::begin`), it waits its turn.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn read_then_write_transactions_wait_instead_of_failing() {
        let path = std::env::temp_dir().join(format!(
            "jianfu-immediate-{}-{}.db",
            std::process::id(),
            now_ms()
        ));
        let db = Db::connect_without_migrating(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("db");
        sqlx::query("CREATE TABLE saves (n BIGINT)")
            .execute(&db.pool)
            .await
            .expect("table");

        async fn save(db: &Db, immediate: bool, pause_ms: u64) -> std::result::Result<(), String> {
            let mut tx = if immediate {
                db.begin().await.map_err(|e| e.to_string())?
            } else {
                db.pool.begin().await.map_err(|e| e.to_string())?
            };
            let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM saves")
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            tokio::time::sleep(std::time::Duration::from_millis(pause_ms)).await;
            sqlx::query("INSERT INTO saves (n) VALUES ($1)")
                .bind(n)
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }

        for immediate in [false, true] {
            let first = save(&db, immediate, 300);
            let second = async {
                // Begins while the first is between its read and its write.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                save(&db, immediate, 0).await
            };
            let (a, b) = tokio::join!(first, second);
            if immediate {
                assert_eq!((a.clone(), b.clone()), (Ok(()), Ok(())), "{a:?} {b:?}");
            } else {
                let failed = [&a, &b]
                    .into_iter()
                    .filter(|r| r.as_ref().is_err_and(|e| e.contains("locked")))
                    .count();
                assert_eq!(failed, 1, "the deferred way: {a:?} {b:?}");
            }
        }
        db.close().await;
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(path.with_extension("db-wal"));
        let _ = std::fs::remove_file(path.with_extension("db-shm"));
    }
}
