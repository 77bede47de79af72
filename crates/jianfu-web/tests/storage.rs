//! Migrations, the append-only audit log, the demo district and the org
//! import, on both databases.

mod common;

use common::{Backend, TestDb, TestServer};
use jianfu_app::{App, AuthConfig};
use jianfu_core::id_number::IdNumber;
use jianfu_core::org::OrgKind;
use jianfu_store::Db;

const TABLES: [&str; 6] = [
    "audit_log",
    "households",
    "org_units",
    "persons",
    "sessions",
    "users",
];

async fn migrations_apply_to_an_empty_database(b: Backend) {
    let t = TestDb::new(b).await;
    let db = Db::connect(&t.url).await.expect("migrations apply");
    let tables = db.table_names().await.unwrap();
    for want in TABLES {
        assert!(
            tables.iter().any(|t| t == want),
            "missing {want} in {tables:?}"
        );
    }
    // Applying again is a no-op.
    db.migrate().await.expect("second run");
    if b == Backend::Sqlite {
        assert_eq!(db.sqlite_pragma("journal_mode").await.unwrap(), "wal");
        assert_eq!(db.sqlite_pragma("foreign_keys").await.unwrap(), "1");
        assert_eq!(db.sqlite_pragma("busy_timeout").await.unwrap(), "30000");
        // Bulk-import tuning: 16 KiB pages on a new file, a 64 MiB cache.
        assert_eq!(db.sqlite_pragma("page_size").await.unwrap(), "16384");
        assert_eq!(db.sqlite_pragma("cache_size").await.unwrap(), "-65536");
    }
    db.close().await;
}

async fn audit_log_refuses_update_and_delete(b: Backend) {
    let t = TestDb::new(b).await;
    let db = Db::connect(&t.url).await.unwrap();
    db.append_audit(&jianfu_store::NewAuditEntry {
        action: "login.failure".into(),
        outcome: "failed".into(),
        username: Some("x".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let err = db
        .try_tamper_audit()
        .await
        .expect_err("the database must refuse");
    assert!(err.to_string().contains("append-only"), "{err}");
    let (rows, total) = db
        .query_audit(&jianfu_store::AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(rows[0].outcome, "failed");
    db.close().await;
}

async fn demo_builds_the_real_district(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 1_234,
            ..Default::default()
        },
    )
    .await;
    let db = &s.app.db;
    let district = db.unit_by_code("500107").await.unwrap().unwrap();
    assert_eq!(district.name, "九龙坡区");
    let units = db.subtree(&district.path, false).await.unwrap();
    let townships: Vec<_> = units
        .iter()
        .filter(|u| u.kind() == Some(OrgKind::Township))
        .collect();
    let communities: Vec<_> = units
        .iter()
        .filter(|u| u.kind() == Some(OrgKind::Community))
        .collect();
    assert_eq!(townships.len(), 19);
    assert_eq!(communities.len(), 219);
    let township_ids: std::collections::HashSet<_> = townships.iter().map(|t| t.id).collect();
    for c in &communities {
        assert!(
            township_ids.contains(&c.parent_id.unwrap()),
            "{} hangs under a 街镇",
            c.name
        );
        let code = c.code.as_deref().unwrap();
        assert_eq!(code.len(), 12);
        assert!(code.starts_with("500107"));
    }
    let minzhu = db.unit_by_code("500107003003").await.unwrap().unwrap();
    assert_eq!(minzhu.short_name, "民主村社区");
    assert!(
        units
            .iter()
            .filter(|u| u.kind() == Some(OrgKind::Department))
            .count()
            >= 15
    );

    let ids = db.all_id_numbers().await.unwrap();
    assert_eq!(ids.len(), 1_234);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    for id in &ids {
        let parsed = IdNumber::parse(id, today).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(
            parsed.area_code().starts_with("50"),
            "{id} is a Chongqing number"
        );
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());

    // Every role has an account.
    for (name, role) in [
        ("admin", "admin"),
        ("jianfuban", "jianfuban"),
        ("minzheng", "department"),
        ("xiejiawan", "township"),
        ("minzhu", "community"),
        ("minzhu-wg1", "grid"),
    ] {
        assert_eq!(db.user_by_name(name).await.unwrap().unwrap().role, role);
    }
    // The demo refuses to overwrite a database that has data.
    let err = s
        .app
        .build_demo(&jianfu_app::demo::DemoOptions {
            residents: 1,
            seed: 1,
            password: common::PASSWORD.into(),
            today,
            admissions: false,
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("不是空的"));
}

async fn org_import_is_idempotent_and_names_rejected_rows(b: Backend) {
    let t = TestDb::new(b).await;
    let app = App::new(Db::connect(&t.url).await.unwrap(), AuthConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    w("provinces.csv", "code,name\n50,\"重庆市\"\n");
    w("cities.csv", "code,name,provinceCode\n5001,\"市辖区\",50\n");
    w(
        "areas.csv",
        "code,name,cityCode,provinceCode\n500107,\"九龙坡区\",5001,50\n500108,\"南岸区\",5001,50\n",
    );
    w(
        "streets.csv",
        "code,name,areaCode,provinceCode,cityCode\n500107003,\"谢家湾街道\",500107,50,5001\n50010799,\"坏代码\",500107,50,5001\n500108001,\"\",500108,50,5001\n",
    );
    w(
        "villages.csv",
        "code,name,streetCode,provinceCode,cityCode,areaCode\n500107003003,\"民主村社区居民委员会\",500107003,50,5001,500107\n500107009001,\"孤儿社区\",500107009,50,5001,500107\n",
    );
    let files = jianfu_app::org_import::read_dir_csv(dir.path()).unwrap();
    let first = app.import_divisions(&files).await.unwrap();
    assert_eq!(first.inserted, 6);
    let reasons: Vec<String> = first.rejected.iter().map(|r| r.to_string()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons
        .iter()
        .any(|r| r.contains("streets.csv 第3行") && r.contains("8位")));
    assert!(reasons
        .iter()
        .any(|r| r.contains("streets.csv 第4行") && r.contains("名称为空")));
    assert!(reasons
        .iter()
        .any(|r| r.contains("500107009001") && r.contains("不存在")));

    let again = app.import_divisions(&files).await.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 6));
    assert_eq!(app.db.count_all_units().await.unwrap(), 6);

    // A renamed unit is updated, not duplicated.
    w("areas.csv", "code,name,cityCode,provinceCode\n500107,\"九龙坡区（新）\",5001,50\n500108,\"南岸区\",5001,50\n");
    let files = jianfu_app::org_import::read_dir_csv(dir.path()).unwrap();
    let renamed = app.import_divisions(&files).await.unwrap();
    assert_eq!(renamed.updated, 1);
    assert_eq!(
        app.db.unit_by_code("500107").await.unwrap().unwrap().name,
        "九龙坡区（新）"
    );
    let minzhu = app.db.unit_by_code("500107003003").await.unwrap().unwrap();
    let district = app.db.unit_by_code("500107").await.unwrap().unwrap();
    assert!(minzhu.path.starts_with(&district.path));
    app.db.close().await;
}

async fn healthz_names_the_database(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 10,
            ..Default::default()
        },
    )
    .await;
    let r = s.client().get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let want = if b == Backend::Sqlite {
        "sqlite"
    } else {
        "postgres"
    };
    assert_eq!(body, serde_json::json!({"status": "ok", "database": want}));
}

/// A bulk load writes without the WAL only while the database is its own:
/// committed and rolled back alike it returns to WAL, and beside another
/// open connection (a running server) it keeps WAL and the other reader
/// is never blocked.
async fn a_bulk_load_leaves_the_wal_only_when_alone(b: Backend) {
    let t = TestDb::new(b).await;
    let db = Db::connect(&t.url).await.unwrap();
    let unit = db
        .insert_unit(Some("500107"), "九龙坡区", "九龙坡", OrgKind::County, None)
        .await
        .unwrap();
    // Several pool connections open at once, as a real run leaves them.
    let (x, y, z) = tokio::join!(
        db.count_rows("imports"),
        db.count_rows("persons"),
        db.count_rows("fact_log")
    );
    assert_eq!((x.unwrap(), y.unwrap(), z.unwrap()), (0, 0, 0));
    let import = |name: &str| jianfu_store::NewImport {
        file_name: name.into(),
        unit_id: unit,
        source: "导入".into(),
        ..Default::default()
    };
    let sqlite = b == Backend::Sqlite;

    let (mut tx, alone) = db.begin_bulk().await.unwrap();
    assert_eq!(alone, sqlite, "only SQLite switches its journal");
    Db::insert_import(&mut tx, &import("a.csv")).await.unwrap();
    tx.commit().await.unwrap();
    db.end_bulk().await;
    assert_eq!(db.count_rows("imports").await.unwrap(), 1);

    let (mut tx, _) = db.begin_bulk().await.unwrap();
    Db::insert_import(&mut tx, &import("b.csv")).await.unwrap();
    tx.rollback().await.unwrap();
    db.end_bulk().await;
    assert_eq!(db.count_rows("imports").await.unwrap(), 1, "rolled back");
    if sqlite {
        assert_eq!(db.sqlite_pragma("journal_mode").await.unwrap(), "wal");
    }

    // Another process (the server) has the database open.
    let other = Db::connect(&t.url).await.unwrap();
    assert_eq!(other.count_rows("imports").await.unwrap(), 1);
    let (mut tx, alone) = db.begin_bulk().await.unwrap();
    assert!(!alone, "a shared database keeps its WAL");
    Db::insert_import(&mut tx, &import("c.csv")).await.unwrap();
    assert_eq!(
        other.count_rows("imports").await.unwrap(),
        1,
        "the other reader goes on reading the committed state"
    );
    tx.commit().await.unwrap();
    db.end_bulk().await;
    assert_eq!(other.count_rows("imports").await.unwrap(), 2);
    if sqlite {
        assert_eq!(other.sqlite_pragma("journal_mode").await.unwrap(), "wal");
    }
    other.close().await;
    db.close().await;
}

on_both_backends!(
    migrations_apply_to_an_empty_database,
    audit_log_refuses_update_and_delete,
    demo_builds_the_real_district,
    org_import_is_idempotent_and_names_rejected_rows,
    healthz_names_the_database,
    a_bulk_load_leaves_the_wal_only_when_alone,
);

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let s = TestServer::start_with(
        Backend::Sqlite,
        common::Options {
            residents: 50,
            ..Default::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b.db");
    s.app.db.backup_sqlite_to(&out).await.unwrap();
    let copy = Db::connect(&format!("sqlite://{}", out.display()))
        .await
        .unwrap();
    assert_eq!(copy.person_count().await.unwrap(), 50);
    assert_eq!(
        copy.count_all_units().await.unwrap(),
        s.app.db.count_all_units().await.unwrap()
    );
    // An existing file is never overwritten.
    assert!(s.app.db.backup_sqlite_to(&out).await.is_err());
}
