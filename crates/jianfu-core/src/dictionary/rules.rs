//! Validation rules and computed expressions in CEL (Common Expression
//! Language), a standard, side-effect-free language: a rule cannot loop,
//! read files or call out.

use super::values::Value;
use cel::extractors::This;
use cel::{Context, Program};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuleError {
    #[error("规则“{rule}”语法错误：{reason}")]
    Syntax { rule: String, reason: String },
    #[error("规则“{rule}”无法求值：{reason}")]
    Eval { rule: String, reason: String },
    #[error("规则“{0}”的结果不是真/假")]
    NotBoolean(String),
}

pub struct Rule {
    source: String,
    program: Program,
}

impl Rule {
    pub fn compile(source: &str) -> Result<Rule, RuleError> {
        let program = Program::compile(source).map_err(|e| RuleError::Syntax {
            rule: source.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Rule {
            source: source.to_string(),
            program,
        })
    }

    /// Evaluates the rule with `value` bound; true means the value passes.
    pub fn check(&self, value: &Value) -> Result<bool, RuleError> {
        let mut ctx = root_context().new_inner_scope();
        match value {
            Value::Text(s)
            | Value::Code(s)
            | Value::Date(s)
            | Value::IdNumber(s)
            | Value::Phone(s) => ctx.add_variable_from_value("value", s.clone()),
            Value::Int(i) => ctx.add_variable_from_value("value", *i),
            Value::Decimal(f) => ctx.add_variable_from_value("value", *f),
            Value::Bool(b) => ctx.add_variable_from_value("value", *b),
        }
        match self.program.execute(&ctx) {
            Ok(cel::Value::Bool(b)) => Ok(b),
            Ok(_) => Err(RuleError::NotBoolean(self.source.clone())),
            Err(e) => Err(RuleError::Eval {
                rule: self.source.clone(),
                reason: e.to_string(),
            }),
        }
    }
}

/// The root context with every built-in function registered. Building it
/// per evaluation cost more than the evaluation itself, so it is built once
/// and each evaluation opens an inner scope for its variables.
pub(crate) fn root_context() -> &'static Context<'static> {
    static ROOT: std::sync::OnceLock<Context<'static>> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let mut ctx = Context::default();
        // The CEL spec counts a string's size in code points; the crate
        // counts bytes, which would make every Chinese name three times long.
        ctx.add_function("size", spec_size);
        ctx
    })
}

fn spec_size(ftx: &cel::FunctionContext, This(this): This<cel::Value>) -> cel::ResolveResult {
    let n = match this {
        cel::Value::String(s) => s.chars().count(),
        cel::Value::List(l) => l.len(),
        cel::Value::Map(m) => m.map.len(),
        cel::Value::Bytes(b) => b.len(),
        other => return Err(ftx.error(format!("无法计算 {other:?} 的长度"))),
    };
    Ok(cel::Value::Int(n as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_see_typed_values() {
        assert!(Rule::compile("value >= 0 && value <= 130")
            .unwrap()
            .check(&Value::Int(40))
            .unwrap());
        assert!(!Rule::compile("value >= 0 && value <= 130")
            .unwrap()
            .check(&Value::Int(140))
            .unwrap());
        assert!(Rule::compile("size(value) == 6")
            .unwrap()
            .check(&Value::Text("500107".into()))
            .unwrap());
        assert!(Rule::compile("size(value) == 2")
            .unwrap()
            .check(&Value::Text("王五".into()))
            .unwrap());
        assert!(Rule::compile("value.size() == 2")
            .unwrap()
            .check(&Value::Text("王五".into()))
            .unwrap());
        assert!(Rule::compile("value.contains('@')")
            .unwrap()
            .check(&Value::Text("a@b".into()))
            .unwrap());
        assert!(Rule::compile("value > 0.5")
            .unwrap()
            .check(&Value::Decimal(0.7))
            .unwrap());
    }

    #[test]
    fn bad_rules_are_named() {
        assert!(matches!(
            Rule::compile("value >>> 1"),
            Err(RuleError::Syntax { .. })
        ));
        assert!(matches!(
            Rule::compile("value + 1").unwrap().check(&Value::Int(1)),
            Err(RuleError::NotBoolean(_))
        ));
    }
}
