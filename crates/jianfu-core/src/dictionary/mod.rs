//! The data-element dictionary (指标库): every fact jianfu keeps has one
//! element here, with its type, code table, sensitivity and the aliases real
//! forms use. The standard library ships as CSV in `data/dictionary/`.

mod labels;
pub(crate) mod rules;
mod values;
pub(crate) use rules::{compiled_pattern, parse_cel, root_context};

pub use labels::{expand_short_label, normalize_label, pinyin_initials};
pub use rules::{Rule, RuleError};
pub use values::{parse_value, Value, ValueError};

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    Person,
    Household,
    House,
    Organization,
}

impl EntityType {
    pub fn code(self) -> &'static str {
        match self {
            EntityType::Person => "person",
            EntityType::Household => "household",
            EntityType::House => "house",
            EntityType::Organization => "organization",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [
            EntityType::Person,
            EntityType::Household,
            EntityType::House,
            EntityType::Organization,
        ]
        .into_iter()
        .find(|e| e.code() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            EntityType::Person => "人",
            EntityType::Household => "户",
            EntityType::House => "房屋",
            EntityType::Organization => "组织",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Text,
    Integer,
    Decimal,
    Date,
    Boolean,
    Code,
    IdNumber,
    Phone,
    OrgUnit,
}

impl ValueType {
    pub fn code(self) -> &'static str {
        match self {
            ValueType::Text => "text",
            ValueType::Integer => "integer",
            ValueType::Decimal => "decimal",
            ValueType::Date => "date",
            ValueType::Boolean => "boolean",
            ValueType::Code => "code",
            ValueType::IdNumber => "id_number",
            ValueType::Phone => "phone",
            ValueType::OrgUnit => "org_unit",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        use ValueType::*;
        [
            Text, Integer, Decimal, Date, Boolean, Code, IdNumber, Phone, OrgUnit,
        ]
        .into_iter()
        .find(|v| v.code() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ValueType::Text => "文本",
            ValueType::Integer => "整数",
            ValueType::Decimal => "数值",
            ValueType::Date => "日期",
            ValueType::Boolean => "是/否",
            ValueType::Code => "代码",
            ValueType::IdNumber => "身份证号",
            ValueType::Phone => "电话",
            ValueType::OrgUnit => "单位",
        }
    }
}

/// PIPL sensitivity (个人信息保护法).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    Public,
    Internal,
    Personal,
    SensitivePersonal,
}

impl Sensitivity {
    pub fn label_zh(self) -> &'static str {
        match self {
            Sensitivity::Public => "公开",
            Sensitivity::Internal => "内部",
            Sensitivity::Personal => "个人信息",
            Sensitivity::SensitivePersonal => "敏感个人信息",
        }
    }
    pub fn from_label(s: &str) -> Option<Self> {
        use Sensitivity::*;
        [Public, Internal, Personal, SensitivePersonal]
            .into_iter()
            .find(|x| x.label_zh() == s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Element {
    /// Stable ASCII code, e.g. `person.id_number`.
    pub code: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub entity: EntityType,
    pub value_type: ValueType,
    pub code_table: Option<String>,
    pub unit: Option<String>,
    pub sensitivity: Sensitivity,
    pub theme: String,
    pub steward: Option<String>,
    /// A CEL expression over `value` that must be true.
    pub rule: Option<String>,
    pub description: Option<String>,
    /// For a yes/no element, the coded element it is the flag form of
    /// (是否残疾 → 残疾类别): forms ask one fact either way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag_of: Option<String>,
}

impl Element {
    /// The value as shown by default when this element masks it (ID and
    /// phone numbers, digits in personal text): `crate::mask::by_element`,
    /// the one rule every view, export and log follows.
    pub fn masked(&self, v: &str) -> Option<String> {
        crate::mask::by_element(self.value_type, self.sensitivity, v)
    }

    /// Whether some value of this element could be masked: the columns a
    /// full export must reveal.
    pub fn may_mask(&self) -> bool {
        matches!(self.value_type, ValueType::IdNumber | ValueType::Phone)
            || matches!(
                self.sensitivity,
                Sensitivity::Personal | Sensitivity::SensitivePersonal
            )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeTable {
    pub code: String,
    pub standard: String,
    /// (code, label) in the standard's order.
    pub values: Vec<(String, String)>,
}

impl CodeTable {
    pub fn label(&self, code: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, l)| l.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DictionaryError {
    #[error("{file} 第{line}行：{reason}")]
    Row {
        file: String,
        line: usize,
        reason: String,
    },
}

/// The dictionary: elements, code tables and a label index.
#[derive(Clone, Default)]
pub struct Dictionary {
    elements: Vec<Element>,
    tables: BTreeMap<String, CodeTable>,
    by_code: HashMap<String, usize>,
    by_label: HashMap<String, usize>,
    /// Compiled rules by element code: compiling CEL costs far more than
    /// evaluating it, and an import checks millions of cells.
    rules: HashMap<String, std::sync::Arc<Rule>>,
}

pub const BUILTIN_ELEMENTS: &str = include_str!("../../../../data/dictionary/elements.csv");
pub const BUILTIN_CODE_TABLES: &str = include_str!("../../../../data/dictionary/code_tables.csv");

fn row_err(file: &str, line: usize, reason: impl Into<String>) -> DictionaryError {
    DictionaryError::Row {
        file: file.into(),
        line,
        reason: reason.into(),
    }
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dictionary")
            .field("elements", &self.elements.len())
            .field("tables", &self.tables.len())
            .finish()
    }
}

impl Dictionary {
    /// The shipped code tables with no elements, to add elements to.
    pub fn builtin_tables() -> Result<Dictionary, DictionaryError> {
        Self::parse("code,name,aliases,entity,type,code_table,unit,sensitivity,theme,steward,rule,description,flag_of\n", BUILTIN_CODE_TABLES)
    }

    /// The standard library shipped with jianfu.
    pub fn builtin() -> Result<Dictionary, DictionaryError> {
        Self::parse(BUILTIN_ELEMENTS, BUILTIN_CODE_TABLES)
    }

    /// Parses the two CSV files, checking every reference and that no label
    /// or alias names two elements.
    pub fn parse(elements_csv: &str, tables_csv: &str) -> Result<Dictionary, DictionaryError> {
        let mut d = Dictionary::default();
        let mut r = csv::Reader::from_reader(tables_csv.as_bytes());
        for (i, rec) in r.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| row_err("code_tables.csv", line, e.to_string()))?;
            let (Some(table), Some(code), Some(label), Some(standard)) =
                (rec.get(0), rec.get(1), rec.get(2), rec.get(3))
            else {
                return Err(row_err(
                    "code_tables.csv",
                    line,
                    "应有 table,code,label,standard 四列",
                ));
            };
            let t = d
                .tables
                .entry(table.to_string())
                .or_insert_with(|| CodeTable {
                    code: table.to_string(),
                    standard: standard.to_string(),
                    values: Vec::new(),
                });
            if t.values.iter().any(|(c, _)| c == code) {
                return Err(row_err(
                    "code_tables.csv",
                    line,
                    format!("代码表 {table} 中代码 {code} 重复"),
                ));
            }
            t.values.push((code.to_string(), label.to_string()));
        }
        let mut r = csv::Reader::from_reader(elements_csv.as_bytes());
        for (i, rec) in r.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| row_err("elements.csv", line, e.to_string()))?;
            let f = |n: usize| rec.get(n).unwrap_or("").trim().to_string();
            let opt = |n: usize| Some(f(n)).filter(|s| !s.is_empty());
            let code = f(0);
            if code.is_empty()
                || !code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
            {
                return Err(row_err(
                    "elements.csv",
                    line,
                    format!("元素代码“{code}”须为小写 ASCII"),
                ));
            }
            let entity = EntityType::from_code(&f(3))
                .ok_or_else(|| row_err("elements.csv", line, format!("未知实体类型“{}”", f(3))))?;
            let value_type = ValueType::from_code(&f(4))
                .ok_or_else(|| row_err("elements.csv", line, format!("未知值类型“{}”", f(4))))?;
            let code_table = opt(5);
            if let Some(t) = &code_table {
                if !d.tables.contains_key(t) {
                    return Err(row_err("elements.csv", line, format!("代码表“{t}”不存在")));
                }
            } else if value_type == ValueType::Code {
                return Err(row_err(
                    "elements.csv",
                    line,
                    "代码类型的元素必须指定代码表",
                ));
            }
            let sensitivity = Sensitivity::from_label(&f(7))
                .ok_or_else(|| row_err("elements.csv", line, format!("未知敏感级别“{}”", f(7))))?;
            let rule = opt(10);
            if let Some(src) = &rule {
                Rule::compile(src).map_err(|e| row_err("elements.csv", line, e.to_string()))?;
            }
            let element = Element {
                code: code.clone(),
                name: f(1),
                aliases: f(2)
                    .split('|')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                entity,
                value_type,
                code_table,
                unit: opt(6),
                sensitivity,
                theme: f(8),
                steward: opt(9),
                rule,
                description: opt(11),
                flag_of: opt(12),
            };
            d.insert(element)
                .map_err(|reason| row_err("elements.csv", line, reason))?;
        }
        for e in &d.elements {
            if let Some(f) = &e.flag_of {
                let ok = e.value_type == ValueType::Boolean
                    && d.element(f)
                        .is_some_and(|t| t.value_type != ValueType::Boolean);
                if !ok {
                    return Err(row_err(
                        "elements.csv",
                        0,
                        format!(
                            "{} 的 flag_of“{f}”应指向一个非是/否的元素，且自身为是/否",
                            e.code
                        ),
                    ));
                }
            }
        }
        Ok(d)
    }

    /// Adds an element, refusing a duplicate code or a label that already
    /// names another element.
    /// The element a column of `code` asks for as one fact: the coded
    /// element for a yes/no flag of it, else `code` itself.
    pub fn fact_of<'a>(&'a self, code: &'a str) -> &'a str {
        self.element(code)
            .and_then(|e| e.flag_of.as_deref())
            .unwrap_or(code)
    }

    pub fn insert(&mut self, e: Element) -> Result<(), String> {
        if e.code.starts_with(crate::forms::proposals::PROPOSED_PREFIX) {
            return Err(format!(
                "元素代码“{}”以“{}”开头：这个前缀留给批量分析提出、尚未收录的数据项",
                e.code,
                crate::forms::proposals::PROPOSED_PREFIX
            ));
        }
        if self.by_code.contains_key(&e.code) {
            return Err(format!("元素代码“{}”重复", e.code));
        }
        let idx = self.elements.len();
        let mut labels = vec![e.name.clone()];
        labels.extend(e.aliases.iter().cloned());
        for l in &labels {
            let key = normalize_label(l);
            if let Some(&other) = self.by_label.get(&key) {
                if other != idx {
                    return Err(format!(
                        "名称或别名“{l}”已属于元素 {}",
                        self.elements[other].code
                    ));
                }
            }
        }
        if let Some(src) = &e.rule {
            let rule = Rule::compile(src).map_err(|err| err.to_string())?;
            self.rules.insert(e.code.clone(), std::sync::Arc::new(rule));
        }
        for l in labels {
            self.by_label.insert(normalize_label(&l), idx);
        }
        self.by_code.insert(e.code.clone(), idx);
        self.elements.push(e);
        Ok(())
    }

    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    pub fn element(&self, code: &str) -> Option<&Element> {
        self.by_code.get(code).map(|&i| &self.elements[i])
    }

    pub fn table(&self, code: &str) -> Option<&CodeTable> {
        self.tables.get(code)
    }

    pub fn tables(&self) -> impl Iterator<Item = &CodeTable> {
        self.tables.values()
    }

    /// The element a column label names exactly (after normalisation) by its
    /// name or one of its aliases.
    pub fn by_label(&self, label: &str) -> Option<&Element> {
        self.by_label
            .get(&normalize_label(label))
            .map(|&i| &self.elements[i])
    }

    /// Elements whose name, alias, code or pinyin initials contain `q`.
    pub fn search(&self, q: &str) -> Vec<&Element> {
        let q = q.trim();
        if q.is_empty() {
            return self.elements.iter().collect();
        }
        let lower = q.to_ascii_lowercase();
        let norm = normalize_label(q);
        self.elements
            .iter()
            .filter(|e| {
                e.code.contains(&lower)
                    || normalize_label(&e.name).contains(&norm)
                    || e.aliases.iter().any(|a| normalize_label(a).contains(&norm))
                    || (lower.chars().all(|c| c.is_ascii_alphabetic())
                        && (pinyin_initials(&e.name).starts_with(&lower)
                            || e.aliases
                                .iter()
                                .any(|a| pinyin_initials(a).starts_with(&lower))))
            })
            .collect()
    }

    /// The human form of a stored value: the code's label, 是/否, the
    /// number with its unit.
    pub fn display_value(&self, element: &str, v: &str) -> String {
        let Some(el) = self.element(element) else {
            return v.to_string();
        };
        match el.value_type {
            ValueType::Code => el
                .code_table
                .as_deref()
                .and_then(|t| self.table(t))
                .and_then(|t| t.label(v))
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string()),
            ValueType::Boolean => if v == "1" { "是" } else { "否" }.to_string(),
            _ => match &el.unit {
                Some(u) if matches!(el.value_type, ValueType::Integer | ValueType::Decimal) => {
                    format!("{v}{u}")
                }
                _ => v.to_string(),
            },
        }
    }

    /// Checks and normalises a raw value for an element.
    pub fn check_value(
        &self,
        element: &Element,
        raw: &str,
        today: chrono::NaiveDate,
    ) -> Result<Value, ValueError> {
        if raw.len() > values::MAX_VALUE_CHARS {
            let chars = raw.chars().count();
            if chars > values::MAX_VALUE_CHARS {
                return Err(ValueError::TooLong(chars));
            }
        }
        let table = element.code_table.as_deref().and_then(|t| self.table(t));
        let v = parse_value(
            element.value_type,
            element.unit.as_deref(),
            table,
            raw,
            today,
        )?;
        if let Some(src) = &element.rule {
            let compiled;
            let rule = match self.rules.get(&element.code) {
                Some(r) => r.as_ref(),
                None => {
                    compiled = Rule::compile(src).map_err(|e| ValueError::Rule(e.to_string()))?;
                    &compiled
                }
            };
            if !rule
                .check(&v)
                .map_err(|e| ValueError::Rule(e.to_string()))?
            {
                return Err(ValueError::Rule(format!("不符合校验规则 {src}")));
            }
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Dictionary {
        Dictionary::builtin().expect("the shipped dictionary parses")
    }

    #[test]
    fn a_proposed_code_can_never_be_an_element() {
        let mut d = d();
        let mut e = d.element("person.name").unwrap().clone();
        e.code = "new.zhai_ji_di_mian_ji".into();
        e.name = "宅基地面积".into();
        e.aliases.clear();
        let m = d.insert(e).unwrap_err();
        assert!(m.contains("new."), "{m}");
        assert!(d.elements().iter().all(|e| !e.code.starts_with("new.")));
    }

    #[test]
    fn shipped_library_is_large_and_consistent() {
        let d = d();
        assert!(d.elements().len() >= 150, "{}", d.elements().len());
        let ethnic = d.table("ethnicity").unwrap();
        assert_eq!(
            ethnic
                .values
                .iter()
                .filter(|(c, _)| c.len() == 2 && c.as_str() <= "56")
                .count(),
            56
        );
        assert_eq!(ethnic.label("15"), Some("土家族"));
        for t in [
            "sex",
            "relation",
            "political_status",
            "marital_status",
            "education",
            "disability_category",
            "disability_grade",
        ] {
            assert!(d.table(t).is_some(), "{t}");
        }
        for theme in [
            "identity",
            "contact",
            "address",
            "household",
            "education",
            "marital",
            "employment",
            "income",
            "assistance",
            "disability",
            "health",
            "veterans",
            "party",
            "elderly",
            "children",
            "housing",
            "agriculture",
            "insurance",
        ] {
            assert!(
                d.elements().iter().any(|e| e.theme == theme),
                "theme {theme}"
            );
        }
    }

    #[test]
    fn labels_real_forms_use_resolve() {
        let d = d();
        for (label, code) in [
            ("身份证号", "person.id_number"),
            ("公民身份号码", "person.id_number"),
            ("证件号码", "person.id_number"),
            ("联系电话", "person.phone"),
            ("手机号码", "person.phone"),
            ("联系方式", "person.phone"),
            ("出生年月", "person.birth_date"),
            ("出生日期", "person.birth_date"),
            ("现住址", "person.current_address"),
            ("家庭住址", "person.current_address"),
            ("现居住地", "person.current_address"),
            ("户主姓名", "household.head_name"),
            ("姓 名", "person.name"),
            ("与户主 关系", "person.relation_to_head"),
            ("年收入(元)", "person.annual_income"),
            ("性别", "person.sex"),
        ] {
            assert_eq!(
                d.by_label(label).map(|e| e.code.as_str()),
                Some(code),
                "{label}"
            );
        }
        assert!(d.by_label("序号").is_none());
    }

    #[test]
    fn search_by_name_alias_and_pinyin() {
        let d = d();
        let codes = |q: &str| {
            d.search(q)
                .iter()
                .map(|e| e.code.clone())
                .collect::<Vec<_>>()
        };
        assert!(codes("身份证").contains(&"person.id_number".to_string()));
        assert!(
            codes("sfz").contains(&"person.id_number".to_string()),
            "pinyin of 身份证号"
        );
        assert!(
            codes("dbz").contains(&"household.dibao_cert_number".to_string()),
            "低保证编号"
        );
        assert!(codes("phone").contains(&"person.phone".to_string()));
    }

    #[test]
    fn a_duplicate_alias_is_refused() {
        let els = "code,name,aliases,entity,type,code_table,unit,sensitivity,theme,steward,rule,description\n\
                   a.x,甲,乙,person,text,,,公开,identity,,,\n\
                   a.y,丙,乙,person,text,,,公开,identity,,,\n";
        let err = Dictionary::parse(els, "table,code,label,standard\n").unwrap_err();
        assert!(
            err.to_string().contains("第3行") && err.to_string().contains("乙"),
            "{err}"
        );
    }

    #[test]
    fn values_are_checked_against_type_table_and_rule() {
        let d = d();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let el = |c: &str| d.element(c).unwrap();
        assert_eq!(
            d.check_value(el("person.ethnicity"), "土家族", today)
                .unwrap(),
            Value::Code("15".into())
        );
        assert_eq!(
            d.check_value(el("person.ethnicity"), "15", today).unwrap(),
            Value::Code("15".into())
        );
        assert!(d
            .check_value(el("person.ethnicity"), "火星族", today)
            .unwrap_err()
            .to_string()
            .contains("民族"));
        assert_eq!(
            d.check_value(el("household.dibao"), "是", today).unwrap(),
            Value::Bool(true)
        );
        assert!(matches!(
            d.check_value(el("person.age"), "150", today),
            Err(ValueError::Rule(_))
        ));
        assert_eq!(
            d.check_value(el("person.age"), "43岁", today).unwrap(),
            Value::Int(43)
        );
        assert!(
            d.check_value(el("person.name"), "王", today).is_err(),
            "rule: at least two characters"
        );
    }
}
