//! Limits and a static type check on a department's expressions, applied
//! when a report is designed, never at run time.
//!
//! A filter is evaluated once per resident of the district, so its cost is
//! multiplied a millionfold: nested comprehensions (`[..].all(x, [..].all(
//! ...))`) grew ×10 a level and took an admission 7.4 s at five levels; a
//! 1.3 MB `in [...]` list kept 800 MB. And a filter that can only fail
//! (`age == 'x'`, `1/0 == 1`, a broken regular expression) silently
//! counts nobody. Both are refused here, naming the limit or the mistake.

use crate::dictionary::ValueType;
use cel::common::ast::{operators, Expr as Ast, IdedExpr};
use cel::common::value::CelVal;

/// Characters in one expression.
pub const MAX_CHARS: usize = 4_000;
/// Brackets nested in the text, checked before the parser recurses.
pub const MAX_TEXT_NESTING: usize = 32;
/// Levels of the parsed expression.
pub const MAX_DEPTH: usize = 24;
/// Operators and field selections in the text, checked before parsing:
/// the parser recurses once per link of a chain (`a.x.x.x…`, `1+1+1…`),
/// and 2,000 links overflowed a worker thread's stack and aborted the
/// process before any depth limit could be applied to the parsed tree.
pub const MAX_TEXT_OPERATORS: usize = 200;
/// Regular expressions in one expression; each is compiled once per
/// thread that evaluates it.
pub const MAX_PATTERNS: usize = 8;
/// Nodes of the parsed expression.
pub const MAX_NODES: usize = 1_000;
/// Items of one list literal.
pub const MAX_LIST: usize = 500;
/// Comprehensions (`all`, `exists`, `map`, `filter`…) in one expression:
/// one is enough for a filter, and two can nest.
pub const MAX_COMPREHENSIONS: usize = 1;

/// What a name stands for, as far as the check needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Number,
    Bool,
    Text,
    List,
    /// Anything the check does not judge (a list, a call's result, null).
    Any,
}

impl Kind {
    pub fn of(t: ValueType) -> Kind {
        match t {
            ValueType::Integer | ValueType::Decimal => Kind::Number,
            ValueType::Boolean => Kind::Bool,
            _ => Kind::Text,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Number => "数值",
            Kind::Bool => "是/否",
            Kind::Text => "文字",
            Kind::List => "列表",
            Kind::Any => "值",
        }
    }

    fn fits(self, other: Kind) -> bool {
        self == Kind::Any || other == Kind::Any || self == other
    }
}

/// The text, before parsing: its length and how deep its brackets go
/// (outside string literals), so the parser never sees a bomb.
pub fn check_text(source: &str) -> Result<(), String> {
    let chars = source.chars().count();
    if chars > MAX_CHARS {
        return Err(format!(
            "表达式有 {chars} 个字符，超出上限（最多 {MAX_CHARS} 个）"
        ));
    }
    let text: Vec<char> = source.chars().collect();
    let (mut depth, mut deepest, mut operators) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let previous = if i > 0 { text[i - 1] } else { ' ' };
        match c {
            // A comment runs to the end of the line; what it holds is
            // not code (a quote in it opens no string).
            '/' if text.get(i + 1) == Some(&'/') => {
                while i < text.len() && text[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' | '"' => {
                // A raw string (r'…') has no escapes; a triple quote runs
                // to the next triple quote.
                let raw = matches!(previous, 'r' | 'R');
                let triple = text.get(i + 1) == Some(&c) && text.get(i + 2) == Some(&c);
                let opened = i;
                i += if triple { 3 } else { 1 };
                let mut closed = false;
                while i < text.len() {
                    // A one-line string ends at the line's end for the
                    // parser: what follows is code again, and must be
                    // scanned as code.
                    if !triple && matches!(text[i], '\n' | '\r') {
                        break;
                    }
                    if !raw && text[i] == '\\' {
                        i += 2;
                        continue;
                    }
                    if text[i] == c
                        && (!triple || (text.get(i + 1) == Some(&c) && text.get(i + 2) == Some(&c)))
                    {
                        i += if triple { 3 } else { 1 };
                        closed = true;
                        break;
                    }
                    i += 1;
                }
                if !closed {
                    return Err(format!("第 {} 个字符处的引号没有结束", opened + 1));
                }
                continue;
            }
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            // A decimal point is not a selection.
            '.' if !previous.is_ascii_digit() => operators += 1,
            '+' | '-' | '*' | '/' | '%' | '<' | '>' | '?' | '!' => operators += 1,
            '=' | '&' | '|' if previous != c => operators += 1,
            _ => {}
        }
        i += 1;
    }
    if deepest > MAX_TEXT_NESTING {
        return Err(format!(
            "括号嵌套 {deepest} 层，超出上限（最多 {MAX_TEXT_NESTING} 层）"
        ));
    }
    if operators > MAX_TEXT_OPERATORS {
        return Err(format!(
            "表达式有 {operators} 个运算符，超出上限（最多 {MAX_TEXT_OPERATORS} 个）"
        ));
    }
    Ok(())
}

struct Walk<'a> {
    kind_of: &'a dyn Fn(&str) -> Option<Kind>,
    household_kind: &'a dyn Fn(&str) -> Option<Kind>,
    nodes: usize,
    comprehensions: usize,
    problems: Vec<String>,
    /// Inside a part without names, already being evaluated whole.
    in_constant: bool,
    /// Parts without names that evaluate to zero (`1 - 1`), for the
    /// division check.
    zeros: std::collections::HashSet<u64>,
    /// The regular expressions, distinct, in order.
    patterns: Vec<String>,
}

fn value_kind(v: &cel::Value) -> Kind {
    match v {
        cel::Value::Int(_) | cel::Value::UInt(_) | cel::Value::Float(_) => Kind::Number,
        cel::Value::Bool(_) => Kind::Bool,
        cel::Value::String(_) => Kind::Text,
        cel::Value::List(_) => Kind::List,
        _ => Kind::Any,
    }
}

/// Whether a part names nothing (no fact, no loop variable), so that its
/// value is the same for every resident and can be computed once here.
/// `budget` bounds the descent, as the walk's depth limit does.
fn constant(e: &IdedExpr, budget: usize) -> bool {
    let Some(below) = budget.checked_sub(1) else {
        return false;
    };
    match &e.expr {
        Ast::Literal(_) => true,
        Ast::Select(s) => !s.test && constant(&s.operand, below),
        Ast::List(l) => l.elements.iter().all(|x| constant(x, below)),
        Ast::Map(m) => m.entries.iter().all(|entry| match &entry.expr {
            cel::common::ast::EntryExpr::MapEntry(me) => {
                constant(&me.key, below) && constant(&me.value, below)
            }
            _ => false,
        }),
        Ast::Call(c) => {
            c.target.as_deref().is_none_or(|t| constant(t, below))
                && c.args.iter().all(|a| constant(a, below))
        }
        Ast::Ident(_) | Ast::Comprehension(_) | Ast::Struct(_) | Ast::Unspecified => false,
    }
}

fn literal_kind(v: &CelVal) -> Kind {
    match v {
        CelVal::Int(_) | CelVal::UInt(_) | CelVal::Double(_) => Kind::Number,
        CelVal::Boolean(_) => Kind::Bool,
        CelVal::String(_) => Kind::Text,
        _ => Kind::Any,
    }
}

fn is_zero(e: &IdedExpr, zeros: &std::collections::HashSet<u64>) -> bool {
    zeros.contains(&e.id)
        || matches!(
            &e.expr,
            Ast::Literal(CelVal::Int(0)) | Ast::Literal(CelVal::UInt(0))
        )
        || matches!(&e.expr, Ast::Literal(CelVal::Double(d)) if *d == 0.0)
}

fn shown(e: &IdedExpr) -> String {
    let text = shown_within(e, 4);
    let mut out: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// A part written back as a department would have typed it, for messages.
fn shown_within(e: &IdedExpr, depth: usize) -> String {
    if depth == 0 {
        return "…".into();
    }
    let inner = |x: &IdedExpr| shown_within(x, depth - 1);
    match &e.expr {
        Ast::Ident(n) => n.clone(),
        Ast::Select(s) => format!("{}.{}", inner(&s.operand), s.field),
        Ast::Literal(CelVal::String(s)) => format!("'{s}'"),
        Ast::Literal(CelVal::Int(i)) => i.to_string(),
        Ast::Literal(CelVal::UInt(u)) => format!("{u}u"),
        Ast::Literal(CelVal::Double(d)) => d.to_string(),
        Ast::Literal(CelVal::Boolean(b)) => b.to_string(),
        Ast::Literal(CelVal::Null) => "null".into(),
        Ast::List(l) => format!(
            "[{}]",
            l.elements.iter().map(inner).collect::<Vec<_>>().join(", ")
        ),
        Ast::Call(c) => {
            let name = c.func_name.as_str();
            let args: Vec<String> = c.args.iter().map(inner).collect();
            match (name, args.as_slice()) {
                (operators::LOGICAL_NOT, [a]) => format!("!{a}"),
                (operators::NEGATE, [a]) => format!("-{a}"),
                (operators::INDEX, [a, i]) => format!("{a}[{i}]"),
                (_, [a, b]) if name.len() > 2 && name.starts_with('_') && name.ends_with('_') => {
                    format!("({a} {} {b})", &name[1..name.len() - 1])
                }
                _ => match &c.target {
                    Some(t) => format!("{}.{name}({})", inner(t), args.join(", ")),
                    None => format!("{name}({})", args.join(", ")),
                },
            }
        }
        _ => "表达式".into(),
    }
}

/// Functions the evaluator knows (the CEL crate's, ours); anything else
/// fails for every resident.
const KNOWN_FUNCTIONS: [&str; 25] = [
    "contains",
    "size",
    "max",
    "min",
    "startsWith",
    "endsWith",
    "string",
    "bytes",
    "double",
    "int",
    "uint",
    "matches",
    "duration",
    "timestamp",
    "getFullYear",
    "getMonth",
    "getDayOfYear",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
    "has",
];

const COMPARISONS: [&str; 6] = [
    operators::EQUALS,
    operators::NOT_EQUALS,
    operators::LESS,
    operators::LESS_EQUALS,
    operators::GREATER,
    operators::GREATER_EQUALS,
];

impl Walk<'_> {
    /// A part's kind, after its limits and checks. A part that names
    /// nothing is also evaluated, once: `int('x')` or `timestamp('bad')`
    /// fails for every resident, and `string(1)` is text.
    fn walk(&mut self, e: &IdedExpr, depth: usize) -> Kind {
        let folds = !self.in_constant
            && !matches!(e.expr, Ast::Literal(_))
            && constant(e, MAX_DEPTH.saturating_sub(depth) + 1);
        if !folds {
            return self.shape(e, depth);
        }
        let problems = self.problems.len();
        self.in_constant = true;
        let kind = self.shape(e, depth);
        self.in_constant = false;
        if self.problems.len() > problems {
            return kind;
        }
        match cel::Value::resolve(e, crate::dictionary::root_context()) {
            Ok(v) => {
                if matches!(v, cel::Value::Int(0) | cel::Value::UInt(0))
                    || matches!(v, cel::Value::Float(f) if f == 0.0)
                {
                    self.zeros.insert(e.id);
                }
                value_kind(&v)
            }
            Err(_) => {
                // The interpreter's reason is English; the part is enough.
                self.problems.push(format!(
                    "“{}”对任何人都无法求值（类型不符、数值溢出、下标越界或转换失败），这个条件对任何人都不成立",
                    shown(e)
                ));
                Kind::Any
            }
        }
    }

    fn shape(&mut self, e: &IdedExpr, depth: usize) -> Kind {
        self.nodes += 1;
        if depth > MAX_DEPTH {
            self.problems
                .push(format!("表达式嵌套超过 {MAX_DEPTH} 层，超出上限"));
            return Kind::Any;
        }
        if self.nodes > MAX_NODES {
            if self.nodes == MAX_NODES + 1 {
                self.problems
                    .push(format!("表达式超过 {MAX_NODES} 个部分，超出上限"));
            }
            return Kind::Any;
        }
        match &e.expr {
            Ast::Literal(v) => literal_kind(v),
            Ast::Ident(name) if name == "household" && (self.household_kind)("size").is_some() => {
                self.problems
                    .push("“household”须写成“household.指标”，如 household.dibao".into());
                Kind::Any
            }
            Ast::Ident(name) => (self.kind_of)(name).unwrap_or(Kind::Any),
            Ast::Select(s) => {
                let operand = match &s.operand.expr {
                    // `household` itself is only ever the start of a selection.
                    Ast::Ident(h) if h == "household" => {
                        self.nodes += 1;
                        Kind::Any
                    }
                    _ => self.walk(&s.operand, depth + 1),
                };
                if matches!(operand, Kind::Number | Kind::Bool | Kind::Text) {
                    self.problems.push(format!(
                        "“{}”是{}，没有“{}”这一项",
                        shown(&s.operand),
                        operand.label(),
                        s.field
                    ));
                    return Kind::Any;
                }
                match &s.operand.expr {
                    Ast::Ident(h) if h == "household" => match (self.household_kind)(&s.field) {
                        Some(kind) => kind,
                        None => {
                            self.problems
                                .push(format!("“household.{}”不是家庭户指标", s.field));
                            Kind::Any
                        }
                    },
                    _ => Kind::Any,
                }
            }
            Ast::List(l) => {
                if l.elements.len() > MAX_LIST {
                    self.problems.push(format!(
                        "列表有 {} 项，超出上限（最多 {MAX_LIST} 项）",
                        l.elements.len()
                    ));
                }
                for x in l.elements.iter().take(MAX_LIST) {
                    self.walk(x, depth + 1);
                }
                Kind::List
            }
            Ast::Map(m) => {
                for entry in &m.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(me) = &entry.expr {
                        self.walk(&me.key, depth + 1);
                        self.walk(&me.value, depth + 1);
                    }
                }
                Kind::Any
            }
            Ast::Comprehension(c) => {
                self.comprehensions += 1;
                if self.comprehensions == MAX_COMPREHENSIONS + 1 {
                    self.problems.push(format!(
                        "表达式含有多个 all/exists/map/filter 运算，超出上限（最多 {MAX_COMPREHENSIONS} 个）"
                    ));
                }
                for x in [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ] {
                    self.walk(x, depth + 1);
                }
                Kind::Any
            }
            Ast::Call(call) => self.call(call, depth),
            Ast::Struct(_) | Ast::Unspecified => Kind::Any,
        }
    }

    fn call(&mut self, call: &cel::common::ast::CallExpr, depth: usize) -> Kind {
        let kinds_target = match &call.target {
            Some(t) => self.walk(t, depth + 1),
            None => Kind::Any,
        };
        let kinds: Vec<Kind> = call.args.iter().map(|a| self.walk(a, depth + 1)).collect();
        let name = call.func_name.as_str();
        let operator = name.starts_with(['_', '!', '-', '@']);
        if !operator && !KNOWN_FUNCTIONS.contains(&name) {
            self.problems.push(format!("“{name}”不是可用的函数"));
            return Kind::Any;
        }
        if name == "size" {
            let of = if call.target.is_some() {
                kinds_target
            } else {
                kinds.first().copied().unwrap_or(Kind::Any)
            };
            if matches!(of, Kind::Number | Kind::Bool) {
                self.problems
                    .push(format!("{}没有长度（size 只用于文字和列表）", of.label()));
            }
            return Kind::Number;
        }
        if ["startsWith", "endsWith", "contains"].contains(&name) {
            let all_text = std::iter::once(kinds_target)
                .chain(kinds.iter().copied())
                .all(|k| Kind::Text.fits(k));
            if !all_text {
                self.problems.push(format!("{name} 只用于文字"));
            }
            return Kind::Bool;
        }
        if COMPARISONS.contains(&name) && kinds.len() == 2 && !kinds[0].fits(kinds[1]) {
            self.problems.push(format!(
                "“{}”是{}，不能与{}“{}”比较，这个条件对任何人都不成立",
                shown(&call.args[0]),
                kinds[0].label(),
                kinds[1].label(),
                shown(&call.args[1])
            ));
            return Kind::Bool;
        }
        if name == operators::IN
            && call.args.len() == 2
            && matches!(kinds[1], Kind::Number | Kind::Bool | Kind::Text)
        {
            self.problems.push(format!(
                "“in”的右边须是列表，如 [\"01\", \"02\"]，而“{}”是{}",
                shown(&call.args[1]),
                kinds[1].label()
            ));
            return Kind::Bool;
        }
        if name == operators::IN && call.args.len() == 2 {
            if let Ast::List(l) = &call.args[1].expr {
                if let Some(bad) = l
                    .elements
                    .iter()
                    .find(|x| matches!(&x.expr, Ast::Literal(v) if !kinds[0].fits(literal_kind(v))))
                {
                    self.problems.push(format!(
                        "“{}”是{}，列表中的“{}”类型不符",
                        shown(&call.args[0]),
                        kinds[0].label(),
                        shown(bad)
                    ));
                }
            }
            return Kind::Bool;
        }
        if (name == operators::DIVIDE || name == operators::MODULO)
            && call.args.get(1).is_some_and(|d| is_zero(d, &self.zeros))
        {
            self.problems.push("表达式中有除以 0 的运算".into());
        }
        if name == "matches" {
            let pattern = call.args.last().and_then(|a| match &a.expr {
                Ast::Literal(CelVal::String(p)) => Some(p.to_string()),
                _ => None,
            });
            match pattern {
                Some(p) if !self.patterns.contains(&p) => {
                    if self.patterns.len() == MAX_PATTERNS {
                        self.problems.push(format!(
                            "表达式含有超过 {MAX_PATTERNS} 个正则表达式，超出上限"
                        ));
                    } else if self.problems.is_empty() {
                        // Compiling costs time: once one problem is found,
                        // the rest are not compiled.
                        if let Err(e) = crate::dictionary::compiled_pattern(&p) {
                            self.problems.push(e);
                        }
                    }
                    self.patterns.push(p);
                }
                Some(_) => {}
                // A pattern computed per resident would be compiled per
                // resident, and could not be checked here.
                None => self
                    .problems
                    .push("matches 的正则表达式须直接写成文字（加引号）".into()),
            }
            if let Some(text) = call.target.as_deref().or(call.args.first()) {
                let kind = if call.target.is_some() {
                    kinds_target
                } else {
                    kinds.first().copied().unwrap_or(Kind::Any)
                };
                if !Kind::Text.fits(kind) {
                    self.problems.push(format!(
                        "“{}”是{}，不能用 matches 匹配文字",
                        shown(text),
                        kind.label()
                    ));
                }
            }
            return Kind::Bool;
        }
        if [
            operators::LOGICAL_AND,
            operators::LOGICAL_OR,
            operators::LOGICAL_NOT,
        ]
        .contains(&name)
        {
            if let Some((arg, kind)) = call
                .args
                .iter()
                .zip(&kinds)
                .find(|(_, k)| matches!(k, Kind::Number | Kind::Text | Kind::List))
            {
                self.problems.push(format!(
                    "“{}”是{}，不能用作条件（&&、||、! 只用于是/否）",
                    shown(arg),
                    kind.label()
                ));
            }
            return Kind::Bool;
        }
        if COMPARISONS.contains(&name) {
            return Kind::Bool;
        }
        match name {
            "string" => return Kind::Text,
            "int" | "uint" | "double" => return Kind::Number,
            _ => {}
        }
        if name == operators::ADD && kinds.len() == 2 {
            let (a, b) = (kinds[0], kinds[1]);
            if a == Kind::Bool || b == Kind::Bool || !a.fits(b) {
                self.problems.push(format!(
                    "“{}”是{}，“{}”是{}，不能相加",
                    shown(&call.args[0]),
                    a.label(),
                    shown(&call.args[1]),
                    b.label()
                ));
                return Kind::Any;
            }
            return if a == Kind::Any { b } else { a };
        }
        if [
            operators::SUBSTRACT,
            operators::MULTIPLY,
            operators::DIVIDE,
            operators::MODULO,
            operators::NEGATE,
        ]
        .contains(&name)
        {
            if let Some((arg, kind)) = call
                .args
                .iter()
                .zip(&kinds)
                .find(|(_, k)| !Kind::Number.fits(**k))
            {
                self.problems.push(format!(
                    "“{}”是{}，不能做算术运算",
                    shown(arg),
                    kind.label()
                ));
                return Kind::Any;
            }
            if kinds.iter().all(|k| *k == Kind::Number) {
                return Kind::Number;
            }
        }
        Kind::Any
    }
}

/// The parsed expression within limits and free of comparisons that can
/// never hold. `kind_of` answers for a bare name, `household_kind` for
/// `household.<name>`.
/// The distinct regular expressions are returned, for the report's own
/// limit on them.
pub fn check_ast(
    e: &IdedExpr,
    kind_of: &dyn Fn(&str) -> Option<Kind>,
    household_kind: &dyn Fn(&str) -> Option<Kind>,
) -> Result<Vec<String>, String> {
    let mut w = Walk {
        kind_of,
        household_kind,
        nodes: 0,
        comprehensions: 0,
        problems: Vec::new(),
        in_constant: false,
        zeros: Default::default(),
        patterns: Vec::new(),
    };
    w.walk(e, 0);
    match w.problems.first() {
        Some(p) => Err(p.clone()),
        None => Ok(w.patterns),
    }
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
