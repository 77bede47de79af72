//! `jianfu`: the one binary. `serve` runs the web server, `demo` builds and
//! serves the 九龙坡 demo district, the rest are administration commands.

mod commands;
mod config;

// Imports allocate and free millions of short strings; glibc's allocator
// spent over 40% of an import's time in malloc/free (perf, 100k rows).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "jianfu",
    version,
    about = "基层减负一表通平台 (grassroots burden-reduction platform)"
)]
struct Cli {
    /// Configuration file (TOML); default: $JIANFU_CONFIG or ./jianfu.toml if present.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Directory for the SQLite database and backups.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve(ServeArgs),
    /// Build a fresh demo district (重庆市九龙坡区) and serve it.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Number of synthetic residents.
        #[arg(long, default_value_t = 50_000)]
        residents: usize,
        /// Random seed; the same seed gives the same residents.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Password for every demo account.
        #[arg(long, default_value = "jianfu2026", value_name = "PW")]
        demo_password: String,
        /// Build the database and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Organisation tree administration.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Account administration.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// 一表通 templates.
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
    /// Import residents from a spreadsheet (xlsx, xls, ods, csv) into a community's register.
    Import {
        file: PathBuf,
        /// Division code (12 digits) or name of the village or community.
        #[arg(long)]
        community: String,
        /// 导入 (default) or 共享 for a department's export (数据回流).
        #[arg(long, default_value = "导入")]
        source: String,
        /// The department whose export this is; required with --source 共享.
        #[arg(long)]
        department: Option<String>,
        /// Check every row and report, but write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the good rows and reject the bad ones (default: any bad row and nothing is written).
        #[arg(long)]
        skip_invalid: bool,
        /// Write the rejected rows, with a reason column, to this xlsx file.
        #[arg(long, value_name = "FILE")]
        rejected_out: Option<PathBuf>,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// The burden ledger (负担台账).
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Write a consistent copy of the database while the server runs.
    Backup {
        /// Output file; default: <data_dir>/backups/jianfu-<time>.db (or .dump for PostgreSQL).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum FormsCommand {
    /// Analyse department forms (.xlsx/.xls files or folders): title, header
    /// tree, form kind and the data element each column asks for. Needs no
    /// server and no database. Exit status 1 if a file could not be read
    /// (the others are still analysed).
    Analyze {
        /// Print exactly one JSON object (the documented contract) instead of
        /// a Chinese summary.
        #[arg(long)]
        json: bool,
        /// Files or folders (searched recursively).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Write a year's annual burden-reduction report (年度减负报告) of the
    /// whole district as .xlsx, from the ledger, without the server.
    Export {
        /// The calendar year, e.g. 2026.
        #[arg(long)]
        year: i32,
        /// Output file; default: ./<year>年度减负报告.xlsx.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Import division code CSV files (provinces, cities, areas, streets, villages) from a directory.
    Import {
        dir: PathBuf,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from standard input.
    Add {
        username: String,
        /// admin, jianfuban, department, township, community, grid (or 系统管理员, 减负办, 部门, 街镇, 村社区, 网格员).
        #[arg(long)]
        role: String,
        /// The account's unit: division code or exact name.
        #[arg(long)]
        unit: String,
        /// Display name; defaults to the user name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    // Auditing forms needs neither configuration nor database.
    if let Command::Forms {
        command: FormsCommand::Analyze { json, paths },
    } = &cli.command
    {
        return commands::forms_analyze(*json, paths);
    }
    let mut cfg = config::Config::load(cli.config.as_deref())?;
    let set_dir = |cfg: &mut config::Config, d: &Option<PathBuf>| {
        if let Some(d) = d {
            cfg.data_dir = d.clone();
        }
    };
    match &cli.command {
        Command::Serve(a) | Command::Demo { serve: a, .. } => {
            set_dir(&mut cfg, &a.data_dir);
            if let Some(l) = &a.listen {
                cfg.listen = l.clone();
            }
        }
        Command::Migrate { data_dir }
        | Command::Backup { data_dir, .. }
        | Command::Import { data_dir, .. }
        | Command::Org {
            command: OrgCommand::Import { data_dir, .. },
        }
        | Command::User {
            command: UserCommand::Add { data_dir, .. },
        }
        | Command::Ledger {
            command: LedgerCommand::Export { data_dir, .. },
        } => set_dir(&mut cfg, data_dir),
        Command::Forms { .. } => {}
    }
    commands::init_logging(&cfg.log);
    jianfu_app::clock::set_zone(&cfg.time_zone).map_err(|e| anyhow::anyhow!(e))?;
    match cli.command {
        Command::Serve(_) => commands::serve(&cfg).await,
        Command::Demo {
            residents,
            seed,
            demo_password,
            no_serve,
            ..
        } => commands::demo(&cfg, residents, seed, &demo_password, no_serve).await,
        Command::Migrate { .. } => commands::migrate(&cfg).await,
        Command::Org {
            command: OrgCommand::Import { dir, .. },
        } => commands::org_import(&cfg, &dir).await,
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    unit,
                    name,
                    ..
                },
        } => commands::user_add(&cfg, &username, &role, &unit, name.as_deref()).await,
        Command::Backup { out, .. } => commands::backup(&cfg, out).await,
        Command::Ledger {
            command: LedgerCommand::Export { year, out, .. },
        } => commands::ledger_export(&cfg, year, out).await,
        Command::Forms {
            command: FormsCommand::Analyze { json, paths },
        } => commands::forms_analyze(json, &paths),
        Command::Import {
            file,
            community,
            source,
            department,
            dry_run,
            skip_invalid,
            rejected_out,
            ..
        } => {
            commands::import(
                &cfg,
                &commands::ImportArgs {
                    file,
                    community,
                    source,
                    department,
                    dry_run,
                    skip_invalid,
                    rejected_out,
                },
            )
            .await
        }
    }
}
