//! Benchmark helpers (not part of the product): generate a large resident
//! CSV, and measure lookups by ID number. `scripts/bench` drives them.

mod dashboard;
mod prefill;

// The same allocator as the product binary, so the benchmarks measure it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use jianfu_core::id_number::{IdNumber, Sex};
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::time::Instant;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write a CSV of N residents with 20 person elements each.
    GenCsv {
        #[arg(long)]
        rows: usize,
        #[arg(long)]
        out: std::path::PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write every corpus form (data/forms-dev, data/forms-new) as an .xlsx
    /// file with merged headers: 121 forms, for timing `jianfu forms analyze`.
    FormsFixtures {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Matching quality on the dev corpus, through real .xlsx files: precision
    /// and recall of "two columns of different forms ask for the same item".
    FormsEval,
    /// Publish a roster and a statistical report to every community of a
    /// demo district, time opening each task and prefilling the district,
    /// and write the data and jianfu's answers as CSV for the reference run.
    Prefill {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value = "jianfu2026")]
        password: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Time the 监测 dashboard of the last 24 months as each role opens
    /// it, and the annual report.
    Dashboard {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value = "jianfu2026")]
        password: String,
        #[arg(long, default_value_t = 30)]
        runs: usize,
    },
    /// Time lookups of random residents by ID number.
    Lookup {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 10_000)]
        samples: usize,
    },
}

const HEADER: [&str; 20] = [
    "姓名",
    "公民身份号码",
    "联系电话",
    "民族",
    "婚姻状况",
    "文化程度",
    "政治面貌",
    "就业状况",
    "职业",
    "工作单位",
    "现住址",
    "户籍地址",
    "户口性质",
    "健康状况",
    "是否残疾",
    "是否退役军人",
    "是否外出务工",
    "务工地点",
    "个人年收入",
    "医疗保险参保情况",
];

fn gen_csv(rows: usize, out: &std::path::Path, seed: u64) -> anyhow::Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let f =
        std::fs::File::create(out).with_context(|| format!("cannot write {}", out.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    writeln!(w, "{}", HEADER.join(","))?;
    let start = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).unwrap_or_default();
    const SURNAMES: [&str; 12] = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "罗", "何",
    ];
    const GIVEN: [&str; 12] = [
        "明", "华", "芳", "军", "英", "伟", "静", "强", "丽", "勇", "敏", "杰",
    ];
    const NATIONS: [&str; 4] = ["汉族", "汉族", "汉族", "土家族"];
    const MARITAL: [&str; 4] = ["已婚", "未婚", "丧偶", "离婚"];
    const EDU: [&str; 5] = [
        "小学毕业",
        "初中毕业",
        "普通高中毕业",
        "大学专科毕业",
        "大学本科毕业",
    ];
    const POL: [&str; 3] = ["群众", "中国共产党党员", "中国共产主义青年团团员"];
    const EMP: [&str; 4] = ["在业", "灵活就业", "离退休", "失业"];
    for i in 0..rows {
        // Unique by construction: 500 numbers per birth day and sex.
        let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
        let day = (i / 1000) as i64;
        let seq = ((i % 1000) / 2) as u32 * 2;
        let birth = start + chrono::Duration::days(day % 25_000);
        let area = ["500107", "500106", "500108", "500112"][(day / 25_000) as usize % 4];
        let id = IdNumber::compose(area, birth, seq, sex).context("compose id")?;
        let name = format!(
            "{}{}{}",
            SURNAMES[rng.gen_range(0..12)],
            GIVEN[rng.gen_range(0..12)],
            GIVEN[rng.gen_range(0..12)]
        );
        let phone = format!("13{:09}", rng.gen_range(0..1_000_000_000u64));
        writeln!(
            w,
            "{name},{id},{phone},{},{},{},{},{},工人,重庆某公司,重庆市九龙坡区谢家湾街道民主村{}栋{}号,重庆市九龙坡区{}号,{},健康或良好,{},{},{},广东省东莞市,{},城乡居民基本医疗保险",
            NATIONS[rng.gen_range(0..4)],
            MARITAL[rng.gen_range(0..4)],
            EDU[rng.gen_range(0..5)],
            POL[rng.gen_range(0..3)],
            EMP[rng.gen_range(0..4)],
            rng.gen_range(1..40),
            rng.gen_range(1..300),
            rng.gen_range(1..999),
            if rng.gen_bool(0.5) { "农业户口" } else { "非农业户口" },
            if rng.gen_bool(0.06) { "是" } else { "否" },
            if rng.gen_bool(0.02) { "是" } else { "否" },
            if rng.gen_bool(0.2) { "是" } else { "否" },
            rng.gen_range(0..120_000),
        )?;
    }
    w.flush()?;
    Ok(())
}

async fn lookup(url: &str, samples: usize) -> anyhow::Result<()> {
    let db = jianfu_store::Db::connect(url).await?;
    let ids = db.all_id_numbers().await?;
    anyhow::ensure!(!ids.is_empty(), "no persons in {url}");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let id = &ids[rng.gen_range(0..ids.len())];
        let t = Instant::now();
        let p = db.person_by_id_number(id).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(p.is_some(), "missing {id}");
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "lookup by ID number: {} persons, {samples} samples: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        ids.len(),
        pct(0.50),
        pct(0.95),
        pct(0.99),
        times[times.len() - 1]
    );
    Ok(())
}

fn forms_fixtures(out: &std::path::Path, text: &str) -> anyhow::Result<usize> {
    use jianfu_core::forms::corpus::parse_forms;
    std::fs::create_dir_all(out)?;
    let forms = parse_forms(text);
    for f in &forms {
        let bytes = jianfu_app::forms::corpus_xlsx(f)?;
        std::fs::write(out.join(format!("{}.xlsx", f.id)), bytes)?;
    }
    Ok(forms.len())
}

/// `held_out`: the mismatches of a held-out set are never printed, so that
/// the rules are not written from them.
fn forms_eval(forms_text: &str, gold_text: &str, held_out: bool) -> anyhow::Result<()> {
    use jianfu_core::forms::corpus::{align, pair_scores, parse_forms, parse_gold};
    let dir = std::env::temp_dir().join(format!("jianfu-forms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let n = forms_fixtures(&dir, forms_text)?;
    let dict = jianfu_core::dictionary::Dictionary::builtin()?;
    let started = Instant::now();
    let report =
        jianfu_app::forms::analyze_paths(std::slice::from_ref(&dir), &dict, &Default::default());
    let elapsed = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    let mut predicted: std::collections::HashMap<(String, String), Vec<Option<String>>> =
        Default::default();
    let forms = parse_forms(forms_text);
    let mut kinds_right = 0;
    for f in &report.forms {
        if forms
            .iter()
            .any(|c| c.id == f.sheet && c.kind.code() == f.kind)
        {
            kinds_right += 1;
        }
        for c in &f.columns {
            let el = if c.data { c.element.clone() } else { None };
            predicted
                .entry((f.sheet.clone(), c.path.join(" > ")))
                .or_default()
                .push(el);
        }
    }
    // A flag and its coded item are one fact (是否残疾, 残疾类别).
    let gold: Vec<(String, String, String)> = parse_gold(gold_text)
        .into_iter()
        .map(|(f, p, g)| {
            let g = dict.fact_of(&g).to_string();
            (f, p, g)
        })
        .collect();
    if std::env::var("JIANFU_SHOW_MISMATCHES").is_ok() && !held_out {
        for ((f, p, g), (_, pred, _)) in gold.iter().zip(align(&gold, &predicted)) {
            if pred.as_deref() != Some(g.as_str())
                && (pred.is_some()
                    || !(g == "-" || g.starts_with("new:") || g.starts_with("stat:")))
            {
                println!("  {f}\t{p}\tpredicted {pred:?}\tgold {g}");
            }
        }
    }
    let mut paths_right = 0;
    for form in &forms {
        let got: Vec<Vec<String>> = report
            .forms
            .iter()
            .find(|r| r.sheet == form.id)
            .map(|r| r.columns.iter().map(|c| c.path.clone()).collect())
            .unwrap_or_default();
        let flat = |v: &[Vec<String>]| v.iter().map(|p| p.concat()).collect::<Vec<_>>();
        let right = flat(&got) == flat(&form.paths());
        paths_right += usize::from(right);
        if !right && !held_out && std::env::var("JIANFU_SHOW_MISMATCHES").is_ok() {
            println!("  paths of {}: got {:?}", form.id, flat(&got));
        }
    }
    println!("header paths exactly right: {paths_right}/{n} forms");
    let aligned = align(&gold, &predicted);
    if std::env::var("JIANFU_SHOW_MISMATCHES").is_ok() && !held_out {
        // Which predicted elements make the false pairs.
        let mut false_pairs: std::collections::BTreeMap<&str, usize> = Default::default();
        for (i, (fa, pa, ga)) in aligned.iter().enumerate() {
            for (fb, pb, gb) in &aligned[i + 1..] {
                if fa != fb
                    && pa.is_some()
                    && pa == pb
                    && !(ga == gb && ga != "-" && !ga.starts_with("stat:"))
                {
                    *false_pairs.entry(pa.as_deref().unwrap_or("")).or_default() += 1;
                }
            }
        }
        let mut v: Vec<_> = false_pairs.into_iter().collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.1));
        println!("  false pairs by element: {v:?}");
    }
    let s = pair_scores(&aligned);
    let columns_right = aligned
        .iter()
        .filter(|(_, p, g)| match p {
            Some(p) => p == g,
            None => g == "-" || g.starts_with("new:") || g.starts_with("stat:"),
        })
        .count();
    println!(
        "forms: {n} written, {} analysed in {:.1} ms, kind right {kinds_right}/{n}",
        report.forms.len(),
        elapsed.as_secs_f64() * 1000.0
    );
    println!(
        "columns: {} labelled, {columns_right} given the gold element (or none where gold has none)",
        gold.len()
    );
    println!(
        "pairs across forms: gold {}, predicted {}, true {}; precision {:.3}, recall {:.3}",
        s.gold_pairs, s.predicted_pairs, s.true_pairs, s.precision, s.recall
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::GenCsv { rows, out, seed } => gen_csv(rows, &out, seed),
        Cmd::FormsFixtures { out } => {
            use jianfu_core::forms::corpus::{
                BATCH_C_FORMS, BATCH_C_HELDOUT, FORMS, HELDOUT, NEW_FORMS, NEW_HELDOUT,
            };
            for text in [
                FORMS,
                HELDOUT,
                NEW_FORMS,
                NEW_HELDOUT,
                BATCH_C_FORMS,
                BATCH_C_HELDOUT,
            ] {
                forms_fixtures(&out, text)?;
            }
            Ok(())
        }
        Cmd::FormsEval => {
            use jianfu_core::forms::corpus::{FORMS, GOLD, HELDOUT, HELDOUT_GOLD};
            println!("== development corpus (data/forms-dev/forms.txt; rules tuned on it) ==");
            forms_eval(FORMS, GOLD, false)?;
            println!(
                "== held-out forms (data/forms-dev/heldout.txt; labelled before the first run) =="
            );
            forms_eval(HELDOUT, HELDOUT_GOLD, false)?;
            use jianfu_core::forms::corpus::{NEW_FORMS, NEW_GOLD, NEW_HELDOUT, NEW_HELDOUT_GOLD};
            println!("== new real forms, development part (data/forms-new/batch-*.txt) ==");
            forms_eval(NEW_FORMS, NEW_GOLD, false)?;
            use jianfu_core::forms::corpus::{
                BATCH_C_FORMS, BATCH_C_GOLD, BATCH_C_HELDOUT, BATCH_C_HELDOUT_GOLD,
            };
            println!("== batch c, development part (data/forms-new/batch-c.txt) ==");
            forms_eval(BATCH_C_FORMS, BATCH_C_GOLD, false)?;
            // The held-out sets are measured only when asked for, so that
            // nobody tunes against their figures run after run.
            if std::env::var("JIANFU_MEASURE_HELDOUT").is_ok() {
                println!("== batches a and b, held out (data/forms-new/batch-[ab]-heldout.txt) ==");
                forms_eval(NEW_HELDOUT, NEW_HELDOUT_GOLD, true)?;
            }
            if std::env::var("JIANFU_MEASURE_HELDOUT_C").is_ok() {
                println!("== batch c, held out (data/forms-new/batch-c-heldout.txt) ==");
                forms_eval(BATCH_C_HELDOUT, BATCH_C_HELDOUT_GOLD, true)?;
            }
            if std::env::var("JIANFU_MEASURE_HELDOUT").is_err()
                && std::env::var("JIANFU_MEASURE_HELDOUT_C").is_err()
            {
                println!(
                    "== held-out sets: set JIANFU_MEASURE_HELDOUT=1 (batches a, b) or \
                     JIANFU_MEASURE_HELDOUT_C=1 (batch c) to measure =="
                );
            }
            Ok(())
        }
        Cmd::Prefill {
            database_url,
            password,
            out,
        } => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(prefill::run(&database_url, &password, &out)),
        Cmd::Dashboard {
            database_url,
            password,
            runs,
        } => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(dashboard::run(&database_url, &password, runs)),
        Cmd::Lookup {
            database_url,
            samples,
        } => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(lookup(&database_url, samples)),
    }
}
