//! Filters and computed cells in CEL, over one entity's facts.
//!
//! An expression names elements by their short code (`elderly_alone`,
//! `disabled`), `age` (whole years on the reference date, from the birth
//! date) and `household.<code>` for the facts of a person's household.
//! Values are typed by the dictionary: booleans are `true`/`false`, numbers
//! are numbers, everything else is a string. A fact the register does not
//! hold is `null`, so `elderly_alone == true` is simply false for it.

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
    bindings: Vec<(String, Binding)>,
    household_types: Arc<HashMap<String, ValueType>>,
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

/// Whole years from `birth` (YYYY-MM-DD) to `on`.
pub fn age_on(birth: &str, on: NaiveDate) -> Option<i64> {
    let b = NaiveDate::parse_from_str(birth, "%Y-%m-%d").ok()?;
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
        Program::compile(source).map_err(|e| ExprError::Syntax {
            expr: source.to_string(),
            reason: e.to_string(),
        })
    }

    /// Compiles `source` for entities of `entity` (`person`, `household`).
    pub fn new(source: &str, dict: &Dictionary, entity: &str) -> Result<Expr, ExprError> {
        let program = Self::compile(source)?;
        let mut bindings = Vec::new();
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
            bindings.push((name.to_string(), binding));
        }
        let household_types = dict
            .elements()
            .iter()
            .filter(|e| e.code.starts_with("household."))
            .map(|e| (e.code.clone(), e.value_type))
            .collect();
        Ok(Expr {
            source: source.to_string(),
            program: Arc::new(program),
            bindings,
            household_types: Arc::new(household_types),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates the expression for one entity on the reference date.
    pub fn eval(&self, s: Subject<'_>, on: NaiveDate) -> Result<cel::Value, ExprError> {
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
        matches!(self.eval(s, on), Ok(cel::Value::Bool(true)))
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
