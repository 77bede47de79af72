//! Every 监测 dashboard page, read as every role that has one, on the
//! demo's 18 months of history:
//! - each chart says what the table beside it says (the bar's value, read
//!   from its tooltip, is the table's figure for the same row);
//! - communities and townships are listed in the order of the org tree,
//!   never by burden: the five don'ts forbid ranking them. Departments may
//!   be ranked by the burden they cause, and are, largest first.

mod common;

use common::{Backend, Options, TestServer};
use scraper::{Html, Selector};

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

fn text(e: scraper::ElementRef) -> String {
    e.text().collect::<String>().trim().to_string()
}

/// (label, value) of every bar of the chart under `section`.
fn bars(doc: &Html, section: &str) -> Vec<(String, f64)> {
    doc.select(&sel(&format!("{section} svg rect title")))
        .map(|t| {
            let s = text(t);
            let (label, value) = s.rsplit_once(": ").expect("label: value");
            (
                label.to_string(),
                value.replace(',', "").parse().expect("bar value"),
            )
        })
        .collect()
}

/// (first cell, the cell at `col`) of every row of a table.
fn rows(doc: &Html, table: &str, col: usize) -> Vec<(String, String)> {
    doc.select(&sel(&format!("{table} tbody tr")))
        .map(|tr| {
            let cells: Vec<String> = tr.select(&sel("td")).map(text).collect();
            (cells[0].clone(), cells[col].clone())
        })
        .collect()
}

fn same(chart: &[(String, f64)], table: &[(String, String)], limit: usize, what: &str) {
    // A chart draws every row of its table, or the first `limit`.
    assert_eq!(
        chart.len(),
        table.len().min(limit),
        "{what}: {chart:?} vs {table:?}"
    );
    for (label, v) in chart {
        let row = table
            .iter()
            .find(|(name, _)| name == label)
            .unwrap_or_else(|| panic!("{what}: bar {label} has no row: {table:?}"));
        let t: f64 = row.1.parse().expect("table figure");
        assert!(
            (t - v).abs() < 0.051,
            "{what}: {label} chart {v}, table {t}"
        );
    }
}

/// The unit ids a table links to, in the order shown.
fn unit_ids(doc: &Html, table: &str) -> Vec<i64> {
    doc.select(&sel(&format!("{table} tbody tr td a")))
        .filter_map(|a| {
            let href = a.value().attr("href")?;
            href.split("unit=").nth(1)?.split('&').next()?.parse().ok()
        })
        .collect()
}

async fn dashboards_agree_with_their_tables_and_rank_no_community(b: Backend) {
    let s = TestServer::start_with(
        b,
        Options {
            residents: 3_000,
            activity: true,
            ..Default::default()
        },
    )
    .await;
    let last = jianfu_core::monitoring::Month::of(jianfu_app::today()).plus(-1);
    let period = format!("from={}&to={last}", last.plus(-17));
    for who in [
        "jianfuban",
        "quzhang",
        "minzheng",
        "weijian",
        "xiejiawan",
        "minzhu",
        "dagongguan",
    ] {
        let (c, _) = s.login(who).await;
        let html = c
            .get(s.url(&format!("/monitoring?{period}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        let doc = Html::parse_document(&html);
        same(
            &bars(&doc, "#by-month"),
            &rows(&doc, "#months-table", 2),
            usize::MAX,
            &format!("{who} months"),
        );
        same(
            &bars(&doc, "#by-kind"),
            &rows(&doc, "#kinds-table", 2),
            usize::MAX,
            &format!("{who} kinds"),
        );
        let depts = rows(&doc, "#departments-table", 2);
        if !depts.is_empty() {
            same(
                &bars(&doc, "#by-department"),
                &depts,
                15,
                &format!("{who} departments"),
            );
            // Departments: largest burden first.
            let hours: Vec<f64> = depts
                .iter()
                .map(|(_, h)| h.parse().expect("hours"))
                .collect();
            assert!(hours.windows(2).all(|w| w[0] >= w[1]), "{who}: {hours:?}");
        }
        // Units: in the org tree's order, whatever their burden.
        let ids = unit_ids(&doc, "#units-table");
        let units = s.app.db.units_by_ids(&ids).await.expect("units");
        let path = |id: &i64| units.iter().find(|u| u.id == *id).map(|u| u.path.clone());
        let paths: Vec<_> = ids.iter().map(path).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths, sorted, "{who}: units not in org order");
        if ids.len() > 2 {
            let hours: Vec<f64> = rows(&doc, "#units-table", 2)
                .iter()
                .map(|(_, h)| h.parse().expect("hours"))
                .collect();
            let mut by_burden = hours.clone();
            by_burden.sort_by(|a, b| b.total_cmp(a));
            if hours.iter().any(|h| *h != hours[0]) {
                assert_ne!(hours, by_burden, "{who}: units look ranked by burden");
            }
        }
        // The annual report lists the same units in the same order.
        let year = last.year;
        let annual = c
            .get(s.url(&format!("/monitoring/annual?year={year}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        let doc = Html::parse_document(&annual);
        let names: Vec<String> = doc
            .select(&sel("#an-units tbody tr td:first-child"))
            .map(text)
            .collect();
        let expected: Vec<String> = {
            let r = c
                .get(s.url(&format!("/api/v1/ledger/annual?year={year}")))
                .send()
                .await
                .expect("api");
            let v: serde_json::Value = r.json().await.expect("json");
            v["units"]
                .as_array()
                .expect("units")
                .iter()
                .map(|u| {
                    u["name"]
                        .as_str()
                        .filter(|n| !n.is_empty())
                        .unwrap_or("—")
                        .to_string()
                })
                .collect()
        };
        assert_eq!(names, expected, "{who}: annual units");
    }
}

on_both_backends!(dashboards_agree_with_their_tables_and_rank_no_community);
