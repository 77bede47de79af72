//! Filters and computed cells in CEL, over one entity's facts.
//!
//! An expression names elements by their short code (`elderly_alone`,
//! `disabled`), `age` (whole years on the reference date, from the birth
//! date) and `household.<code>` for the facts of a person's household.
//! Values are typed by the dictionary: booleans are `true`/`false`, numbers
//! are numbers, everything else is a string. A fact the register does not
//! hold is `null`, so `elderly_alone == true` is simply false for it.

use super::native;
use crate::dictionary::{root_context, Dictionary, ValueType};
use cel::Program;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;

/// One entity's current facts, by full element code, in storage form.
pub type Facts = HashMap<String, String>;

/// What an expression sees of one entity.
#[derive(Clone, Copy)]
pub struct Subject<'a> {
    pub facts: &'a Facts,
    /// The household's facts, for a person in one.
    pub household: Option<&'a Facts>,
}

#[derive(Debug, Clone)]
enum Binding {
    Age,
    Household,
    Element { code: String, value_type: ValueType },
}

/// A compiled expression with its variables resolved against the dictionary.
#[derive(Clone)]
pub struct Expr {
    source: String,
    program: Arc<Program>,
    /// The same expression for the direct evaluator, when it has the shape
    /// that one handles (most filters do).
    native: Option<Arc<native::Node>>,
    bindings: Vec<(String, Binding)>,
    household_types: Arc<HashMap<String, ValueType>>,
    /// Its regular expressions, distinct.
    patterns: Vec<String>,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expr")
            .field("source", &self.source)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExprError {
    #[error("表达式“{expr}”语法错误：{reason}")]
    Syntax { expr: String, reason: String },
    #[error("表达式“{expr}”中的“{name}”不是{entity}指标")]
    Unknown {
        expr: String,
        name: String,
        entity: String,
    },
    #[error("表达式“{expr}”无法求值：{reason}")]
    Eval { expr: String, reason: String },
    /// Past a limit, or a comparison that can never hold (`guard`).
    #[error("表达式“{expr}”：{reason}")]
    Refused { expr: String, reason: String },
}

/// The start of a long expression, for messages.
fn excerpt(source: &str) -> String {
    let mut out: String = source.chars().take(60).collect();
    if source.chars().count() > 60 {
        out.push('…');
    }
    out
}

fn cel_value(t: ValueType, v: &str) -> cel::Value {
    match t {
        ValueType::Boolean => cel::Value::Bool(v == "1"),
        ValueType::Integer => v
            .parse::<i64>()
            .map(cel::Value::Int)
            .unwrap_or(cel::Value::Null),
        ValueType::Decimal => v
            .parse::<f64>()
            .map(cel::Value::Float)
            .unwrap_or(cel::Value::Null),
        _ => cel::Value::String(Arc::new(v.to_string())),
    }
}

/// `YYYY-MM-DD` read without a format parser: birth dates are stored in
/// this one form, and a district's filters read a million of them.
fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    }
    NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
}

/// Whole years from `birth` (YYYY-MM-DD) to `on`.
/// Whether `code` stands in `text` as a whole name (not as the start of a
/// longer one).
fn names_in(text: &str, code: &str) -> bool {
    text.match_indices(code).any(|(i, _)| {
        let next = text[i + code.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

pub fn age_on(birth: &str, on: NaiveDate) -> Option<i64> {
    let b = iso_date(birth)?;
    let mut years = i64::from(chrono::Datelike::year(&on) - chrono::Datelike::year(&b));
    if (chrono::Datelike::month(&on), chrono::Datelike::day(&on))
        < (chrono::Datelike::month(&b), chrono::Datelike::day(&b))
    {
        years -= 1;
    }
    Some(years)
}

impl Expr {
    /// Syntax only; [`Expr::new`] also resolves the names.
    pub fn compile(source: &str) -> Result<Program, ExprError> {
        crate::dictionary::parse_cel(source).map_err(|reason| ExprError::Syntax {
            expr: excerpt(source),
            reason,
        })
    }

    /// Compiles `source` for entities of `entity` (`person`, `household`).
    pub fn new(source: &str, dict: &Dictionary, entity: &str) -> Result<Expr, ExprError> {
        let refused = |reason: String| ExprError::Refused {
            expr: excerpt(source),
            reason,
        };
        super::guard::check_text(source).map_err(refused)?;
        let program = Self::compile(source)?;
        let kind_of = |name: &str| {
            if name == "age" && entity == "person" {
                return Some(super::guard::Kind::Number);
            }
            dict.element(&format!("{entity}.{name}"))
                .map(|e| super::guard::Kind::of(e.value_type))
        };
        let household_kind = |field: &str| {
            dict.element(&format!("household.{field}"))
                .map(|e| super::guard::Kind::of(e.value_type))
        };
        let patterns = super::guard::check_ast(program.expression(), &kind_of, &household_kind)
            .map_err(refused)?;
        let mut bindings = Vec::new();
        let mut sources = HashMap::new();
        for name in program.references().variables() {
            let binding = match name {
                "age" if entity == "person" => Binding::Age,
                "household" if entity == "person" => Binding::Household,
                _ => match dict.element(&format!("{entity}.{name}")) {
                    Some(e) => Binding::Element {
                        code: e.code.clone(),
                        value_type: e.value_type,
                    },
                    None => {
                        return Err(ExprError::Unknown {
                            expr: source.to_string(),
                            name: name.to_string(),
                            entity: match entity {
                                "person" => "个人",
                                "household" => "家庭户",
                                other => other,
                            }
                            .to_string(),
                        })
                    }
                },
            };
            match &binding {
                Binding::Age => {
                    sources.insert(name.to_string(), native::Source::Age);
                }
                Binding::Element { code, value_type } => {
                    sources.insert(
                        name.to_string(),
                        native::Source::Element {
                            code: code.clone(),
                            value_type: *value_type,
                        },
                    );
                }
                Binding::Household => {}
            }
            bindings.push((name.to_string(), binding));
        }
        let household_types: HashMap<String, ValueType> = dict
            .elements()
            .iter()
            .filter(|e| e.code.starts_with("household."))
            .map(|e| (e.code.clone(), e.value_type))
            .collect();
        let native =
            native::compile(program.expression(), &sources, &household_types).map(Arc::new);
        Ok(Expr {
            source: source.to_string(),
            native,
            program: Arc::new(program),
            bindings,
            household_types: Arc::new(household_types),
            patterns,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Its regular expressions, distinct.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether the expression reads this household element
    /// (`household.size`). The interpreter reads a household's facts
    /// whole, so this is judged on the text.
    pub fn names_household_element(&self, code: &str) -> bool {
        self.reads_household() && names_in(&self.source, code)
    }

    /// Whether the expression reads the person's household.
    pub fn reads_household(&self) -> bool {
        self.bindings
            .iter()
            .any(|(_, b)| matches!(b, Binding::Household))
    }

    /// The entity's own elements the expression reads (`age` reads the
    /// birth date). A household's facts are read whole, apart.
    pub fn elements(&self) -> impl Iterator<Item = &str> {
        self.bindings.iter().filter_map(|(_, b)| match b {
            Binding::Age => Some("person.birth_date"),
            Binding::Household => None,
            Binding::Element { code, .. } => Some(code.as_str()),
        })
    }

    /// Evaluates the expression for one entity on the reference date.
    pub fn eval(&self, s: Subject<'_>, on: NaiveDate) -> Result<cel::Value, ExprError> {
        match &self.native {
            Some(n) => n
                .eval(s, &|d| age_on(d, on))
                .map(native::Val::into_cel)
                .map_err(|_| ExprError::Eval {
                    expr: self.source.clone(),
                    reason: "值无法比较或不存在".into(),
                }),
            None => self.interpret(s, on),
        }
    }

    /// Evaluation by the CEL interpreter, for any expression.
    fn interpret(&self, s: Subject<'_>, on: NaiveDate) -> Result<cel::Value, ExprError> {
        let mut ctx = root_context().new_inner_scope();
        for (name, b) in &self.bindings {
            let v = match b {
                Binding::Age => s
                    .facts
                    .get("person.birth_date")
                    .and_then(|d| age_on(d, on))
                    .map_or(cel::Value::Null, cel::Value::Int),
                Binding::Household => {
                    let mut map: HashMap<String, cel::Value> = HashMap::new();
                    if let Some(h) = s.household {
                        for (code, v) in h {
                            if let (Some(short), Some(t)) = (
                                code.strip_prefix("household."),
                                self.household_types.get(code),
                            ) {
                                map.insert(short.to_string(), cel_value(*t, v));
                            }
                        }
                    }
                    map.into()
                }
                Binding::Element { code, value_type } => s
                    .facts
                    .get(code)
                    .map_or(cel::Value::Null, |v| cel_value(*value_type, v)),
            };
            ctx.add_variable_from_value(name.clone(), v);
        }
        self.program.execute(&ctx).map_err(|e| ExprError::Eval {
            expr: self.source.clone(),
            reason: e.to_string(),
        })
    }

    /// A filter's verdict. A fact that is missing makes a comparison fail to
    /// evaluate (`null >= 60`); such an entity does not match.
    pub fn matches(&self, s: Subject<'_>, on: NaiveDate) -> bool {
        match &self.native {
            Some(n) => matches!(n.eval(s, &|d| age_on(d, on)), Ok(native::Val::Bool(true))),
            None => matches!(self.interpret(s, on), Ok(cel::Value::Bool(true))),
        }
    }
}

/// A computed value as cell text.
pub fn value_text(v: &cel::Value) -> String {
    match v {
        cel::Value::Int(i) => i.to_string(),
        cel::Value::UInt(u) => u.to_string(),
        cel::Value::Float(f) => {
            let s = format!("{f:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        cel::Value::String(s) => s.to_string(),
        cel::Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        cel::Value::Null => String::new(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn element_names_are_found_whole() {
        assert!(super::names_in(
            "household.dibao == true",
            "household.dibao"
        ));
        assert!(super::names_in("x && household.size > 3", "household.size"));
        assert!(!super::names_in(
            "household.size_class == 1",
            "household.size"
        ));
        assert!(!super::names_in("age >= 60", "household.size"));
    }

    use super::*;

    fn dict() -> Dictionary {
        Dictionary::builtin().unwrap()
    }

    fn facts(pairs: &[(&str, &str)]) -> Facts {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on("1966-11-21", on()), Some(60));
        assert_eq!(age_on("1966-11-22", on()), Some(59));
        assert_eq!(age_on("not a date", on()), None);
    }

    #[test]
    fn filters_see_typed_elements_age_and_household() {
        let d = dict();
        let e = Expr::new("age >= 60 && elderly_alone == true", &d, "person").unwrap();
        let old_alone = facts(&[
            ("person.birth_date", "1950-01-01"),
            ("person.elderly_alone", "1"),
        ]);
        let old_not_alone = facts(&[
            ("person.birth_date", "1950-01-01"),
            ("person.elderly_alone", "0"),
        ]);
        let unknown_birth = facts(&[("person.elderly_alone", "1")]);
        let s = |f| Subject {
            facts: f,
            household: None,
        };
        assert!(e.matches(s(&old_alone), on()));
        assert!(!e.matches(s(&old_not_alone), on()));
        // A missing fact never matches by accident.
        assert!(!e.matches(s(&unknown_birth), on()));

        let h = Expr::new("household.dibao == true", &d, "person").unwrap();
        let hh = facts(&[("household.dibao", "1")]);
        assert!(h.matches(
            Subject {
                facts: &old_alone,
                household: Some(&hh)
            },
            on()
        ));
        assert!(!h.matches(s(&old_alone), on()));
    }

    #[test]
    fn dates_read_fast_read_as_the_format_parser_does() {
        for d in [
            "1950-01-31",
            "2000-02-29",
            "1999-02-29",
            "1950-13-01",
            "19500101",
            "1950-1-5",
            "",
            "195a-01-01",
            "１９５０-01-01",
        ] {
            assert_eq!(
                iso_date(d),
                NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
                "{d}"
            );
        }
    }

    /// The direct evaluator and the interpreter give the same answer (or
    /// both fail) for every filter shape on every kind of entity,
    /// including missing facts and missing households.
    #[test]
    fn the_direct_evaluator_agrees_with_the_interpreter() {
        let d = dict();
        let exprs = [
            "age >= 60",
            "age >= 60 && elderly_alone == true",
            "elderly_alone == true && age >= 60",
            "age < 18 || disabled == true",
            "disabled == true || age < 18",
            "!(disabled == true)",
            "!disabled",
            "disabled != true",
            "political_status == \"01\"",
            "political_status in [\"01\", \"02\"]",
            "age in [60, 61, 62]",
            "annual_income > 10000",
            "annual_income >= 10000.5",
            "annual_income < 2u",
            "age > -1",
            "household.dibao == true",
            "!(household.dibao == true)",
            "household.dibao == true || age >= 80",
            "age >= 80 || household.dibao == true",
            "name == null",
            "name != null && age <= 30",
            "age",
            "name",
            "age >= 60.0",
            "disabled",
            "1 == 1u",
            "null == null",
            "null < null",
            "\"b\" > \"a\"",
            "true > false",
            "name.matches('^张')",
            "matches(name, '三$')",
            "name.matches('^张') && age >= 60",
        ];
        let people = [
            facts(&[]),
            facts(&[
                ("person.birth_date", "1950-03-01"),
                ("person.elderly_alone", "1"),
            ]),
            facts(&[
                ("person.birth_date", "2015-03-01"),
                ("person.disabled", "1"),
            ]),
            facts(&[
                ("person.birth_date", "1966-11-21"),
                ("person.political_status", "01"),
                ("person.annual_income", "10000.5"),
                ("person.name", "张三"),
            ]),
            facts(&[
                ("person.birth_date", "bad"),
                ("person.annual_income", "x"),
                ("person.disabled", "0"),
            ]),
        ];
        let households = [
            None,
            Some(facts(&[])),
            Some(facts(&[("household.dibao", "1")])),
        ];
        let mut native = 0;
        for src in exprs {
            let e = Expr::new(src, &d, "person").unwrap();
            native += usize::from(e.native.is_some());
            for p in &people {
                for h in &households {
                    let s = Subject {
                        facts: p,
                        household: h.as_ref(),
                    };
                    let direct = e.eval(s, on());
                    let interpreted = e.interpret(s, on());
                    match (&direct, &interpreted) {
                        (Ok(a), Ok(b)) => assert_eq!(a, b, "{src} on {p:?} {h:?}"),
                        (Err(_), Err(_)) => {}
                        _ => panic!("{src} on {p:?} {h:?}: {direct:?} vs {interpreted:?}"),
                    }
                    assert_eq!(
                        e.matches(s, on()),
                        matches!(interpreted, Ok(cel::Value::Bool(true))),
                        "{src}"
                    );
                }
            }
        }
        // All but the bare-`household`-free shapes above are handled directly.
        assert_eq!(
            native,
            exprs.len(),
            "some filters fell back to the interpreter"
        );
    }

    /// A filter is evaluated once per resident: its pattern must not be
    /// compiled once per resident.
    #[test]
    fn a_filter_pattern_is_compiled_once() {
        let d = dict();
        let before = crate::dictionary::rules::patterns_compiled_on_this_thread();
        let e = Expr::new("name.matches('^王.{1,2}$') || age > 200", &d, "person").unwrap();
        let mut hits = 0;
        for i in 0..2_000 {
            let f = facts(&[
                ("person.name", if i % 2 == 0 { "王五" } else { "李四" }),
                ("person.birth_date", "1970-01-01"),
            ]);
            let s = Subject {
                facts: &f,
                household: None,
            };
            hits += usize::from(e.matches(s, on()));
            // The interpreter's path keeps its patterns too.
            assert_eq!(
                e.interpret(s, on()),
                Ok(cel::Value::Bool(i % 2 == 0)),
                "{i}"
            );
        }
        assert_eq!(hits, 1_000);
        let compiled = crate::dictionary::rules::patterns_compiled_on_this_thread() - before;
        assert!(compiled <= 2, "{compiled} compilations");
    }

    #[test]
    fn unknown_names_and_bad_syntax_are_named() {
        let d = dict();
        let err = Expr::new("shoe_size > 3", &d, "person").unwrap_err();
        assert!(err.to_string().contains("shoe_size"), "{err}");
        assert!(err.to_string().contains("个人"), "{err}");
        let err = Expr::new("age >= ", &d, "person").unwrap_err();
        assert!(matches!(err, ExprError::Syntax { .. }), "{err}");
    }

    #[test]
    fn computed_values_become_cell_text() {
        let d = dict();
        let e = Expr::new("annual_income / 12.0", &d, "person").unwrap();
        let f = facts(&[("person.annual_income", "24000")]);
        let v = e
            .eval(
                Subject {
                    facts: &f,
                    household: None,
                },
                on(),
            )
            .unwrap();
        assert_eq!(value_text(&v), "2000");
    }
}
