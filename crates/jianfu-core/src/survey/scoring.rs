//! Scoring a reverse assessment (逆向考核): each rater group's answers per
//! indicator, trimmed, turned into a 100-point score, and weighted across
//! the groups by the weights the 减负办 sets.
//!
//! Trimming follows the rule every Chinese scoring panel knows, 去掉一个
//! 最高分和一个最低分: from five answers up, the highest and the lowest are
//! dropped; from 40 up, the top and bottom 2.5% each (rounded down). One
//! angry or one flattering rater moves nothing, and a small group is not
//! hollowed out.
//!
//! A 1–5 answer becomes 0–100 as (answer − 1) × 25. A group with fewer than
//! k answers is left out of every figure (its weight is shared among the
//! others), so a department cannot learn what a handful of raters said.

use serde::Serialize;
use std::collections::BTreeMap;

/// How many of the highest and of the lowest answers are dropped from `n`.
pub fn trimmed_each_side(n: usize) -> usize {
    match n {
        0..=4 => 0,
        5..=39 => 1,
        _ => n / 40,
    }
}

/// The mean after trimming, or None for no values.
pub fn trimmed_mean(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let t = trimmed_each_side(v.len());
    let kept = &v[t..v.len() - t];
    Some(kept.iter().sum::<f64>() / kept.len() as f64)
}

/// A 1–5 answer on the 100-point scale.
pub fn to_hundred(one_to_five: f64) -> f64 {
    (one_to_five - 1.0) * 25.0
}

/// One rater's scored answers: the group it rates as, and indicator → 1–5.
#[derive(Debug, Clone)]
pub struct RatedAnswer {
    pub group: String,
    pub scores: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupResult {
    pub group: String,
    pub answers: usize,
    /// Whether the group has at least k answers and counts.
    pub counted: bool,
    pub weight: f64,
    /// Indicator → trimmed mean on 100 points (only when counted).
    pub indicators: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoreCard {
    /// Indicator → score on 100 points, weighted over the counted groups.
    pub indicators: BTreeMap<String, f64>,
    /// The mean of the indicators' scores; None if no group counted.
    pub overall: Option<f64>,
    pub groups: Vec<GroupResult>,
    /// How it was computed, in words, for the card.
    pub working: String,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The score card of one department from its raters' answers.
pub fn score_card(answers: &[RatedAnswer], weights: &BTreeMap<String, f64>, k: u32) -> ScoreCard {
    let mut by_group: BTreeMap<&str, Vec<&RatedAnswer>> = BTreeMap::new();
    for a in answers {
        by_group.entry(a.group.as_str()).or_default().push(a);
    }
    let mut groups = Vec::new();
    for (group, list) in &by_group {
        let counted = list.len() >= k.max(1) as usize;
        let mut indicators = BTreeMap::new();
        if counted {
            let mut values: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
            for a in list {
                for (ind, v) in &a.scores {
                    values.entry(ind.as_str()).or_default().push(*v);
                }
            }
            for (ind, vs) in values {
                if let Some(m) = trimmed_mean(&vs) {
                    indicators.insert(ind.to_string(), round1(to_hundred(m)));
                }
            }
        }
        groups.push(GroupResult {
            group: group.to_string(),
            answers: list.len(),
            counted,
            weight: weights.get(*group).copied().unwrap_or(0.0).max(0.0),
            indicators,
        });
    }
    // Each indicator: the weighted mean over the groups that count and
    // answered it, the weights shared out among them.
    let mut names: Vec<&String> = groups.iter().flat_map(|g| g.indicators.keys()).collect();
    names.sort();
    names.dedup();
    let mut indicators = BTreeMap::new();
    for name in names {
        let (mut sum, mut w) = (0.0, 0.0);
        for g in groups.iter().filter(|g| g.counted && g.weight > 0.0) {
            if let Some(v) = g.indicators.get(name) {
                sum += v * g.weight;
                w += g.weight;
            }
        }
        if w > 0.0 {
            indicators.insert(name.clone(), round1(sum / w));
        }
    }
    let overall = (!indicators.is_empty())
        .then(|| round1(indicators.values().sum::<f64>() / indicators.len() as f64));
    let counted: Vec<String> = groups
        .iter()
        .filter(|g| g.counted)
        .map(|g| format!("{}（{} 份，权重 {}）", g.group, g.answers, g.weight))
        .collect();
    // Groups below k are not named: their size would be shown by it.
    let left_out: Vec<String> = if groups.iter().any(|g| !g.counted) {
        vec![format!("另有评价组不足 {k} 份，不计入也不显示")]
    } else {
        Vec::new()
    };
    let working = format!(
        "每项指标按评价组分别计算：5 份及以上去掉一个最高分和一个最低分（40 份及以上各去掉 2.5%）后取平均，1–5 分折算为百分制（（分值−1）×25）；再按组权重加权平均（只计入达到 {k} 份的组，权重在这些组之间重新分配）。总分为各项指标得分的平均。计入：{}{}",
        if counted.is_empty() { "无".to_string() } else { counted.join("、") },
        if left_out.is_empty() { String::new() } else { format!("；{}", left_out.join("、")) }
    );
    ScoreCard {
        indicators,
        overall,
        groups,
        working,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rater(group: &str, guidance: f64, speed: f64) -> RatedAnswer {
        RatedAnswer {
            group: group.into(),
            scores: [
                ("guidance".to_string(), guidance),
                ("speed".to_string(), speed),
            ]
            .into(),
        }
    }

    #[test]
    fn trimming_drops_one_each_side_from_five_answers() {
        assert_eq!(trimmed_each_side(4), 0);
        assert_eq!(trimmed_each_side(5), 1);
        assert_eq!(trimmed_each_side(39), 1);
        assert_eq!(trimmed_each_side(80), 2);
        assert_eq!(trimmed_mean(&[1.0, 5.0, 4.0, 4.0, 4.0]), Some(4.0));
        assert_eq!(trimmed_mean(&[2.0, 4.0]), Some(3.0));
        assert_eq!(trimmed_mean(&[]), None);
    }

    /// A constructed round, computed by hand:
    /// communities (weight 0.6), six answers of guidance 5,4,4,4,3,1 →
    /// trimmed 4,4,4,3 → 3.75 → 68.75; speed 2,2,2,2,2,5 → 2 → 25;
    /// townships (weight 0.4), five answers of guidance 5,5,4,4,4 →
    /// 5,4,4 → 4.333… → 83.33; speed 3,3,3,3,1 → 3 → 50;
    /// guidance = (68.75×0.6 + 83.333×0.4) = 74.58 → 74.6;
    /// speed = 25×0.6 + 50×0.4 = 35; overall (74.583 + 35) / 2 → 54.8.
    #[test]
    fn the_weighted_trimmed_score_equals_the_hand_computation() {
        let mut answers = Vec::new();
        for (g, s) in [
            (5.0, 2.0),
            (4.0, 2.0),
            (4.0, 2.0),
            (4.0, 2.0),
            (3.0, 2.0),
            (1.0, 5.0),
        ] {
            answers.push(rater("村社区", g, s));
        }
        for (g, s) in [(5.0, 3.0), (5.0, 3.0), (4.0, 3.0), (4.0, 3.0), (4.0, 1.0)] {
            answers.push(rater("街镇", g, s));
        }
        // Three from a group too small to count: they change nothing.
        for _ in 0..3 {
            answers.push(rater("其他", 1.0, 1.0));
        }
        let weights: BTreeMap<String, f64> = [
            ("村社区".to_string(), 0.6),
            ("街镇".to_string(), 0.4),
            ("其他".to_string(), 0.5),
        ]
        .into();
        let card = score_card(&answers, &weights, 5);
        assert_eq!(card.indicators["guidance"], 74.6);
        assert_eq!(card.indicators["speed"], 35.0);
        assert_eq!(card.overall, Some(54.8));
        let small = card.groups.iter().find(|g| g.group == "其他").unwrap();
        assert!(!small.counted && small.indicators.is_empty());
        assert!(card.working.contains("去掉一个最高分和一个最低分"));
        assert!(card.working.contains("另有评价组不足 5 份") && !card.working.contains("其他"));
    }

    #[test]
    fn no_group_large_enough_means_no_score() {
        let answers: Vec<RatedAnswer> = (0..4).map(|_| rater("村社区", 5.0, 5.0)).collect();
        let card = score_card(&answers, &[("村社区".to_string(), 1.0)].into(), 5);
        assert_eq!(card.overall, None);
        assert!(card.indicators.is_empty());
    }
}
