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
        // The same text limits as a report's filters: the parser recurses
        // per operator, and a long chain overflows the stack.
        crate::reports::guard::check_text(source).map_err(|reason| RuleError::Syntax {
            rule: source.chars().take(60).collect(),
            reason,
        })?;
        let program = parse_cel(source).map_err(|reason| RuleError::Syntax {
            rule: source.chars().take(60).collect(),
            reason,
        })?;
        // A rule runs once per imported value: a pattern computed from the
        // value would be compiled for every row.
        let any = |name: &str| (name == "value").then_some(crate::reports::guard::Kind::Any);
        crate::reports::guard::check_ast(program.expression(), &any, &|_| None).map_err(
            |reason| RuleError::Syntax {
                rule: source.chars().take(60).collect(),
                reason,
            },
        )?;
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
        ctx.add_function("matches", cached_matches);
        ctx
    })
}

/// Stack for the thread that parses: the CEL parser (ANTLR) takes about
/// 150 KB of stack per bracket level in a debug build, and 14 levels
/// overflowed a 2 MiB worker thread and aborted the process. Reserved, not
/// committed: only what a parse touches is used.
const PARSER_STACK: usize = 256 << 20;

/// Parses CEL on a thread of its own with a large stack, so that no text
/// within the limits of `check_text` can overflow the caller's.
pub(crate) fn parse_cel(source: &str) -> Result<Program, String> {
    let text = source.to_string();
    let parsed = std::thread::Builder::new()
        .name("cel-parse".into())
        .stack_size(PARSER_STACK)
        .spawn(move || Program::compile(&text).map_err(|e| e.to_string()))
        .map_err(|_| "无法启动表达式解析".to_string())?
        .join()
        .map_err(|_| "表达式无法解析".to_string())?;
    parsed.map_err(|e| syntax_reason(&e, source.chars().count()))
}

/// The CEL parser's message (English, with the grammar's token names) as
/// a place a person can find: "ERROR: <input>:1:7: Syntax error: …".
pub(crate) fn syntax_reason(message: &str, length: usize) -> String {
    let at = message.split("<input>:").nth(1).and_then(|rest| {
        let mut parts = rest.splitn(3, ':');
        let line = parts.next()?.trim().parse::<usize>().ok()?;
        let column = parts.next()?.trim().parse::<usize>().ok()?;
        Some((line, column))
    });
    match at {
        Some((line, column)) => format!(
            "第 {line} 行第 {} 个字符附近有语法错误（括号、引号或运算符不完整）",
            // The parser counts from 0 and may point just past the end.
            (column + 1).min(length.max(1))
        ),
        None => "语法错误（括号、引号或运算符不完整）".to_string(),
    }
}

/// Patterns a thread keeps compiled; past this many, the cache starts over.
const PATTERNS_KEPT: usize = 64;
/// The compiled size a pattern may reach (the `regex` crate's own default
/// is 10 MiB; a filter needs far less). Compiling costs time in proportion:
/// at 1 MiB, patterns like `^\w{14}…` took a tenth of a second each.
const PATTERN_SIZE_LIMIT: usize = 256 << 10;

thread_local! {
    static PATTERNS: std::cell::RefCell<
        std::collections::HashMap<String, Result<regex::Regex, String>>,
    > = Default::default();
    /// Compilations on this thread, for the tests.
    static PATTERNS_COMPILED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A pattern compiled once per thread. The crate's own `matches` compiles
/// the pattern on every call, and a report filter or a dictionary rule is
/// called once per resident: a million compilations for one report.
pub(crate) fn compiled_pattern(pattern: &str) -> Result<regex::Regex, String> {
    PATTERNS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(found) = cache.get(pattern) {
            return found.clone();
        }
        if cache.len() >= PATTERNS_KEPT {
            cache.clear();
        }
        PATTERNS_COMPILED.with(|n| n.set(n.get() + 1));
        let built = regex::RegexBuilder::new(pattern)
            .size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .map_err(|e| match e {
                regex::Error::CompiledTooBig(limit) => format!(
                    "正则表达式“{pattern}”过于复杂（编译后超过 {} KiB），请简化",
                    limit >> 10
                ),
                _ => format!("正则表达式“{pattern}”有语法错误（如括号不成对、重复次数无效）"),
            });
        cache.insert(pattern.to_string(), built.clone());
        built
    })
}

#[cfg(test)]
pub(crate) fn patterns_compiled_on_this_thread() -> usize {
    PATTERNS_COMPILED.with(|n| n.get())
}

fn cached_matches(
    ftx: &cel::FunctionContext,
    This(this): This<std::sync::Arc<String>>,
    pattern: std::sync::Arc<String>,
) -> Result<bool, cel::ExecutionError> {
    compiled_pattern(&pattern)
        .map(|re| re.is_match(&this))
        .map_err(|e| ftx.error(e))
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
    fn a_pattern_is_compiled_once_however_many_values_it_checks() {
        let rule = Rule::compile("value.matches('^1[3-9][0-9]{9}$')").unwrap();
        let before = patterns_compiled_on_this_thread();
        for i in 0..1_000 {
            let phone = format!("138{i:08}");
            assert!(rule.check(&Value::Phone(phone)).unwrap());
        }
        assert!(!rule.check(&Value::Phone("12345".into())).unwrap());
        // Checking the rule when it was compiled may have compiled it
        // already; checking a thousand values compiles it no more.
        assert!(patterns_compiled_on_this_thread() - before <= 1);
        // A broken pattern, or one computed from each value, is refused
        // when the rule is saved, not met on every imported row.
        let err = Rule::compile("value.matches('[')").err().expect("refused");
        assert!(err.to_string().contains("正则表达式"), "{err}");
        let err = Rule::compile("value.matches('a|' + value)")
            .err()
            .expect("refused");
        assert!(err.to_string().contains("须直接写成文字"), "{err}");
        let err = Rule::compile("value >= ").err().expect("a syntax error");
        assert!(err.to_string().contains("第 1 行第"), "{err}");
        assert!(!err.to_string().contains("mismatched"), "{err}");
    }

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
