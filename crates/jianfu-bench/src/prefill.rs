//! 一表通 prefill at district scale: a roster (60岁以上独居老人) and a
//! statistical table published to every community of a demo district, each
//! task opened as the department would, and the whole district prefilled.
//! The same data goes out as CSV with the answers jianfu gave, so
//! `scripts/bench-duckdb.py` can compute the same results in DuckDB, check
//! them against jianfu's and report the ratio.

use anyhow::{ensure, Context};
use jianfu_app::reports::NewReportInput;
use jianfu_app::{App, AuthConfig, CurrentUser};
use jianfu_core::reports::ReportDef;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// The roster: who is 60 or older and lives alone, with what a visit needs.
pub const ROSTER_FILTER: &str = "age >= 60 && elderly_alone == true";

/// Count columns of the statistical table: (header, CEL filter).
pub const COUNTS: [(&str, &str); 6] = [
    ("60岁以上", "age >= 60"),
    ("独居老人", ROSTER_FILTER),
    ("残疾人", "disabled == true"),
    ("低保对象", "dibao == true"),
    ("中共党员", "political_status == \"01\""),
    ("退役军人", "veteran == true"),
];

fn roster_def() -> anyhow::Result<ReportDef> {
    let col = |path: serde_json::Value, source: serde_json::Value| json!({"path": path, "source": source, "left": 0, "right": 0});
    let el = |e: &str| json!({"type": "element", "element": e});
    Ok(serde_json::from_value(json!({
        "title": "60岁以上独居老人花名册", "kind": "roster", "entity": "person",
        "filter": ROSTER_FILTER,
        "columns": [
            col(json!(["序号"]), json!({"type": "serial"})),
            col(json!(["姓名"]), el("person.name")),
            col(json!(["公民身份号码"]), el("person.id_number")),
            col(json!(["性别"]), el("person.sex")),
            col(json!(["年龄"]), json!({"type": "computed", "expr": "age"})),
            col(json!(["联系电话"]), el("person.phone")),
            col(json!(["家庭住址"]), el("household.address")),
            col(json!(["帮扶责任人"]), json!({"type": "manual"})),
        ],
        "rows": {"by": "units"},
    }))?)
}

fn statistical_def() -> anyhow::Result<ReportDef> {
    let mut columns = vec![
        json!({"path": ["单位"], "source": {"type": "row_label"}, "left": 0, "right": 0}),
        json!({"path": ["居民人数"], "source": {"type": "count"}, "left": 0, "right": 0}),
    ];
    for (label, filter) in COUNTS {
        columns.push(json!({"path": ["其中", label], "source": {"type": "count", "filter": filter}, "left": 0, "right": 0}));
    }
    columns
        .push(json!({"path": ["走访户数"], "source": {"type": "manual"}, "left": 0, "right": 0}));
    Ok(serde_json::from_value(json!({
        "title": "社区人口基本情况统计表", "kind": "statistical", "entity": "person",
        "columns": columns, "rows": {"by": "units"},
    }))?)
}

async fn publish(
    app: &App,
    actor: &CurrentUser,
    office: &CurrentUser,
    def: ReportDef,
) -> anyhow::Result<i64> {
    let id = app
        .create_report(
            actor,
            NewReportInput {
                definition: def,
                frequency: "quarterly".into(),
                period: "2026年第4季度".into(),
                deadline: "2026-12-31".into(),
                targets: vec![],
                template_name: None,
            },
            None,
        )
        .await?;
    admit(app, actor, office, id).await?;
    app.publish_report(actor, id, None).await?;
    Ok(id)
}

/// 准入 before publication: requested by the department, admitted by the
/// 减负办 (the request's trial prefill is not timed).
async fn admit(
    app: &App,
    actor: &CurrentUser,
    office: &CurrentUser,
    report: i64,
) -> anyhow::Result<()> {
    use jianfu_app::admission::{Action, AdmissionInput};
    use jianfu_core::admission::Details;
    let input = AdmissionInput {
        title: String::new(),
        details: Details::Report {
            report_id: Some(report),
        },
        targets: vec![],
        per_year: 1,
        lead_hours: Some(240),
        duty_item: Some("社会救助对象排查与申报协助".into()),
        requested_until: None,
    };
    let id = app.create_admission(actor, &input, None).await?;
    app.decide_admission(actor, id, Action::Submit, "", None)
        .await?;
    let v = app
        .decide_admission(office, id, Action::Admit, "", None)
        .await?;
    ensure!(
        v.row.status == "admitted",
        "report {report} not admitted: {:?}",
        v.decisions
    );
    Ok(())
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

pub async fn run(url: &str, password: &str, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    let db = jianfu_store::Db::connect(url).await?;
    let app = App::open(db, AuthConfig::default()).await?;
    let actor = app
        .login("minzheng", password, None)
        .await
        .map_err(|e| anyhow::anyhow!("login minzheng: {e}"))?
        .user;
    let persons = app.db.person_count().await?;
    let office = app
        .login("jianfuban", password, None)
        .await
        .map_err(|e| anyhow::anyhow!("login jianfuban: {e}"))?
        .user;
    let roster = publish(&app, &actor, &office, roster_def()?).await?;
    let stats = publish(&app, &actor, &office, statistical_def()?).await?;
    let roster_tasks = app.db.tasks_of_report(roster).await?;
    let stat_tasks = app.db.tasks_of_report(stats).await?;
    ensure!(!roster_tasks.is_empty(), "no communities in the district");
    println!(
        "data: {persons} persons in {} communities; reports {roster} (roster) and {stats} (statistical)",
        roster_tasks.len()
    );

    // One task at a time, as a department user opening each community's.
    let mut results = std::fs::File::create(out.join("jianfu.csv"))?;
    writeln!(
        results,
        "community_id,roster_rows,residents,{}",
        (0..COUNTS.len())
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",")
    )?;
    let per_task = std::env::var("JIANFU_BENCH_DISTRICT_ONLY").is_err();
    for (name, tasks) in [("roster", &roster_tasks), ("statistical", &stat_tasks)] {
        if !per_task {
            break;
        }
        let mut times = Vec::new();
        let start = Instant::now();
        for t in tasks.iter() {
            let s = Instant::now();
            let view = app.open_task(&actor, t.id, None).await?;
            times.push(s.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(&view);
        }
        let total = start.elapsed().as_secs_f64();
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "open one {name} task: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; all {} in turn {:.2} s",
            pct(&times, 0.5),
            pct(&times, 0.95),
            times[times.len() - 1],
            tasks.len(),
            total
        );
    }
    for (r, s) in roster_tasks.iter().zip(&stat_tasks).filter(|_| per_task) {
        ensure!(r.unit_id == s.unit_id, "task order differs between reports");
        let rv = app.open_task(&actor, r.id, None).await?;
        let sv = app.open_task(&actor, s.id, None).await?;
        let row = sv
            .grid
            .rows
            .iter()
            .find(|row| row.key == s.unit_id.to_string())
            .context("community row missing from the statistical table")?;
        let counts: Vec<&str> = row.cells[1..2 + COUNTS.len()]
            .iter()
            .map(|c| c.value.as_str())
            .collect();
        writeln!(
            results,
            "{},{},{}",
            r.unit_id,
            rv.grid.rows.len(),
            counts.join(",")
        )?;
    }

    // The whole district at once: what a department's overview and the
    // burden estimate at publication need.
    let mut seconds = Vec::new();
    for (name, report) in [("roster", roster), ("statistical", stats)] {
        let s = Instant::now();
        let summary = app.prefill_report(&actor, report, None).await?;
        seconds.push(s.elapsed().as_secs_f64());
        println!(
            "prefill the whole district, {name}: {:.2} s ({} tasks, {} cells, {} prefilled)",
            s.elapsed().as_secs_f64(),
            summary.tasks,
            summary.cells,
            summary.prefilled
        );
    }
    std::fs::write(
        out.join("jianfu-times.txt"),
        format!(
            "{} {} {}\n",
            chrono::Local::now().date_naive(),
            seconds[0],
            seconds[1]
        ),
    )?;
    // A district-only run is for profiling the prefill: nothing else in it.
    if per_task {
        export_for_reference(&app, &roster_tasks, out).await?;
    }
    Ok(())
}

/// The persons and households as flat CSV: what the reference engine reads.
async fn export_for_reference(
    app: &App,
    tasks: &[jianfu_store::TaskRow],
    out: &Path,
) -> anyhow::Result<()> {
    let mut p = std::io::BufWriter::new(std::fs::File::create(out.join("persons.csv"))?);
    let mut h = std::io::BufWriter::new(std::fs::File::create(out.join("households.csv"))?);
    writeln!(p, "id,community_id,household_id,name,id_number,sex,birth_date,phone,elderly_alone,disabled,dibao,political_status,veteran")?;
    writeln!(h, "id,address")?;
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for t in tasks {
        let persons = app
            .db
            .entities_in_scope("person", &t.unit_path, None)
            .await?;
        let households = app
            .db
            .entities_in_scope("household", &t.unit_path, None)
            .await?;
        for e in persons {
            let f = |k: &str| e.facts.get(k).map(String::as_str).unwrap_or("");
            writeln!(
                p,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                e.id,
                t.unit_id,
                e.household_id.map(|h| h.to_string()).unwrap_or_default(),
                quote(f("person.name")),
                f("person.id_number"),
                f("person.sex"),
                f("person.birth_date"),
                f("person.phone"),
                f("person.elderly_alone"),
                f("person.disabled"),
                f("person.dibao"),
                f("person.political_status"),
                f("person.veteran"),
            )?;
        }
        for e in households {
            let address = e
                .facts
                .get("household.address")
                .cloned()
                .unwrap_or_default();
            writeln!(h, "{},{}", e.id, quote(&address))?;
        }
    }
    Ok(())
}
