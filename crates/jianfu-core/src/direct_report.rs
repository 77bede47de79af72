//! 直报: anonymous direct reports of hidden burden.
//!
//! Pure rules only: the categories, the states a report moves through
//! (识别 → 整治 → 反馈 → 优化, with triage before), the receipt code a
//! reporter follows it with, and the checks on what a reporter files.
//! Anonymity itself is a property of what the store keeps (no user, no
//! session, no address, the day only); these rules never take an identity.

use chrono::NaiveDate;
use rand::Rng;

/// What kind of hidden burden a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Demands sent through WeChat work groups instead of documents.
    WechatGroup,
    /// 白头文件, 便笺 instead of numbered documents.
    InformalDocument,
    /// 上午发下午要: deadlines too short to do the work.
    ShortDeadline,
    /// 留痕: photos and records asked only to prove work was done.
    TracePhotos,
    /// The same data asked again.
    RepeatedData,
    /// Clock-ins, app quotas, likes and rankings.
    ClockIn,
    /// An inspection or assessment that was never admitted.
    UnadmittedInspection,
    /// A report, meeting or other demand without a 准入编号.
    UnadmittedDemand,
    Other,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::WechatGroup,
        Category::InformalDocument,
        Category::ShortDeadline,
        Category::TracePhotos,
        Category::RepeatedData,
        Category::ClockIn,
        Category::UnadmittedInspection,
        Category::UnadmittedDemand,
        Category::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::WechatGroup => "wechat_group",
            Category::InformalDocument => "informal_document",
            Category::ShortDeadline => "short_deadline",
            Category::TracePhotos => "trace_photos",
            Category::RepeatedData => "repeated_data",
            Category::ClockIn => "clock_in",
            Category::UnadmittedInspection => "unadmitted_inspection",
            Category::UnadmittedDemand => "unadmitted_demand",
            Category::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Category::WechatGroup => "工作群里布置任务",
            Category::InformalDocument => "白头文件、便笺代替公文",
            Category::ShortDeadline => "上午发下午要",
            Category::TracePhotos => "过度留痕、拍照",
            Category::RepeatedData => "重复要数据",
            Category::ClockIn => "打卡、APP 指标",
            Category::UnadmittedInspection => "未经准入的检查考核",
            Category::UnadmittedDemand => "未经准入的报表、会议等",
            Category::Other => "其他",
        }
    }

    /// Whether the demand skipped the gate: these count as unadmitted
    /// demands in the rebound rules; the others as hidden burden.
    pub fn is_unadmitted(self) -> bool {
        matches!(
            self,
            Category::UnadmittedInspection | Category::UnadmittedDemand
        )
    }
}

/// Where a report is in its loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Filed, waiting for the office's triage.
    Received,
    /// Accepted: on the ledger; to be assigned or closed.
    Accepted,
    /// Merged into an earlier report of the same thing.
    Merged,
    /// Declined, with a reason the reporter reads.
    Declined,
    /// 整治: with the department concerned, until a deadline.
    Assigned,
    /// 反馈: the department said what it found and changed.
    Answered,
    /// 优化: verified and closed by the office.
    Closed,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Received,
        Status::Accepted,
        Status::Assigned,
        Status::Answered,
        Status::Closed,
        Status::Merged,
        Status::Declined,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Accepted => "accepted",
            Status::Merged => "merged",
            Status::Declined => "declined",
            Status::Assigned => "assigned",
            Status::Answered => "answered",
            Status::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Received => "待分拣",
            Status::Accepted => "已受理",
            Status::Merged => "已合并",
            Status::Declined => "不予受理",
            Status::Assigned => "已交办",
            Status::Answered => "部门已答复",
            Status::Closed => "已办结",
        }
    }

    /// An accepted report is burden that reached someone: it counts on the
    /// ledger from acceptance on, whatever happens to it afterwards.
    pub fn counts_on_ledger(self) -> bool {
        matches!(
            self,
            Status::Accepted | Status::Assigned | Status::Answered | Status::Closed
        )
    }

    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Received | Status::Accepted | Status::Assigned | Status::Answered
        )
    }
}

/// What the department changed, in its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Withdrew the demand.
    Withdrew,
    /// Put the demand through 准入 properly.
    Admitted,
    /// Merged it into an existing demand or 一表通.
    Merged,
    /// Found the report did not hold, and explained why.
    Explained,
}

impl Change {
    pub const ALL: [Change; 4] = [
        Change::Withdrew,
        Change::Admitted,
        Change::Merged,
        Change::Explained,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Change::Withdrew => "withdrew",
            Change::Admitted => "admitted",
            Change::Merged => "merged",
            Change::Explained => "explained",
        }
    }

    pub fn from_code(code: &str) -> Option<Change> {
        Change::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Change::Withdrew => "已撤回该要求",
            Change::Admitted => "已补办准入",
            Change::Merged => "已并入已有事项或一表通",
            Change::Explained => "经核实情况不符，已说明",
        }
    }
}

/// How much of the reporter's place the department concerned may see.
/// The office decides (the custodian step); the default is nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Disclosure {
    None,
    Township,
}

impl Disclosure {
    pub fn code(self) -> &'static str {
        match self {
            Disclosure::None => "none",
            Disclosure::Township => "township",
        }
    }

    pub fn from_code(code: &str) -> Option<Disclosure> {
        match code {
            "none" => Some(Disclosure::None),
            "township" => Some(Disclosure::Township),
            _ => None,
        }
    }
}

/// A step the office or the department takes, by the state it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Accept,
    Merge,
    Decline,
    Assign,
    Answer,
    Close,
    /// The reporter reopens a closed report, once.
    Reopen,
}

impl Step {
    /// The states this step may be taken from, and the state it leads to.
    pub fn transition(self) -> (&'static [Status], Status) {
        match self {
            Step::Accept => (&[Status::Received], Status::Accepted),
            Step::Merge => (&[Status::Received, Status::Accepted], Status::Merged),
            Step::Decline => (&[Status::Received], Status::Declined),
            // A reassignment after a wrong department is a new assignment.
            Step::Assign => (
                &[Status::Accepted, Status::Assigned, Status::Answered],
                Status::Assigned,
            ),
            Step::Answer => (&[Status::Assigned], Status::Answered),
            // The office may close without a department (it acted itself).
            Step::Close => (&[Status::Accepted, Status::Answered], Status::Closed),
            Step::Reopen => (&[Status::Closed], Status::Accepted),
        }
    }

    /// The state after this step from `from`, or None where it may not be
    /// taken.
    pub fn next(self, from: Status) -> Option<Status> {
        let (allowed, to) = self.transition();
        allowed.contains(&from).then_some(to)
    }
}

/// Whether an assigned report is past its deadline today.
pub fn is_overdue(status: Status, due: Option<NaiveDate>, today: NaiveDate) -> bool {
    status == Status::Assigned && due.is_some_and(|d| d < today)
}

/// Digits in a receipt code: 10^16 codes, as GlobaLeaks, so guessing one
/// takes longer than any report lives even without the rate limit.
pub const RECEIPT_DIGITS: usize = 16;

/// A new receipt code, 16 random digits.
pub fn new_receipt<R: Rng>(rng: &mut R) -> String {
    (0..RECEIPT_DIGITS)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

/// The code as typed (spaces, dashes, full-width digits) in its 16 digits,
/// or None if it cannot be a receipt code.
pub fn normalize_receipt(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(RECEIPT_DIGITS);
    for c in typed.chars() {
        match c {
            '0'..='9' => out.push(c),
            '０'..='９' => out.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            ' ' | '-' | '\u{3000}' | '\t' => {}
            _ => return None,
        }
        if out.len() > RECEIPT_DIGITS {
            return None;
        }
    }
    (out.len() == RECEIPT_DIGITS).then_some(out)
}

/// The code in groups of four, the way it is shown and read aloud.
pub fn format_receipt(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a reporter files, before any identity is attached to it (none is).
#[derive(Debug, Clone)]
pub struct Filing {
    pub category: String,
    pub department: String,
    pub happened_on: String,
    pub demand: String,
    pub minutes: i64,
    pub admission_number: String,
}

/// A filing that passed the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedFiling {
    pub category: Category,
    pub department: String,
    pub happened_on: NaiveDate,
    pub demand: String,
    pub minutes: i64,
    pub admission_number: Option<String>,
}

/// Longest time one demand is believed to have taken: a month of work.
pub const MAX_MINUTES: i64 = 60 * 8 * 22;
/// How far back a report may go: older burden is no longer actionable.
pub const MAX_AGE_DAYS: i64 = 366;

/// Checks a filing against today; the message names the field.
pub fn check_filing(f: &Filing, today: NaiveDate) -> Result<CheckedFiling, String> {
    let category = Category::from_code(f.category.trim())
        .ok_or_else(|| format!("“问题类别”无效：{}", clip(&f.category, 30)))?;
    let department = f.department.trim();
    if crate::text::is_blank(department) {
        return Err("请填写“涉及的部门或单位”".into());
    }
    if department.chars().count() > 100 {
        return Err("“涉及的部门或单位”不能超过 100 字".into());
    }
    let happened_on =
        NaiveDate::parse_from_str(f.happened_on.trim(), "%Y-%m-%d").map_err(|_| {
            format!(
                "“发生日期”应为 年-月-日，而不是“{}”",
                clip(&f.happened_on, 20)
            )
        })?;
    if happened_on > today {
        return Err(format!("“发生日期”{happened_on} 晚于今天"));
    }
    if (today - happened_on).num_days() > MAX_AGE_DAYS {
        return Err(format!(
            "“发生日期”{happened_on} 已超过一年；请反映一年内的事项"
        ));
    }
    let demand = f.demand.trim();
    if crate::text::is_blank(demand) {
        return Err("请填写“要求了什么”".into());
    }
    if demand.chars().count() > 4000 {
        return Err("“要求了什么”不能超过 4000 字".into());
    }
    if f.minutes < 0 || f.minutes > MAX_MINUTES {
        return Err(format!(
            "“用时（分钟）”应在 0 到 {MAX_MINUTES} 之间，而不是 {}",
            f.minutes
        ));
    }
    let number = f.admission_number.trim();
    if number.chars().count() > 40 {
        return Err("“准入编号”不能超过 40 个字符".into());
    }
    Ok(CheckedFiling {
        category,
        department: department.to_string(),
        happened_on,
        demand: demand.to_string(),
        minutes: f.minutes,
        admission_number: (!number.is_empty()).then(|| number.to_string()),
    })
}

/// The file extension an evidence file is downloaded with, by the content
/// type it was stored as (never by the name it was uploaded with).
pub fn extension_of(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        "application/msword" => "doc",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.ms-powerpoint" => "ppt",
        _ => "bin",
    }
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn filing() -> Filing {
        Filing {
            category: "wechat_group".into(),
            department: "区卫健委".into(),
            happened_on: "2026-11-20".into(),
            demand: "工作群里要求当天下午报送辖区 65 岁以上老人名单".into(),
            minutes: 120,
            admission_number: String::new(),
        }
    }

    #[test]
    fn receipt_codes_are_sixteen_digits_and_read_back_as_typed() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let a = new_receipt(&mut rng);
        let b = new_receipt(&mut rng);
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|c| c.is_ascii_digit()));
        assert_ne!(a, b);
        let shown = format_receipt(&a);
        assert_eq!(shown.len(), 19);
        assert_eq!(normalize_receipt(&shown).as_deref(), Some(a.as_str()));
        assert_eq!(
            normalize_receipt("１２３４-5678 9012　3456").as_deref(),
            Some("1234567890123456")
        );
        assert_eq!(normalize_receipt("123456789012345"), None);
        assert_eq!(normalize_receipt("12345678901234567"), None);
        assert_eq!(normalize_receipt("1234abcd90123456"), None);
        assert_eq!(normalize_receipt(""), None);
    }

    #[test]
    fn the_loop_moves_only_forward_from_the_state_it_needs() {
        assert_eq!(Step::Accept.next(Status::Received), Some(Status::Accepted));
        assert_eq!(Step::Accept.next(Status::Accepted), None);
        assert_eq!(Step::Decline.next(Status::Accepted), None);
        assert_eq!(Step::Assign.next(Status::Received), None, "triage first");
        assert_eq!(Step::Answer.next(Status::Accepted), None);
        assert_eq!(Step::Close.next(Status::Assigned), None, "answer first");
        assert_eq!(Step::Close.next(Status::Answered), Some(Status::Closed));
        assert_eq!(Step::Reopen.next(Status::Closed), Some(Status::Accepted));
        assert_eq!(Step::Reopen.next(Status::Declined), None);
        assert!(Status::Closed.counts_on_ledger());
        assert!(!Status::Received.counts_on_ledger());
        assert!(!Status::Declined.counts_on_ledger());
        assert!(!Status::Merged.counts_on_ledger());
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
        }
    }

    #[test]
    fn overdue_only_while_with_the_department() {
        let today = day("2026-12-03");
        assert!(is_overdue(Status::Assigned, Some(day("2026-12-02")), today));
        assert!(!is_overdue(Status::Assigned, Some(today), today));
        assert!(!is_overdue(
            Status::Answered,
            Some(day("2026-12-01")),
            today
        ));
        assert!(!is_overdue(Status::Assigned, None, today));
    }

    #[test]
    fn the_default_deadline_counts_working_days_across_a_holiday() {
        // Ten working days from Monday 28 September 2026: 国庆 and 中秋
        // (1–7 October) are off, Saturday 10 October is worked.
        let c = crate::calendar::WorkCalendar::official();
        assert_eq!(c.add_working_days(day("2026-09-28"), 10), day("2026-10-16"));
        // The same ten working days in an ordinary fortnight.
        assert_eq!(c.add_working_days(day("2026-11-02"), 10), day("2026-11-16"));
    }

    #[test]
    fn a_filing_is_checked_field_by_field() {
        let today = day("2026-12-03");
        let ok = check_filing(&filing(), today).unwrap();
        assert_eq!(ok.category, Category::WechatGroup);
        assert_eq!(ok.admission_number, None);

        let mut f = filing();
        f.category = "nonsense".into();
        assert!(check_filing(&f, today).unwrap_err().contains("问题类别"));
        let mut f = filing();
        f.department = " \u{200B} ".into();
        assert!(check_filing(&f, today).unwrap_err().contains("部门"));
        let mut f = filing();
        f.happened_on = "2026-12-04".into();
        assert!(check_filing(&f, today).unwrap_err().contains("晚于今天"));
        f.happened_on = "2025-11-01".into();
        assert!(check_filing(&f, today).unwrap_err().contains("一年"));
        f.happened_on = "11/20".into();
        assert!(check_filing(&f, today).unwrap_err().contains("发生日期"));
        let mut f = filing();
        f.minutes = -5;
        assert!(check_filing(&f, today).unwrap_err().contains("用时"));
        f.minutes = MAX_MINUTES + 1;
        assert!(check_filing(&f, today).is_err());
        let mut f = filing();
        f.demand = "字".repeat(4001);
        assert!(check_filing(&f, today).unwrap_err().contains("4000"));
    }
}
