//! 好差评: the rules of resident ratings, after 国办发〔2019〕51号 and
//! GB/T 39734/39735. One rating per service handled on site (一次一评), five
//! levels, the three on-site sub-indicators (服务效率, 服务水平, 服务态度),
//! an optional comment. A bad rating (不满意, 非常不满意) opens a case: the
//! window's township calls back (回访), then rectifies, explains, or appeals
//! it as malicious, which the 减负办 decides, never the unit rated.

use serde::Serialize;

/// The services a community window (便民服务中心) handles, as shipped.
pub const SERVICES: [(&str, &str); 14] = [
    ("social_insurance", "社会保险参保登记"),
    ("medical_insurance", "城乡居民医保参保缴费"),
    ("subsistence", "低保、特困供养申请"),
    ("temporary_aid", "临时救助申请"),
    ("disability_card", "残疾人证办理"),
    ("elderly_allowance", "高龄津贴申领"),
    ("elderly_card", "老年人优待证办理"),
    ("birth_registration", "生育登记服务"),
    ("employment", "就业失业登记"),
    ("veterans", "退役军人优待服务"),
    ("residence_certificate", "居住证明开具"),
    ("household_assist", "户籍业务协办"),
    ("consultation", "政策咨询"),
    ("other", "其他服务"),
];

pub fn service_label(code: &str) -> Option<&'static str> {
    SERVICES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The five levels, 5 best.
pub const LEVELS: [(i64, &str); 5] = [
    (5, "非常满意"),
    (4, "满意"),
    (3, "基本满意"),
    (2, "不满意"),
    (1, "非常不满意"),
];

pub fn level_label(level: i64) -> &'static str {
    LEVELS
        .iter()
        .find(|(l, _)| *l == level)
        .map_or("", |(_, t)| *t)
}

/// 不满意 and 非常不满意 open a rectification case.
pub fn is_bad(level: i64) -> bool {
    level <= 2
}

/// 满意 and 非常满意 count as satisfied in the published share.
pub fn is_satisfied(level: i64) -> bool {
    level >= 4
}

/// A rating within this many seconds of the case being recorded was most
/// likely given at the window, with the staff watching.
pub const PROMPTED_SECONDS: i64 = 60;

/// One rating as the resident gave it.
#[derive(Debug, Clone, Default)]
pub struct RatingInput {
    pub level: Option<i64>,
    pub efficiency: Option<i64>,
    pub quality: Option<i64>,
    pub attitude: Option<i64>,
    pub comment: String,
}

/// Checks a rating; the message names the field.
pub fn check_rating(r: &RatingInput) -> Result<(), String> {
    match r.level {
        Some(l) if (1..=5).contains(&l) => {}
        Some(l) => return Err(format!("“总体评价”应为 1 到 5 级，而不是 {l}")),
        None => return Err("请选择总体评价（非常满意 … 非常不满意）".into()),
    }
    for (name, v) in [
        ("服务效率", r.efficiency),
        ("服务水平", r.quality),
        ("服务态度", r.attitude),
    ] {
        if let Some(v) = v {
            if !(1..=5).contains(&v) {
                return Err(format!("“{name}”应为 1 到 5 分，而不是 {v}"));
            }
        }
    }
    if r.comment.chars().count() > 500 {
        return Err("“意见建议”不能超过 500 字".into());
    }
    Ok(())
}

/// Where a bad rating's case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BadStatus {
    /// 待回访
    Open,
    /// 已回访: to be rectified, explained or appealed.
    CalledBack,
    /// 申诉待裁定 by the 减负办.
    Appealed,
    Closed,
}

impl BadStatus {
    pub fn code(self) -> &'static str {
        match self {
            BadStatus::Open => "open",
            BadStatus::CalledBack => "called_back",
            BadStatus::Appealed => "appealed",
            BadStatus::Closed => "closed",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [
            BadStatus::Open,
            BadStatus::CalledBack,
            BadStatus::Appealed,
            BadStatus::Closed,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BadStatus::Open => "待回访",
            BadStatus::CalledBack => "已回访，待整改或说明",
            BadStatus::Appealed => "申诉待减负办裁定",
            BadStatus::Closed => "已办结",
        }
    }
}

/// A step on a bad rating's case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadStep {
    CallBack,
    Rectify,
    Explain,
    Appeal,
    /// The office upholds the appeal: the rating was malicious.
    Uphold,
    /// The office rejects it: back to rectify or explain.
    Reject,
}

/// The state a step leads to from `from`, or why it cannot be taken.
pub fn next(from: BadStatus, step: BadStep) -> Result<BadStatus, String> {
    use BadStatus::*;
    use BadStep::*;
    match (from, step) {
        (Open, CallBack) => Ok(CalledBack),
        (CalledBack, Rectify | Explain) => Ok(Closed),
        (CalledBack, Appeal) => Ok(Appealed),
        (Appealed, Uphold) => Ok(Closed),
        (Appealed, Reject) => Ok(CalledBack),
        (Open, Rectify | Explain | Appeal) => {
            Err("请先回访评价人（回访记录），再整改、说明或申诉".into())
        }
        (from, _) => Err(format!(
            "这条差评现在是“{}”，不能办理这一步",
            from.label_zh()
        )),
    }
}

/// The share satisfied, in percent with one decimal, of `satisfied` out
/// of `total`; None for no ratings.
pub fn satisfied_share(satisfied: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| (satisfied as f64 / total as f64 * 1000.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_is_checked_field_by_field() {
        let ok = RatingInput {
            level: Some(2),
            efficiency: Some(1),
            ..Default::default()
        };
        assert!(check_rating(&ok).is_ok());
        assert!(check_rating(&RatingInput::default())
            .unwrap_err()
            .contains("请选择总体评价"));
        let bad = RatingInput {
            level: Some(6),
            ..Default::default()
        };
        assert!(check_rating(&bad).unwrap_err().contains("1 到 5 级"));
        let bad = RatingInput {
            level: Some(5),
            attitude: Some(0),
            ..Default::default()
        };
        assert!(check_rating(&bad).unwrap_err().contains("服务态度"));
        assert!(is_bad(2) && is_bad(1) && !is_bad(3));
        assert!(is_satisfied(4) && !is_satisfied(3));
        assert_eq!(satisfied_share(2, 3), Some(66.7));
        assert_eq!(satisfied_share(0, 0), None);
    }

    #[test]
    fn a_bad_rating_is_called_back_before_anything_else() {
        use BadStatus::*;
        use BadStep::*;
        assert!(next(Open, Rectify).unwrap_err().contains("请先回访"));
        assert_eq!(next(Open, CallBack), Ok(CalledBack));
        assert_eq!(next(CalledBack, Explain), Ok(Closed));
        assert_eq!(next(CalledBack, Appeal), Ok(Appealed));
        assert_eq!(next(Appealed, Reject), Ok(CalledBack));
        assert_eq!(next(Appealed, Uphold), Ok(Closed));
        assert!(next(Closed, CallBack).is_err());
    }
}
