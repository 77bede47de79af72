//! Test harness: a real jianfu server on a real database, on 127.0.0.1.
//!
//! Each test gets a database of its own: a SQLite file in a temporary
//! directory, or a PostgreSQL database created on the server named by
//! `JIANFU_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`)
//! and dropped when the test ends.

#![allow(dead_code)]

pub mod api;
pub mod browser;

use jianfu_app::demo::DemoOptions;
use jianfu_app::{App, AuthConfig};
use jianfu_store::{admin, Db};
use jianfu_web::WebConfig;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const PASSWORD: &str = "test-pass-2026";

/// Every account the demo district creates, one per role and scope.
pub const DEMO_ACCOUNTS: [&str; 9] = [
    "admin",
    "jianfuban",
    "quzhang",
    "minzheng",
    "renshe",
    "xiejiawan",
    "minzhu",
    "dagongguan",
    "minzhu-wg1",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn pg_server_url() -> String {
    std::env::var("JIANFU_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let slash = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..slash], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                TestDb {
                    url,
                    backend,
                    pg_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let n = COUNTER.fetch_add(1, Ordering::SeqCst);
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0);
                let name = format!("jianfu_test_{}_{}_{}", std::process::id(), n, nanos);
                let server = pg_server_url();
                admin::create_postgres_database(&server, &name)
                    .await
                    .unwrap_or_else(|e| panic!("cannot create test database on {server}: {e}"));
                TestDb {
                    url: with_database(&server, &name),
                    backend,
                    pg_name: Some(name),
                    _dir: None,
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs outside async context; a helper thread with its own
        // runtime drops the database (FORCE ends the server's connections).
        let server = pg_server_url();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                if let Err(e) = rt.block_on(admin::drop_postgres_database(&server, &name)) {
                    eprintln!("could not drop test database {name}: {e}");
                }
            }
        })
        .join();
    }
}

pub struct TestServer {
    pub base: String,
    pub app: App,
    pub db: TestDb,
    /// What building the demo said (its accounts, the receipt code it
    /// prints).
    pub demo: jianfu_app::demo::DemoSummary,
}

pub struct Options {
    pub residents: usize,
    /// The demo's season of activity (准入 requests, 一表通 reports and
    /// tasks), as `jianfu demo` builds it.
    pub activity: bool,
    pub auth: AuthConfig,
    pub web: WebConfig,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            residents: 300,
            activity: false,
            auth: AuthConfig::default(),
            web: WebConfig::default(),
        }
    }
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, Options::default()).await
    }

    /// Builds the demo district into a fresh database and serves it.
    pub async fn start_with(backend: Backend, opts: Options) -> TestServer {
        let db = TestDb::new(backend).await;
        let store = Db::connect(&db.url).await.expect("connect");
        let app = App::open(store, opts.auth).await.expect("dictionary loads");
        let demo = app
            .build_demo(&DemoOptions {
                residents: opts.residents,
                seed: 7,
                password: PASSWORD.into(),
                today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
                admissions: opts.activity,
            })
            .await
            .expect("demo builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let served = app.clone();
        let web = opts.web;
        tokio::spawn(async move {
            let _ = jianfu_web::serve(listener, served, web).await;
        });
        TestServer {
            base: format!("http://{addr}"),
            app,
            db,
            demo,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client that keeps cookies and does not follow redirects, so tests
    /// see exactly what the server answered.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// One login attempt through the API with a fresh client.
    pub async fn try_login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client()
            .post(self.url("/api/v1/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request")
    }

    /// Logs in through the API; returns the client and the CSRF token.
    pub async fn login(&self, username: &str) -> (reqwest::Client, String) {
        let c = self.client();
        let r = c
            .post(self.url("/api/v1/login"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("login request");
        assert_eq!(r.status(), 200, "login as {username}");
        let body: serde_json::Value = r.json().await.expect("json");
        let csrf = body["csrf_token"].as_str().expect("csrf token").to_string();
        (c, csrf)
    }

    /// Takes minzheng's report through 准入 (request, submission, the
    /// 减负办's admission) so it may be published; returns its 准入编号.
    #[allow(dead_code)]
    pub async fn admit_report(&self, report: i64) -> String {
        let (dept, dcsrf) = self.login("minzheng").await;
        let r = dept
            .post(self.url("/api/v1/admissions"))
            .header("x-csrf-token", &dcsrf)
            .json(&serde_json::json!({
                "details": {"kind": "report", "report_id": report},
                "duty_item": "社会救助对象排查与申报协助",
                "lead_hours": 240
            }))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200, "admission request");
        let id = r.json::<serde_json::Value>().await.expect("json")["id"]
            .as_i64()
            .expect("id");
        let r = dept
            .post(self.url(&format!("/api/v1/admissions/{id}/decide")))
            .header("x-csrf-token", &dcsrf)
            .json(&serde_json::json!({"action": "submit"}))
            .send()
            .await
            .expect("submit");
        assert_eq!(
            r.status(),
            200,
            "submit: {}",
            r.text().await.unwrap_or_default()
        );
        let (office, ocsrf) = self.login("jianfuban").await;
        let r = office
            .post(self.url(&format!("/api/v1/admissions/{id}/decide")))
            .header("x-csrf-token", &ocsrf)
            // With a reason: a report that repeats another's columns has a
            // 不符合 finding, and the office must say why it admits anyway.
            .json(&serde_json::json!({"action": "admit", "reason": "测试：已核对，同意准入"}))
            .send()
            .await
            .expect("admit");
        let text = r.text().await.unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["status"], "admitted", "{text}");
        v["number"].as_str().expect("number").to_string()
    }

    pub async fn unit_id(&self, code: &str) -> i64 {
        self.app
            .db
            .unit_by_code(code)
            .await
            .expect("query")
            .expect("unit exists")
            .id
    }

    /// The id of the department with this short name.
    #[allow(dead_code)]
    pub async fn unit_id_by_name(&self, short_name: &str) -> i64 {
        self.app
            .db
            .departments()
            .await
            .expect("query")
            .into_iter()
            .find(|d| d.short_name == short_name)
            .expect("department exists")
            .id
    }

    /// The first resident registered in the community with this code.
    pub async fn first_resident(&self, community_code: &str) -> jianfu_store::PersonListRow {
        let unit = self
            .app
            .db
            .unit_by_code(community_code)
            .await
            .expect("query")
            .expect("community");
        let (rows, _) = self
            .app
            .db
            .search_persons(&unit.path, "", 1, 0)
            .await
            .expect("query");
        rows.into_iter().next().expect("a resident")
    }

    /// How many persons the register holds.
    #[allow(dead_code)]
    pub async fn person_count(&self) -> i64 {
        self.app.db.person_count().await.expect("count")
    }

    /// A household registered in the community with this code.
    #[allow(dead_code)]
    pub async fn household_in(&self, community_code: &str) -> i64 {
        let unit = self
            .app
            .db
            .unit_by_code(community_code)
            .await
            .expect("query")
            .expect("community");
        let (rows, _) = self
            .app
            .db
            .households_in_scope(&unit.path, "", 1, 0)
            .await
            .expect("query");
        rows.first().expect("a household").id
    }

    /// Audit entries matching an action prefix and user name.
    pub async fn audit(&self, action: &str, username: &str) -> Vec<jianfu_store::AuditEntry> {
        let (rows, _) = self
            .app
            .db
            .query_audit(&jianfu_store::AuditFilter {
                username: Some(username.into()),
                action: Some(action.into()),
                limit: 1000,
                ..Default::default()
            })
            .await
            .expect("audit query");
        rows
    }
}

/// A one-sheet department form as an .xlsx: a title row, the header, one
/// empty data row.
#[allow(dead_code)]
pub fn simple_form_xlsx(title: &str, header: &[&str]) -> Vec<u8> {
    let rows = vec![
        vec![title.to_string()],
        header.iter().map(|h| h.to_string()).collect(),
        vec![String::new(); header.len()],
    ];
    jianfu_app::forms::write_xlsx(&[jianfu_app::forms::SheetOut {
        name: "表1",
        rows: &rows,
        merges: &[],
        header_rows: (1, 1),
        data_rows: None,
        number_formats: &[],
    }])
    .expect("xlsx")
}

/// Generates a `sqlite` and a `postgres` test for each async fn taking a
/// `Backend`, so the whole suite runs on both databases.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u:p@h/test?sslmode=disable", "y"),
            "postgres://u:p@h/y?sslmode=disable"
        );
    }
}
