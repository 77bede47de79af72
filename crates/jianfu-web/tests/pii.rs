//! Personal numbers stay masked whatever is combined: every field a person's
//! pages and API show, through every role, must not rebuild the full ID
//! number; phone numbers typed anywhere are masked in the audit log.

mod common;

use common::{Backend, TestServer};
use jianfu_core::id_number::IdNumber;

use common::DEMO_ACCOUNTS as ACCOUNTS;

/// Every full ID number that agrees with what `text` shows: any masked
/// 18-character number (digits kept, `*` hidden, whatever the scheme), any
/// date shown taken as the birth date, the rest enumerated and checked.
fn candidates(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let is_digit = |c: &char| c.is_ascii_digit() || *c == 'X';
    let mut masks = Vec::new();
    for (i, w) in chars.windows(18).enumerate() {
        let bounded = i == 0 || !(is_digit(&chars[i - 1]) || chars[i - 1] == '*');
        if bounded && w.iter().all(|c| is_digit(c) || *c == '*') && w.contains(&'*') {
            masks.push(w.to_vec());
        }
    }
    let mut dates = Vec::new();
    for w in chars.windows(10) {
        let s: String = w.iter().collect();
        if chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").is_ok() {
            dates.push(s.replace('-', "").chars().collect::<Vec<char>>());
        }
    }
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let mut out = Vec::new();
    for m in &masks {
        for d in &dates {
            let mut base = m.clone();
            // The birth date fills digits 7–14 where hidden; where shown
            // they must agree with it.
            if (0..8).any(|k| base[6 + k] != '*' && base[6 + k] != d[k]) {
                continue;
            }
            base[6..14].copy_from_slice(d);
            let hidden: Vec<usize> = (0..18).filter(|&k| base[k] == '*').collect();
            if hidden.len() > 4 {
                continue;
            }
            let total = 11usize.pow(hidden.len() as u32);
            for n in 0..total {
                let mut c = base.clone();
                let mut rest = n;
                for &k in &hidden {
                    c[k] = "0123456789X".as_bytes()[rest % 11] as char;
                    rest /= 11;
                }
                let candidate: String = c.iter().collect();
                if IdNumber::parse(&candidate, today).is_ok() {
                    out.push(candidate);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

async fn no_combination_of_shown_fields_rebuilds_an_id_number(b: Backend) {
    let s = TestServer::start(b).await;
    let p = s.first_resident("500107003003").await;
    let mut pages = Vec::new();
    let mut readable_by = Vec::new();
    for who in ACCOUNTS {
        let (c, _) = s.login(who).await;
        let mut seen = String::new();
        let mut paths = vec![
            format!("/register/persons/{}", p.id),
            format!("/api/v1/persons/{}", p.id),
            format!("/api/v1/persons/{}/history", p.id),
            format!("/api/v1/persons?q={}", p.name),
            format!("/register?q={}", p.name),
        ];
        if let Some(h) = p.household_id {
            paths.push(format!("/register/households/{h}"));
        }
        for path in paths {
            let r = c.get(s.url(&path)).send().await.expect("get");
            if r.status() == 200 {
                seen.push_str(&r.text().await.unwrap_or_default());
            }
        }
        if seen.contains(&p.name) {
            readable_by.push(who);
        }
        assert!(!seen.contains(&p.id_number), "{who} sees the full number");
        pages.push((who, seen));
    }
    assert!(
        readable_by.len() >= 3,
        "someone sees the person: {readable_by:?}"
    );
    let all: String = pages.iter().map(|(_, t)| t.as_str()).collect();
    let found = candidates(&all);
    assert!(
        found.contains(&p.id_number),
        "the attack is sound: it finds the real number among its candidates"
    );
    assert!(
        found.len() >= 10,
        "what is shown narrows the number to {} candidates",
        found.len()
    );
    // Typed into the search box, a phone or ID number is masked in the log.
    let (c, _) = s.login("minzhu").await;
    for q in ["13812345678", p.id_number.as_str()] {
        c.get(s.url(&format!("/register?q={q}")))
            .send()
            .await
            .expect("search");
    }
    let log: String = s
        .audit("", "minzhu")
        .await
        .iter()
        .map(|e| format!("{} {:?}", e.target.clone().unwrap_or_default(), e.detail))
        .collect();
    assert!(
        !log.contains("13812345678") && !log.contains(&p.id_number),
        "{log}"
    );
}

on_both_backends!(no_combination_of_shown_fields_rebuilds_an_id_number);
