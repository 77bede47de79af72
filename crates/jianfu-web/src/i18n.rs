//! UI strings. Simplified Chinese is the default; English is available.
//! Each catalog has the same keys; a unit test keeps them in step.

use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_tag(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-Hans" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }
}

const ZH: &[(&str, &str)] = &[
    ("app_name", "减负"),
    ("app_tagline", "基层减负一表通平台"),
    ("login_title", "登录"),
    ("username", "用户名"),
    ("password", "密码"),
    ("login_button", "登录"),
    ("logout", "退出登录"),
    ("nav_home", "首页"),
    ("nav_org", "组织机构"),
    ("nav_users", "账号管理"),
    ("nav_audit", "审计日志"),
    ("switch_lang", "English"),
    ("role", "角色"),
    ("unit", "单位"),
    ("scope", "管辖范围"),
    ("kind", "类型"),
    ("code", "代码"),
    ("name", "名称"),
    ("search", "搜索"),
    ("search_org_placeholder", "按名称或区划代码搜索"),
    ("no_results", "没有找到匹配的单位。"),
    ("children", "下级单位"),
    ("no_children", "没有下级单位。"),
    ("households", "户数"),
    ("persons", "居民人数"),
    ("communities", "村社区"),
    ("townships", "街镇"),
    ("grids", "网格"),
    ("departments", "部门"),
    ("users", "账号"),
    ("display_name", "姓名"),
    ("status", "状态"),
    ("active", "正常"),
    ("disabled", "已停用"),
    ("locked", "锁定中"),
    ("actions", "操作"),
    ("disable", "停用"),
    ("enable", "启用"),
    ("reset_password", "重置密码"),
    ("new_password", "新密码"),
    ("create_user", "新建账号"),
    ("unit_code_or_name", "所属单位（区划代码或名称）"),
    ("create", "创建"),
    ("audit_time", "时间"),
    ("audit_user", "用户"),
    ("audit_action", "操作"),
    ("audit_target", "对象"),
    ("audit_outcome", "结果"),
    ("audit_detail", "说明"),
    ("audit_ip", "来源地址"),
    ("filter", "筛选"),
    ("from_date", "起始日期"),
    ("to_date", "截止日期"),
    ("all", "全部"),
    ("total", "共"),
    ("entries", "条"),
    ("prev_page", "上一页"),
    ("next_page", "下一页"),
    ("audit_empty", "没有符合条件的审计记录。登录、修改、导出和查看敏感个人信息都会记录在这里。"),
    ("audit_readonly", "审计日志只能追加，任何人都不能修改或删除。"),
    ("welcome", "您好"),
    ("next_steps", "接下来要做的事"),
    ("home_reports_title", "待填报的报表"),
    ("home_reports_empty", "目前没有需要填报的报表。部门发布经过准入审核的报表后，会出现在这里；台账中已有的数据会自动预填，您只需补充缺少的内容。"),
    ("home_register_title", "本单位基础台账"),
    ("home_register_hint", "居民、户的基础信息只采集一次，各部门的报表都从这里生成。"),
    ("home_direct_title", "隐性负担直报"),
    ("home_direct_empty", "发现未经准入的报表、微信群里要数据、“上午发下午要”等情况，可以在这里匿名直报。直报功能上线后，您提交的线索会显示在这里。"),
    ("home_grid_hint", "入户走访时更新本网格居民的信息。"),
    ("home_township_title", "辖区村社区"),
    ("home_township_empty", "各村社区的报表提交情况将在这里汇总。"),
    ("home_dept_reports_title", "我的报表"),
    ("home_dept_reports_empty", "还没有报表。设计报表并通过减负办准入审核后，报表会出现在这里，并可下发到村社区。"),
    ("home_dept_admission_title", "准入申请"),
    ("home_dept_admission_empty", "还没有准入申请。任何要下发到村社区的报表、会议、检查都需先申请准入。"),
    ("home_jfb_review_title", "待审核的准入申请"),
    ("home_jfb_review_empty", "没有待审核的准入申请。部门提交申请后会出现在这里，附带负担测算。"),
    ("home_jfb_direct_title", "直报线索"),
    ("home_jfb_direct_empty", "没有待处理的直报线索。村社区匿名直报的隐性负担会出现在这里。"),
    ("home_district_title", "全区概况"),
    ("home_admin_title", "系统管理"),
    ("home_admin_hint", "管理账号、组织机构和备份。备份命令：jianfu backup"),
    ("view_audit", "查看审计日志"),
    ("manage_users", "管理账号"),
    ("browse_org", "浏览组织机构"),
    ("error_title", "出错了"),
    ("back_home", "返回首页"),
    ("forbidden", "无权访问：该单位不在您的管辖范围内。此次访问已记录。"),
    ("not_found", "页面不存在。"),
    ("masked_note", "身份证号、手机号默认脱敏显示。"),
    ("notice_user_created", "账号已创建。"),
    ("notice_password_reset", "密码已重置，该账号需重新登录。"),
];

const EN: &[(&str, &str)] = &[
    ("app_name", "jianfu"),
    ("app_tagline", "Grassroots burden-reduction platform"),
    ("login_title", "Sign in"),
    ("username", "User name"),
    ("password", "Password"),
    ("login_button", "Sign in"),
    ("logout", "Sign out"),
    ("nav_home", "Home"),
    ("nav_org", "Organisation"),
    ("nav_users", "Accounts"),
    ("nav_audit", "Audit log"),
    ("switch_lang", "中文"),
    ("role", "Role"),
    ("unit", "Unit"),
    ("scope", "Scope"),
    ("kind", "Kind"),
    ("code", "Code"),
    ("name", "Name"),
    ("search", "Search"),
    ("search_org_placeholder", "Search by name or division code"),
    ("no_results", "No matching units."),
    ("children", "Sub-units"),
    ("no_children", "No sub-units."),
    ("households", "Households"),
    ("persons", "Residents"),
    ("communities", "Communities"),
    ("townships", "Streets/towns"),
    ("grids", "Grids"),
    ("departments", "Departments"),
    ("users", "Accounts"),
    ("display_name", "Name"),
    ("status", "Status"),
    ("active", "Active"),
    ("disabled", "Disabled"),
    ("locked", "Locked"),
    ("actions", "Actions"),
    ("disable", "Disable"),
    ("enable", "Enable"),
    ("reset_password", "Reset password"),
    ("new_password", "New password"),
    ("create_user", "New account"),
    ("unit_code_or_name", "Unit (division code or name)"),
    ("create", "Create"),
    ("audit_time", "Time"),
    ("audit_user", "User"),
    ("audit_action", "Action"),
    ("audit_target", "Target"),
    ("audit_outcome", "Outcome"),
    ("audit_detail", "Detail"),
    ("audit_ip", "Address"),
    ("filter", "Filter"),
    ("from_date", "From"),
    ("to_date", "To"),
    ("all", "All"),
    ("total", "Total"),
    ("entries", "entries"),
    ("prev_page", "Previous"),
    ("next_page", "Next"),
    ("audit_empty", "No matching entries. Sign-ins, changes, exports and reveals of personal data are recorded here."),
    ("audit_readonly", "The audit log is append-only: nobody can edit or delete it."),
    ("welcome", "Hello"),
    ("next_steps", "What to do next"),
    ("home_reports_title", "Reports to fill"),
    ("home_reports_empty", "No reports are due. When a department publishes an admitted report it appears here, prefilled from your register; you fill only what is missing."),
    ("home_register_title", "Base register"),
    ("home_register_hint", "Residents' and households' facts are collected once; every department's report is generated from here."),
    ("home_direct_title", "Direct reports of hidden burden"),
    ("home_direct_empty", "Unadmitted forms, data requests in chat groups, same-day deadlines: report them here anonymously. Once direct reporting is live, your reports will be listed here."),
    ("home_grid_hint", "Update residents' facts in your grid during home visits."),
    ("home_township_title", "Communities"),
    ("home_township_empty", "Submission status of your communities' reports will be summarised here."),
    ("home_dept_reports_title", "My reports"),
    ("home_dept_reports_empty", "No reports yet. Design a report and have it admitted by the burden-reduction office; it then appears here and can be sent to communities."),
    ("home_dept_admission_title", "Admission requests"),
    ("home_dept_admission_empty", "No admission requests yet. Every report, meeting or inspection aimed at communities must be admitted first."),
    ("home_jfb_review_title", "Admission requests to review"),
    ("home_jfb_review_empty", "Nothing to review. Departments' requests appear here with their burden estimate."),
    ("home_jfb_direct_title", "Direct reports"),
    ("home_jfb_direct_empty", "No open direct reports. Hidden burden reported anonymously by communities appears here."),
    ("home_district_title", "District overview"),
    ("home_admin_title", "Administration"),
    ("home_admin_hint", "Manage accounts, the org tree and backups. Backup command: jianfu backup"),
    ("view_audit", "View audit log"),
    ("manage_users", "Manage accounts"),
    ("browse_org", "Browse organisation"),
    ("error_title", "Something went wrong"),
    ("back_home", "Back to home"),
    ("forbidden", "Access denied: this unit is outside your scope. The attempt has been recorded."),
    ("not_found", "Page not found."),
    ("masked_note", "ID and phone numbers are masked by default."),
    ("notice_user_created", "Account created."),
    ("notice_password_reset", "Password reset; the account must sign in again."),
];

pub type Catalog = BTreeMap<&'static str, &'static str>;

pub fn catalog(lang: Lang) -> &'static Catalog {
    static ZH_MAP: OnceLock<Catalog> = OnceLock::new();
    static EN_MAP: OnceLock<Catalog> = OnceLock::new();
    match lang {
        Lang::Zh => ZH_MAP.get_or_init(|| ZH.iter().copied().collect()),
        Lang::En => EN_MAP.get_or_init(|| EN.iter().copied().collect()),
    }
}

pub fn t(lang: Lang, key: &str) -> &'static str {
    catalog(lang).get(key).copied().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_have_the_same_keys() {
        let zh: Vec<_> = catalog(Lang::Zh).keys().collect();
        let en: Vec<_> = catalog(Lang::En).keys().collect();
        assert_eq!(zh, en);
        assert_eq!(ZH.len(), zh.len(), "duplicate key in ZH");
        assert_eq!(EN.len(), en.len(), "duplicate key in EN");
    }
}
