//! The subcommands. Each opens the database named by the configuration,
//! does its work through `jianfu_app`, and reports in Chinese.

use crate::config::{sqlite_url, Config};
use anyhow::Context;
use jianfu_app::accounts::AccountRequest;
use jianfu_app::demo::DemoOptions;
use jianfu_app::{App, AuthConfig};
use jianfu_core::role::Role;
use jianfu_store::{Backend, Db};
use jianfu_web::{CookieSecure, WebConfig};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn init_logging(filter: &str) {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| filter.to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(false)
        .try_init();
}

fn auth_config(cfg: &Config) -> AuthConfig {
    AuthConfig {
        max_failures: cfg.login_max_failures,
        lockout_minutes: cfg.login_lockout_minutes,
        session_hours: cfg.session_hours,
    }
}

fn web_config(cfg: &Config) -> WebConfig {
    WebConfig {
        cookie_secure: match cfg.cookie_secure.as_str() {
            "always" => CookieSecure::Always,
            "never" => CookieSecure::Never,
            _ => CookieSecure::Auto,
        },
        trust_proxy: cfg.trust_proxy,
        login_attempts_per_minute: cfg.login_attempts_per_minute,
    }
}

async fn open(cfg: &Config, url: &str) -> anyhow::Result<App> {
    if Backend::from_url(url)? == Backend::Sqlite {
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("无法创建数据目录 {}", cfg.data_dir.display()))?;
    }
    let db = Db::connect(url).await.context("无法打开数据库")?;
    Ok(App::open(db, auth_config(cfg)).await?)
}

async fn serve_app(cfg: &Config, app: App) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("无法监听 {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(
        database = app.db.backend().name(),
        "jianfu 已启动：http://{addr}/"
    );
    println!("jianfu 已启动：http://{addr}/  （按 Ctrl-C 停止）");
    jianfu_web::serve(listener, app.clone(), web_config(cfg)).await?;
    app.db.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn serve(cfg: &Config) -> anyhow::Result<ExitCode> {
    let app = open(cfg, &cfg.database_url()).await?;
    serve_app(cfg, app).await
}

pub async fn demo(
    cfg: &Config,
    residents: usize,
    seed: u64,
    password: &str,
    no_serve: bool,
) -> anyhow::Result<ExitCode> {
    jianfu_app::passwords::check_policy(password)
        .map_err(|e| anyhow::anyhow!("--demo-password：{e}"))?;
    // The demo gets a database file of its own, rebuilt on every run, so it
    // never touches the real one. A configured database_url is used only
    // if it is empty (build_demo checks).
    let url = if cfg.has_explicit_database() {
        cfg.database_url()
    } else {
        std::fs::create_dir_all(&cfg.data_dir)?;
        let path = cfg.data_dir.join("demo.db");
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", path.display()));
            if p.exists() {
                std::fs::remove_file(&p)
                    .with_context(|| format!("无法删除旧的演示数据库 {}", p.display()))?;
            }
        }
        sqlite_url(&path)
    };
    let app = open(cfg, &url).await?;
    println!("正在生成演示区：重庆市九龙坡区，{residents} 名居民（种子 {seed}）……");
    let started = std::time::Instant::now();
    let summary = app
        .build_demo(&DemoOptions {
            residents,
            seed,
            password: password.to_string(),
            today: chrono::Local::now().date_naive(),
            admissions: true,
        })
        .await?;
    println!(
        "完成（{:.1} 秒）：{} 个街镇，{} 个村社区，{} 户，{} 名居民。",
        started.elapsed().as_secs_f64(),
        summary.townships,
        summary.communities,
        summary.households,
        summary.residents
    );
    println!("\n演示账号（密码均为 {password}）：");
    for a in &summary.accounts {
        println!("  {:<12} {:<6} {}", a.username, a.role.label_zh(), a.unit);
    }
    if let Some(code) = &summary.receipt_code {
        println!("\n直报回执码（演示）：{code}");
        println!("  在 /zhibao/follow 输入此码，可像反映人一样查看办理结果并评价。");
    }
    println!();
    if no_serve {
        app.db.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    serve_app(cfg, app).await
}

pub async fn migrate(cfg: &Config) -> anyhow::Result<ExitCode> {
    let app = open(cfg, &cfg.database_url()).await?;
    let tables = app.db.table_names().await?;
    println!(
        "迁移完成（{}），共 {} 张表。",
        app.db.backend().name(),
        tables.len()
    );
    app.db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `jianfu ledger export --year Y`: the annual report of the district.
pub async fn ledger_export(
    cfg: &Config,
    year: i32,
    out: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let app = open(cfg, &cfg.database_url()).await?;
    let report = app.annual_report_offline(year).await?;
    let bytes = jianfu_app::monitoring::annual_workbook(&report)?;
    let path = out.unwrap_or_else(|| PathBuf::from(format!("{year}年度减负报告.xlsx")));
    std::fs::write(&path, &bytes).with_context(|| format!("无法写入 {}", path.display()))?;
    println!(
        "已写出 {}：{} {} 年基层负担 {} 小时（上年 {} 小时），{} 个部门，预警 {} 条。",
        path.display(),
        report.scope_name,
        year,
        report.total.hours,
        report.total.last_year_hours,
        report.departments.len(),
        report
            .warnings
            .as_ref()
            .map_or(0, |w| w.iter().map(|t| t.opened).sum::<i64>()),
    );
    app.db.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn org_import(cfg: &Config, dir: &Path) -> anyhow::Result<ExitCode> {
    let files = jianfu_app::org_import::read_dir_csv(dir)?;
    let app = open(cfg, &cfg.database_url()).await?;
    let report = app.import_divisions(&files).await?;
    for r in &report.rejected {
        println!("拒绝：{r}");
    }
    println!(
        "导入完成：新增 {}，更新 {}，未变 {}，拒绝 {}。",
        report.inserted,
        report.updated,
        report.unchanged,
        report.rejected.len()
    );
    app.db.close().await;
    Ok(if report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password("密码：")?;
        let b = rpassword::prompt_password("再次输入密码：")?;
        if a != b {
            anyhow::bail!("两次输入的密码不一致");
        }
        Ok(a)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

pub async fn user_add(
    cfg: &Config,
    username: &str,
    role: &str,
    unit: &str,
    name: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let role = Role::from_code(role).ok_or_else(|| {
        anyhow::anyhow!(
            "未知角色“{role}”，可选：admin、jianfuban、department、township、community、grid"
        )
    })?;
    let app = open(cfg, &cfg.database_url()).await?;
    let unit_row = app
        .db
        .unit_by_code_or_name(unit)
        .await?
        .ok_or_else(|| anyhow::anyhow!("找不到单位“{unit}”：请用区划代码或完整名称"))?;
    let password = read_password()?;
    let id = app
        .create_account(
            None,
            &AccountRequest {
                username: username.to_string(),
                display_name: name.unwrap_or(username).to_string(),
                password,
                role,
                unit_id: unit_row.id,
            },
        )
        .await?;
    println!(
        "已创建账号 {username}（id {id}，{}，{}）。",
        role.label_zh(),
        unit_row.name
    );
    app.db.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn backup(cfg: &Config, out: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let url = cfg.database_url();
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    match Backend::from_url(&url)? {
        Backend::Sqlite => {
            let out = out.unwrap_or_else(|| {
                cfg.data_dir
                    .join("backups")
                    .join(format!("jianfu-{stamp}.db"))
            });
            if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            let db = Db::connect(&url).await.context("无法打开数据库")?;
            db.backup_sqlite_to(&out).await?;
            db.close().await;
            println!("备份完成：{}", out.display());
        }
        Backend::Postgres => {
            // pg_dump takes a consistent snapshot of a live database.
            let out = out.unwrap_or_else(|| {
                cfg.data_dir
                    .join("backups")
                    .join(format!("jianfu-{stamp}.dump"))
            });
            if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            let status = std::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--file")
                .arg(&out)
                .arg("--dbname")
                .arg(&url)
                .status()
                .context("无法运行 pg_dump：请安装 PostgreSQL 客户端（postgresql-client）")?;
            if !status.success() {
                anyhow::bail!("pg_dump 失败（{status}）");
            }
            println!("备份完成：{}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub struct ImportArgs {
    pub file: PathBuf,
    pub community: String,
    pub source: String,
    pub department: Option<String>,
    pub dry_run: bool,
    pub skip_invalid: bool,
    pub rejected_out: Option<PathBuf>,
}

/// The first rows of a UTF-8 CSV file, to find its header without reading
/// the rest; `None` when the file is not UTF-8 (it is then read whole and
/// decoded as GB18030).
fn csv_head(path: &Path) -> Option<jianfu_app::import::Table> {
    let mut r = csv_reader(path)?;
    let mut rows = Vec::new();
    for rec in r.records().take(20) {
        rows.push(rec.ok()?.iter().map(|c| c.trim().to_string()).collect());
    }
    Some(jianfu_app::import::Table {
        sheet: String::new(),
        rows,
    })
}

fn csv_reader(path: &Path) -> Option<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .ok()
}

pub async fn import(cfg: &Config, a: &ImportArgs) -> anyhow::Result<ExitCode> {
    use jianfu_app::import::{
        csv_rows, read_table, rejected_rows_xlsx, rejected_rows_xlsx_from, suggest_mapping,
        ImportMode, ImportOptions,
    };
    use jianfu_app::register::Source;
    let source = Source::from_label(&a.source)
        .filter(|s| *s != Source::Derived)
        .ok_or_else(|| {
            anyhow::anyhow!("--source 应为“导入”“共享”或“手工”，而不是“{}”", a.source)
        })?;
    let file_name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !a.file.is_file() {
        anyhow::bail!("文件不存在：{}", a.file.display());
    }
    // Large CSV files are streamed; spreadsheets and non-UTF-8 CSV are read whole.
    let streamed = file_name
        .to_ascii_lowercase()
        .ends_with(".csv")
        .then(|| csv_head(&a.file))
        .flatten();
    let whole = match &streamed {
        Some(_) => None,
        None => {
            let bytes =
                std::fs::read(&a.file).with_context(|| format!("无法读取 {}", a.file.display()))?;
            Some((
                std::sync::Arc::new(read_table(
                    &file_name,
                    &bytes,
                    &jianfu_app::workbook::SheetLimits::COMMAND_LINE,
                )?),
                bytes,
            ))
        }
    };
    let head = streamed
        .as_ref()
        .or(whole.as_ref().map(|(t, _)| &**t))
        .ok_or_else(|| anyhow::anyhow!("无法读取 {file_name}"))?;
    let app = open(cfg, &cfg.database_url()).await?;
    let dict = app.dict();
    let community = app
        .db
        .unit_by_code_or_name(&a.community)
        .await?
        .ok_or_else(|| anyhow::anyhow!("找不到村社区“{}”", a.community))?;
    let department_id = match &a.department {
        Some(d) => Some(
            app.db
                .unit_by_code_or_name(d)
                .await?
                .ok_or_else(|| anyhow::anyhow!("找不到部门“{d}”"))?
                .id,
        ),
        None => None,
    };
    let learned = app.import_aliases(community.id).await?;
    let mapping = suggest_mapping(&dict, &learned, head)
        .ok_or_else(|| anyhow::anyhow!("{file_name} 中找不到表头：前20行没有一列能对应到指标库"))?;
    println!("表头在第{}行，列映射：", mapping.header_row + 1);
    for c in &mapping.columns {
        let target = c
            .element
            .as_deref()
            .and_then(|e| dict.element(e))
            .map(|e| format!("{}（{}）", e.name, e.code))
            .unwrap_or_else(|| "不导入".into());
        println!(
            "  {} → {target}",
            if c.label.is_empty() {
                "（空）"
            } else {
                &c.label
            }
        );
    }
    let opts = ImportOptions {
        file_name: file_name.clone(),
        community_id: community.id,
        source,
        department_id,
        mode: if a.skip_invalid {
            ImportMode::SkipInvalid
        } else {
            ImportMode::Atomic
        },
        dry_run: a.dry_run,
        today: chrono::Local::now().date_naive(),
        exclusive: true,
    };
    let started = std::time::Instant::now();
    let report = match &whole {
        Some((table, bytes)) => {
            app.import_residents(None, table.clone(), bytes, &mapping, &opts)
                .await?
        }
        None => app.import_csv_file(None, &a.file, &mapping, &opts).await?,
    };
    let secs = started.elapsed().as_secs_f64();
    if !report.exclusive && app.db.backend() == Backend::Sqlite && !a.dry_run {
        println!("注意：数据库正被其他程序（如运行中的服务）打开，本次导入与其共享写入，速度较慢；大批量导入宜在停止服务后进行。");
    }
    for e in report.errors.iter().take(200) {
        println!("拒绝：{e}");
    }
    if report.errors.len() > 200 {
        println!(
            "……另有 {} 条错误未列出（见 --rejected-out 文件）",
            report.errors.len() - 200
        );
    }
    for f in report.flags.iter().take(50) {
        println!("提示：第{}行“{}”列：{}", f.row, f.column, f.reason);
    }
    if let (Some(out), false) = (&a.rejected_out, report.errors.is_empty()) {
        let xlsx = match &whole {
            Some((table, _)) => rejected_rows_xlsx(table, mapping.header_row, &report.errors)?,
            None => {
                let header = head
                    .rows
                    .get(mapping.header_row)
                    .cloned()
                    .unwrap_or_default();
                let rows = csv_rows(&a.file, mapping.header_row)?.filter_map(|r| r.ok());
                rejected_rows_xlsx_from(&header, rows, &report.errors)?
            }
        };
        std::fs::write(out, xlsx)?;
        println!("未导入的行已写入 {}", out.display());
    }
    let rate = report.rows_total as f64 / secs.max(1e-9);
    if report.committed {
        println!(
            "导入完成：共{}行，新增{}人，更新{}人，未变{}人，写入{}条事实，冲突{}条待处理，合并候选{}，拒绝{}行。用时{secs:.1}秒（{rate:.0}行/秒）。",
            report.rows_total,
            report.created,
            report.updated,
            report.unchanged,
            report.facts_written,
            report.conflicts,
            report.merge_candidates,
            report.rejected_rows()
        );
    } else if a.dry_run {
        println!(
            "试导入（未写入）：共{}行，可导入{}行（新增{}人，更新{}人），拒绝{}行。",
            report.rows_total,
            report.rows_valid,
            report.created,
            report.updated,
            report.rejected_rows()
        );
    } else {
        println!(
            "未写入任何数据：有{}行不能导入（整文件导入模式）。修正后重新导入，或加 --skip-invalid 只导入正确的行。",
            report.rejected_rows()
        );
    }
    app.db.close().await;
    Ok(if report.rows_rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// `jianfu forms analyze`: the report goes to stdout (JSON or Chinese), each
/// unreadable file to stderr; exit status 1 if any file failed.
pub fn forms_analyze(json: bool, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let dict = jianfu_core::dictionary::Dictionary::builtin()
        .map_err(|e| anyhow::anyhow!("内置指标库无效：{e}"))?;
    let report = jianfu_app::forms::analyze_paths(paths, &dict, &Default::default());
    if json {
        println!("{}", serde_json::to_string(&report.contract_json())?);
    } else {
        print!("{}", report.summary_zh(&dict));
    }
    // What is not a form is named, never guessed, on stderr either way.
    for (file, sheet, why) in &report.skipped {
        eprintln!("跳过 {file} / {sheet}：不是表格（{why}）");
    }
    for (file, why) in &report.errors {
        eprintln!("错误 {file}：{why}");
    }
    Ok(if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
