//! The 监测 dashboard at district scale: the reader's dashboard of the
//! last 24 months, timed as each role opens it (the office, a department,
//! a township, a community), and the annual report. `scripts/bench
//! dashboard` first extends the demo's 18 months of ledger to 24 and runs
//! the same aggregates in the sqlite3 CLI as the reference.

use jianfu_app::{App, AuthConfig};
use jianfu_core::monitoring::Month;
use std::time::Instant;

fn summary(times: &mut [f64]) -> String {
    times.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    format!(
        "min {:.1} ms, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        times[0],
        pct(0.5),
        pct(0.95),
        times[times.len() - 1]
    )
}

pub async fn run(url: &str, password: &str, runs: usize) -> anyhow::Result<()> {
    anyhow::ensure!(runs > 0, "--runs must be at least 1");
    let db = jianfu_store::Db::connect(url).await?;
    let app = App::open(db, AuthConfig::default()).await?;
    let to = Month::of(jianfu_app::today());
    let from = to.plus(-23);
    let (lines, minutes) = app
        .db
        .ledger_line_totals(
            &jianfu_store::LedgerScope::default(),
            from.key(),
            to.key(),
            None,
        )
        .await?;
    let sums = app
        .db
        .ledger_sums(
            jianfu_store::LedgerGroup::Unit,
            &jianfu_store::LedgerScope::default(),
            from.key(),
            to.key(),
        )
        .await?;
    let units: std::collections::BTreeSet<i64> = sums.iter().map(|r| r.group_id).collect();
    let months: std::collections::BTreeSet<i64> = sums.iter().map(|r| r.month).collect();
    println!(
        "ledger: {lines} lines ({:.0} hours) from {from} to {to}, {} units, {} months",
        minutes / 60.0,
        units.len(),
        months.len()
    );
    for who in ["jianfuban", "minzheng", "xiejiawan", "minzhu"] {
        let actor = app
            .login(who, password, None)
            .await
            .map_err(|e| anyhow::anyhow!("login {who}: {e}"))?
            .user;
        let t = Instant::now();
        let first = app.dashboard(&actor, from, to, None).await?;
        let cold = t.elapsed().as_secs_f64() * 1000.0;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            let d = app.dashboard(&actor, from, to, None).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            anyhow::ensure!(d.total_hours == first.total_hours, "the figures moved");
        }
        println!(
            "dashboard, 24 months, as {who:<10} ({:>8.1} hours, {:>3} rows of units): first {cold:.1} ms; {runs} runs: {}",
            first.total_hours,
            first.units.len(),
            summary(&mut times)
        );
    }
    let office = app
        .login("jianfuban", password, None)
        .await
        .map_err(|e| anyhow::anyhow!("login jianfuban: {e}"))?
        .user;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        app.annual_report(&office, to.year, None).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "annual report {} as jianfuban: {runs} runs: {}",
        to.year,
        summary(&mut times)
    );
    Ok(())
}
