//! The `jianfu` binary's subcommands, run as a user would run them.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_jianfu");

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("repo root")
}

fn jianfu(args: &[&str], data_dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("JIANFU_DATABASE_URL")
        .env_remove("JIANFU_CONFIG")
        .env("JIANFU_DATA_DIR", data_dir)
        .env("JIANFU_LOG", "warn")
        .current_dir(data_dir);
    c
}

fn run(cmd: &mut Command) -> (Output, String) {
    let out = cmd.output().expect("run jianfu");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

/// Starts a server process and waits for the address it prints.
fn spawn_server(mut cmd: Command) -> (Child, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("utf-8");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().expect("addr").to_string();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut buf = String::new();
    s.read_to_string(&mut buf).expect("read");
    buf
}

#[test]
fn migrate_creates_the_default_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let (out, text) = run(&mut jianfu(&["migrate"], dir.path()));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("迁移完成（sqlite）"), "{text}");
    assert!(dir.path().join("jianfu.db").exists());
}

#[test]
fn org_import_is_idempotent_and_lists_rejected_rows() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo_root().join("data/divisions/jiulongpo");
    let src = src.to_str().unwrap();
    let (out, text) = run(&mut jianfu(&["org", "import", src], dir.path()));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("新增 241，更新 0，未变 0，拒绝 0"), "{text}");
    let (out, text) = run(&mut jianfu(&["org", "import", src], dir.path()));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("新增 0，更新 0，未变 241，拒绝 0"), "{text}");

    let bad = tempfile::tempdir().unwrap();
    std::fs::write(
        bad.path().join("streets.csv"),
        "code,name,areaCode\n500107201,\"新街道\",500107\n5001072,\"短代码\",500107\n",
    )
    .unwrap();
    let (out, text) = run(&mut jianfu(
        &["org", "import", bad.path().to_str().unwrap()],
        dir.path(),
    ));
    assert_eq!(
        out.status.code(),
        Some(2),
        "rejections give exit code 2: {text}"
    );
    assert!(
        text.contains("拒绝：streets.csv 第3行（代码 5001072）：代码长度为7位"),
        "{text}"
    );
    assert!(
        text.contains("新增 1"),
        "the good row is still imported: {text}"
    );

    let (out, text) = run(&mut jianfu(&["org", "import", "/no/such/dir"], dir.path()));
    assert!(!out.status.success());
    assert!(text.contains("目录不存在"), "{text}");
}

#[test]
fn user_add_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo_root().join("data/divisions/jiulongpo");
    let (out, _) = run(&mut jianfu(
        &["org", "import", src.to_str().unwrap()],
        dir.path(),
    ));
    assert!(out.status.success());
    let add = |args: &[&str], password: &str| {
        let mut child = jianfu(args, dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let out = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, text) = add(
        &[
            "user",
            "add",
            "zhang",
            "--role",
            "村社区",
            "--unit",
            "500107003003",
            "--name",
            "张三",
        ],
        "long-enough-pw",
    );
    assert!(ok, "{text}");
    assert!(text.contains("已创建账号 zhang"), "{text}");
    let (ok, text) = add(
        &[
            "user",
            "add",
            "li",
            "--role",
            "boss",
            "--unit",
            "500107003003",
        ],
        "long-enough-pw",
    );
    assert!(!ok);
    assert!(text.contains("未知角色“boss”"), "{text}");
    let (ok, text) = add(
        &[
            "user",
            "add",
            "wang",
            "--role",
            "community",
            "--unit",
            "500107003003",
        ],
        "short",
    );
    assert!(!ok);
    assert!(text.contains("密码至少需要8个字符"), "{text}");
    let (ok, text) = add(
        &[
            "user",
            "add",
            "zhang",
            "--role",
            "community",
            "--unit",
            "500107003003",
        ],
        "long-enough-pw",
    );
    assert!(!ok);
    assert!(text.contains("已存在"), "{text}");
}

#[test]
fn demo_prints_accounts_and_serves_the_district() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = jianfu(
        &[
            "demo",
            "--residents",
            "500",
            "--seed",
            "3",
            "--demo-password",
            "demo-pass-1",
            "--listen",
            "127.0.0.1:0",
        ],
        dir.path(),
    );
    cmd.env_remove("JIANFU_DATA_DIR")
        .args(["--data-dir", dir.path().to_str().unwrap()]);
    let (mut child, addr) = spawn_server(cmd);
    let health = http_get(&addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#""database":"sqlite""#), "{health}");
    let login = http_get(&addr, "/login");
    assert!(login.contains("登录"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(dir.path().join("demo.db").exists());
}

#[test]
fn demo_without_serving_reports_what_it_built() {
    let dir = tempfile::tempdir().unwrap();
    let (out, text) = run(&mut jianfu(
        &["demo", "--residents", "300", "--no-serve"],
        dir.path(),
    ));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("19 个街镇，219 个村社区"), "{text}");
    assert!(text.contains("300 名居民"), "{text}");
    for account in [
        "admin",
        "jianfuban",
        "minzheng",
        "xiejiawan",
        "minzhu",
        "minzhu-wg1",
    ] {
        assert!(text.contains(account), "{account} listed: {text}");
    }
    assert!(text.contains("密码均为 jianfu2026"));
    // A weak demo password is refused before anything is built.
    let (out, text) = run(&mut jianfu(
        &["demo", "--no-serve", "--demo-password", "123"],
        dir.path(),
    ));
    assert!(!out.status.success());
    assert!(text.contains("--demo-password"), "{text}");
}

/// A demo district of `residents` built with `--no-serve` and made the
/// data directory's default database. A closed database is one
/// self-contained file: nothing may be left in its WAL.
fn demo_as_default_database(dir: &Path, residents: usize) {
    let (out, text) = run(&mut jianfu(
        &["demo", "--residents", &residents.to_string(), "--no-serve"],
        dir,
    ));
    assert!(out.status.success(), "{text}");
    let wal = dir.join("demo.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "demo left {wal_len} bytes in its WAL");
    std::fs::rename(dir.join("demo.db"), dir.join("jianfu.db")).unwrap();
    let _ = std::fs::remove_file(&wal);
    let _ = std::fs::remove_file(dir.join("demo.db-shm"));
}

#[test]
fn backup_copies_a_running_database() {
    let dir = tempfile::tempdir().unwrap();
    demo_as_default_database(dir.path(), 200);
    let (mut server, addr) = spawn_server({
        let mut c = jianfu(&["serve", "--listen", "127.0.0.1:0"], dir.path());
        c.env("JIANFU_LOG", "info");
        c
    });
    assert!(http_get(&addr, "/healthz").contains("\"ok\""));
    let target = dir.path().join("copy.db");
    let (out, text) = run(&mut jianfu(
        &["backup", "--out", target.to_str().unwrap()],
        dir.path(),
    ));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("备份完成"), "{text}");
    let _ = server.kill();
    let _ = server.wait();

    // The copy is a complete database.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = jianfu_store::Db::connect(&format!("sqlite://{}", target.display()))
            .await
            .unwrap();
        assert_eq!(db.person_count().await.unwrap(), 200);
        assert!(db.user_by_name("minzhu").await.unwrap().is_some());
    });
    // A second backup to the same file is refused rather than overwriting.
    let (out, text) = run(&mut jianfu(
        &["backup", "--out", target.to_str().unwrap()],
        dir.path(),
    ));
    assert!(!out.status.success());
    assert!(text.contains("已存在"), "{text}");
}

#[test]
fn postgres_is_chosen_by_the_url_scheme() {
    let server = std::env::var("JIANFU_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("jianfu_cli_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(jianfu_store::admin::create_postgres_database(
        &server, &name,
    ))
    .unwrap();
    let url = format!("{}/{}", &server[..server.rfind('/').unwrap()], name);
    let dir = tempfile::tempdir().unwrap();
    let src = repo_root().join("data/divisions/jiulongpo");
    let result = std::panic::catch_unwind(|| {
        let (out, text) = run(jianfu(&["migrate"], dir.path()).env("JIANFU_DATABASE_URL", &url));
        assert!(out.status.success(), "{text}");
        assert!(text.contains("迁移完成（postgres）"), "{text}");
        let (out, text) = run(
            jianfu(&["org", "import", src.to_str().unwrap()], dir.path())
                .env("JIANFU_DATABASE_URL", &url),
        );
        assert!(out.status.success(), "{text}");
        assert!(text.contains("新增 241"), "{text}");
        assert!(
            !dir.path().join("jianfu.db").exists(),
            "no SQLite file when PostgreSQL is configured"
        );
    });
    rt.block_on(jianfu_store::admin::drop_postgres_database(&server, &name))
        .unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

fn id_number(birth: (i32, u32, u32), seq: u32) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap();
    jianfu_core::id_number::IdNumber::compose("500107", d, seq, jianfu_core::id_number::Sex::Male)
        .unwrap()
        .to_string()
}

#[test]
fn import_is_atomic_idempotent_and_lists_rejected_rows() {
    let dir = tempfile::tempdir().unwrap();
    demo_as_default_database(dir.path(), 50);
    let good = format!(
        "民主村社区花名册\n序号,姓名,身份证号,联系电话\n1,甲一,{},13800001111\n2,乙二,{},13800002222\n",
        id_number((1980, 1, 1), 11),
        id_number((1981, 2, 2), 13)
    );
    let bad = format!("{good}3,丙三,500107198001010012,13800003333\n");
    std::fs::write(dir.path().join("bad.csv"), &bad).unwrap();
    std::fs::write(dir.path().join("good.csv"), &good).unwrap();
    let rejected = dir.path().join("rejected.xlsx");
    let (out, text) = run(&mut jianfu(
        &[
            "import",
            "bad.csv",
            "--community",
            "500107003003",
            "--rejected-out",
            rejected.to_str().unwrap(),
        ],
        dir.path(),
    ));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("拒绝：第5行“身份证号”列：身份证号码校验位错误"),
        "{text}"
    );
    assert!(text.contains("未写入任何数据：有1行不能导入"), "{text}");
    assert!(rejected.exists());
    let (out, text) = run(&mut jianfu(
        &["import", "good.csv", "--community", "民主村社区"],
        dir.path(),
    ));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("新增2人"), "{text}");
    let (out, text) = run(&mut jianfu(
        &["import", "good.csv", "--community", "500107003003"],
        dir.path(),
    ));
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("新增0人，更新0人，未变2人，写入0条事实"),
        "{text}"
    );
    // A GBK-encoded CSV from Excel is decoded.
    let gbk_text = format!("姓名,公民身份号码\n丁四,{}\n", id_number((1990, 3, 3), 15));
    let (gbk, _, _) = encoding_rs::GBK.encode(&gbk_text);
    std::fs::write(dir.path().join("gbk.csv"), &gbk).unwrap();
    let (out, text) = run(&mut jianfu(
        &["import", "gbk.csv", "--community", "500107003003"],
        dir.path(),
    ));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("新增1人"), "{text}");
    // 共享 without a department is refused with a reason.
    let (out, text) = run(&mut jianfu(
        &[
            "import",
            "good.csv",
            "--community",
            "500107003003",
            "--source",
            "共享",
        ],
        dir.path(),
    ));
    assert!(!out.status.success());
    assert!(text.contains("部门"), "{text}");
}

/// An import killed while it writes without the WAL loses nothing that was
/// there before and leaves no half-written rows: the next open rolls the
/// journal back and puts WAL back.
#[test]
fn an_import_killed_mid_write_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    demo_as_default_database(dir.path(), 20);
    // Long addresses, so the import outgrows SQLite's 64 MiB cache and
    // spills pages into the database file before it commits.
    let mut roster = String::from("姓名,公民身份号码,现住址,户籍地址,工作单位\n");
    let place = "重庆市九龙坡区谢家湾街道民主村社区".repeat(3);
    let first = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap();
    for n in 0..100_000u32 {
        // 900 distinct numbers a day: every ID number in the file is new.
        let day = first + chrono::Days::new(u64::from(n / 900));
        let birth = (
            chrono::Datelike::year(&day),
            chrono::Datelike::month(&day),
            chrono::Datelike::day(&day),
        );
        roster.push_str(&format!(
            "居民{n},{},{place}{n}号,{place}{n}栋,{place}公司{n}\n",
            id_number(birth, n % 900 + 1)
        ));
    }
    std::fs::write(dir.path().join("big.csv"), roster).unwrap();
    let count = || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let url = format!("sqlite://{}", dir.path().join("jianfu.db").display());
            let db = jianfu_store::Db::connect(&url).await.unwrap();
            let n = db.person_count().await.unwrap();
            let mode = db.sqlite_pragma("journal_mode").await.unwrap();
            db.close().await;
            (n, mode)
        })
    };
    let (before, _) = count();

    let mut child = jianfu(
        &["import", "big.csv", "--community", "500107003003"],
        dir.path(),
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    // The rollback journal appears when the import takes the database.
    let journal = dir.path().join("jianfu.db-journal");
    for _ in 0..200 {
        if journal.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(journal.exists(), "the import never left WAL");
    // Killed once its pages have spilled into the database file itself
    // (the cache holds 64 MiB; the whole import is about 185 MB).
    let db_file = dir.path().join("jianfu.db");
    let size = || std::fs::metadata(&db_file).map(|m| m.len()).unwrap_or(0);
    let start = size();
    for _ in 0..3000 {
        if size() > start + (16 << 20) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(size() > start + (16 << 20), "nothing reached the file");
    assert!(
        child.try_wait().unwrap().is_none(),
        "finished before the kill"
    );
    child.kill().unwrap();
    let _ = child.wait();

    assert_eq!(count(), (before, "wal".to_string()));
}

/// The command line writes a large import without the WAL only when the
/// database is its own; beside a running server it shares the database, says
/// so, and the server keeps answering. Either way the file ends in WAL mode.
#[test]
fn import_beside_a_running_server_shares_the_database() {
    let dir = tempfile::tempdir().unwrap();
    demo_as_default_database(dir.path(), 20);
    let roster = |seq: u32| {
        format!(
            "姓名,公民身份号码\n甲{seq},{}\n乙{seq},{}\n",
            id_number((1970, 1, 1), seq),
            id_number((1971, 1, 1), seq)
        )
    };
    std::fs::write(dir.path().join("one.csv"), roster(21)).unwrap();
    std::fs::write(dir.path().join("two.csv"), roster(23)).unwrap();
    // WAL is marked in the file header (bytes 18 and 19 are 2, rollback 1).
    let header_says_wal = || {
        let bytes = std::fs::read(dir.path().join("jianfu.db")).unwrap();
        (bytes[18], bytes[19]) == (2, 2)
    };

    let (mut server, addr) =
        spawn_server(jianfu(&["serve", "--listen", "127.0.0.1:0"], dir.path()));
    assert!(http_get(&addr, "/healthz").contains("\"ok\""));
    let (out, text) = run(&mut jianfu(
        &["import", "one.csv", "--community", "500107003003"],
        dir.path(),
    ));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("新增2人"), "{text}");
    assert!(text.contains("数据库正被其他程序"), "{text}");
    assert!(http_get(&addr, "/healthz").contains("\"ok\""));
    let _ = server.kill();
    let _ = server.wait();
    assert!(header_says_wal());

    let (out, text) = run(&mut jianfu(
        &["import", "two.csv", "--community", "500107003003"],
        dir.path(),
    ));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("新增2人"), "{text}");
    assert!(!text.contains("数据库正被其他程序"), "{text}");
    assert!(header_says_wal(), "the import put WAL back");
}

/// A folder of department forms: three real corpus forms, a workbook whose
/// second sheet is only notes, and a corrupt file.
fn forms_folder(dir: &Path) {
    use jianfu_core::forms::corpus::{parse_forms, FORMS};
    let forms = parse_forms(FORMS);
    for id in ["ZZ-01", "MZ-07", "XC-08"] {
        let form = forms.iter().find(|f| f.id == id).unwrap();
        let bytes = jianfu_app::forms::corpus_xlsx(form).unwrap();
        std::fs::write(dir.join(format!("{id}.xlsx")), bytes).unwrap();
    }
    let form = forms.iter().find(|f| f.id == "CL-04").unwrap();
    let (rows, merges) = form.rows_and_merges();
    let notes = vec![
        vec!["填表说明".to_string()],
        vec!["一、本表由村（社区）填写。".to_string()],
    ];
    let bytes = jianfu_app::forms::write_xlsx(&[
        jianfu_app::forms::SheetOut {
            name: "名单",
            rows: &rows,
            merges: &merges,
            header_rows: (1, 1),
            data_rows: None,
            number_formats: &[],
        },
        jianfu_app::forms::SheetOut {
            name: "说明",
            rows: &notes,
            merges: &[],
            header_rows: (99, 99),
            data_rows: None,
            number_formats: &[],
        },
    ])
    .unwrap();
    let sub = dir.join("残联");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("残疾人名单.xlsx"), bytes).unwrap();
    std::fs::write(
        dir.join("坏文件.xlsx"),
        b"PK\x03\x04 this is not a workbook",
    )
    .unwrap();
}

#[test]
fn forms_analyze_json_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    forms_folder(dir.path());
    let out = Command::new(BIN)
        .args(["forms", "analyze", "--json"])
        .arg(dir.path())
        .env_remove("JIANFU_DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The corrupt file is an error naming it; the others are analysed.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("坏文件.xlsx") && stderr.contains("损坏"),
        "{stderr}"
    );
    assert!(
        stderr.contains("说明") && stderr.contains("不是表格"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim().lines().count(), 1, "exactly one JSON object");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();

    let keys = |o: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = o.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&v), ["forms", "summary"]);
    let forms = v["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 4);
    let (mut columns, mut data, mut matched) = (0, 0, 0);
    let mut elements = std::collections::BTreeSet::new();
    for f in forms {
        assert_eq!(keys(f), ["columns", "file", "kind", "sheet", "title"]);
        assert!(f["file"].is_string() && f["sheet"].is_string());
        assert!(f["title"].is_string() || f["title"].is_null());
        assert!(["roster", "statistical", "card"].contains(&f["kind"].as_str().unwrap()));
        for (i, c) in f["columns"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                keys(c),
                ["confidence", "data", "element", "index", "path", "proposed"]
            );
            // A proposed element is a new item of this batch, never shipped.
            if c["proposed"] == true {
                assert!(c["element"].as_str().unwrap().starts_with("new."), "{c}");
            }
            assert_eq!(c["index"].as_u64(), Some(i as u64));
            let path = c["path"].as_array().unwrap();
            assert!(!path.is_empty());
            for p in path {
                let p = p.as_str().unwrap();
                assert!(
                    !p.is_empty() && !p.chars().any(char::is_whitespace),
                    "{p:?}"
                );
            }
            assert!(c["element"].is_string() || c["element"].is_null());
            let conf = c["confidence"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&conf));
            columns += 1;
            if c["data"].as_bool().unwrap() {
                data += 1;
                if let Some(e) = c["element"].as_str() {
                    matched += 1;
                    elements.insert(e.to_string());
                }
            } else {
                assert!(c["element"].is_null());
            }
        }
    }
    let s = &v["summary"];
    assert_eq!(
        keys(s),
        [
            "columns",
            "data_columns",
            "distinct_elements",
            "forms",
            "matched"
        ]
    );
    assert_eq!(s["forms"], 4);
    assert_eq!(s["columns"], columns);
    assert_eq!(s["data_columns"], data);
    assert_eq!(s["matched"], matched);
    assert_eq!(s["distinct_elements"], elements.len());

    let by_sheet = |name: &str| forms.iter().find(|f| f["sheet"] == name).unwrap();
    let party = by_sheet("ZZ-01");
    assert_eq!(party["kind"], "roster");
    assert_eq!(party["columns"][0]["data"], false, "序号 is not data");
    assert_eq!(party["columns"][8]["path"][0], "公民身份证号");
    assert_eq!(party["columns"][8]["element"], "person.id_number");
    let disaster = by_sheet("XC-08");
    assert_eq!(disaster["kind"], "statistical");
    assert_eq!(
        disaster["columns"][6]["path"],
        serde_json::json!([
            "（一）脱贫人口受灾情况",
            "脱贫人口受灾及应对明细",
            "住房安全保障",
            "因灾产生住房安全隐患的（不包括长期无人居住的闲置房、危旧房等）"
        ])
    );
    let list = by_sheet("名单");
    assert!(list["file"].as_str().unwrap().ends_with("残疾人名单.xlsx"));
    assert_eq!(list["columns"][3]["element"], "person.guardian_name");
}

#[test]
fn forms_analyze_summarises_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    forms_folder(dir.path());
    std::fs::remove_file(dir.path().join("坏文件.xlsx")).unwrap();
    let out = Command::new(BIN)
        .args(["forms", "analyze"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("分析了 4 张表"), "{text}");
    assert!(text.contains("去掉重复后，这些表实际只要求"), "{text}");
    // 姓名 is asked by the party roster, the 低保 list and the disability list.
    assert!(text.contains("姓名（person.name）：3 张表"), "{text}");
    // What is not a form is named on stderr, never guessed.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("跳过") && stderr.contains("说明"),
        "{stderr}"
    );
    // A path that does not exist is an error naming it.
    let out = Command::new(BIN)
        .args(["forms", "analyze", "/no/such/folder"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/folder"));
}

#[test]
fn forms_analyze_reads_old_binary_excel() {
    // Written by scripts/make-xls-fixture.py: the .xls format departments
    // still send.
    let xls = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../jianfu-web/tests/fixtures/老年人信息登记表.xls");
    let out = Command::new(BIN)
        .args(["forms", "analyze", "--json"])
        .arg(&xls)
        .env_remove("JIANFU_DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let form = &v["forms"][0];
    assert_eq!(form["kind"], "roster");
    assert_eq!(form["title"], "老年人信息登记表");
    let phone = form["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == serde_json::json!(["老人基本情况", "联系信息", "联系电话"]))
        .expect("the phone column under its two parents");
    assert_eq!(phone["element"], "person.phone");
    let sign = form["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == serde_json::json!(["签字"]))
        .unwrap();
    assert_eq!(sign["data"], false);
}

/// Reads one sheet of an .xlsx file as text rows.
fn sheet_rows(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).expect("open xlsx");
    let range = wb.worksheet_range(sheet).expect("sheet");
    range
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect()
}

#[test]
fn ledger_export_writes_the_annual_report_offline() {
    let dir = tempfile::tempdir().unwrap();
    demo_as_default_database(dir.path(), 50);
    let year = chrono::Datelike::year(&jianfu_app::today());
    let out_file = dir.path().join("年报.xlsx");
    let (out, text) = run(&mut jianfu(
        &[
            "ledger",
            "export",
            "--year",
            &year.to_string(),
            "--out",
            out_file.to_str().unwrap(),
        ],
        dir.path(),
    ));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("九龙坡区"), "{text}");
    let overview = sheet_rows(&out_file, "总览");
    assert!(overview[0][0].contains(&format!("{year}年度基层减负报告")));
    // Row 5 (index 4) is the total: items, hours, last year's.
    let total = &overview[4];
    assert_eq!(total[0], "合计");
    let hours: f64 = total[2].parse().unwrap();
    let last_year: f64 = total[4].parse().unwrap();
    assert!(hours > 0.0 && last_year > 0.0, "{total:?}");
    // The kinds add up to the total.
    let kinds = sheet_rows(&out_file, "按类型");
    let by_kind: f64 = kinds[4..]
        .iter()
        .map(|r| r[2].parse::<f64>().unwrap())
        .sum();
    assert!((by_kind - hours).abs() < 0.5, "{by_kind} vs {hours}");
    // Departments ranked by the burden they caused; townships in org
    // order, never ranked.
    let depts = sheet_rows(&out_file, "按部门");
    let dept_hours: Vec<f64> = depts[4..].iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(
        dept_hours.windows(2).all(|w| w[0] >= w[1]),
        "{dept_hours:?}"
    );
    assert!(
        depts.iter().any(|r| r[0].contains("卫生健康委员会")),
        "{depts:?}"
    );
    let towns = sheet_rows(&out_file, "按街镇");
    assert!(
        towns.len() >= 4 + 10,
        "the demo reaches every township: {towns:?}"
    );
    let warnings = sheet_rows(&out_file, "反弹预警");
    assert!(
        warnings.len() > 4,
        "the demo's warnings are counted: {warnings:?}"
    );
    let savings = sheet_rows(&out_file, "一表通");
    assert_eq!(savings[4][0], "系统预填单元格");

    // A year out of range is refused in Chinese, naming the year, and
    // nothing is written.
    let bad = dir.path().join("bad.xlsx");
    let (out, text) = run(&mut jianfu(
        &[
            "ledger",
            "export",
            "--year",
            "1800",
            "--out",
            bad.to_str().unwrap(),
        ],
        dir.path(),
    ));
    assert!(!out.status.success());
    assert!(text.contains("1800") && text.contains("年份"), "{text}");
    assert!(!bad.exists());
}

/// Three departments' forms ask for one item the dictionary lacks; a
/// fourth column only one form asks for.
#[test]
fn forms_analyze_proposes_one_code_for_an_item_several_forms_ask() {
    let dir = tempfile::tempdir().unwrap();
    let forms: [(&str, &[&str]); 3] = [
        (
            "自然资源",
            &["序号", "姓名", "身份证号码", "宅基地面积（㎡）"],
        ),
        ("农业农村", &["户主姓名", "*宅基地面积", "承包地块数"]),
        ("住建", &["姓名", "联系电话", "宅基地 面积", "房屋层数"]),
    ];
    for (dept, header) in forms {
        let rows = vec![
            vec![format!("{dept}宅基地情况登记表")],
            header.iter().map(|h| h.to_string()).collect(),
            vec![String::new(); header.len()],
        ];
        let bytes = jianfu_app::forms::write_xlsx(&[jianfu_app::forms::SheetOut {
            name: dept,
            rows: &rows,
            merges: &[],
            header_rows: (1, 1),
            data_rows: None,
            number_formats: &[],
        }])
        .unwrap();
        std::fs::write(dir.path().join(format!("{dept}.xlsx")), bytes).unwrap();
    }
    let out = Command::new(BIN)
        .args(["forms", "analyze", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let column = |sheet: &str, leaf: &str| -> serde_json::Value {
        let f = v["forms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["sheet"] == sheet)
            .unwrap();
        f["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"].as_array().unwrap().last().unwrap() == leaf)
            .cloned()
            .unwrap_or_else(|| panic!("{leaf} in {f}"))
    };
    let a = column("自然资源", "宅基地面积（㎡）");
    let b = column("农业农村", "*宅基地面积");
    let c = column("住建", "宅基地面积");
    assert_eq!(a["proposed"], true, "{a}");
    assert!(a["element"].as_str().unwrap().starts_with("new."), "{a}");
    assert_eq!(a["element"], b["element"]);
    assert_eq!(b["element"], c["element"]);
    // Only one form asks for it: no element, not proposed.
    let alone = column("住建", "房屋层数");
    assert!(
        alone["element"].is_null() || alone["proposed"] == false,
        "{alone}"
    );
    let alone = column("农业农村", "承包地块数");
    assert!(alone["element"].is_null(), "{alone}");
    assert_eq!(alone["proposed"], false);
    // The audit names it too.
    let out = Command::new(BIN)
        .args(["forms", "analyze"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("提议新建") && text.contains("宅基地面积"),
        "{text}"
    );
    assert!(text.contains("能预填"), "{text}");
}
