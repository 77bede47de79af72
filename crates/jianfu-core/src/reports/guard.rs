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
    let (mut depth, mut deepest, mut quote) = (0usize, 0usize, None::<char>);
    let mut escaped = false;
    for c in source.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    if deepest > MAX_TEXT_NESTING {
        return Err(format!(
            "括号嵌套 {deepest} 层，超出上限（最多 {MAX_TEXT_NESTING} 层）"
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
}

fn literal_kind(v: &CelVal) -> Kind {
    match v {
        CelVal::Int(_) | CelVal::UInt(_) | CelVal::Double(_) => Kind::Number,
        CelVal::Boolean(_) => Kind::Bool,
        CelVal::String(_) => Kind::Text,
        _ => Kind::Any,
    }
}

fn is_zero(e: &IdedExpr) -> bool {
    matches!(
        &e.expr,
        Ast::Literal(CelVal::Int(0)) | Ast::Literal(CelVal::UInt(0))
    ) || matches!(&e.expr, Ast::Literal(CelVal::Double(d)) if *d == 0.0)
}

fn shown(e: &IdedExpr) -> String {
    match &e.expr {
        Ast::Ident(n) => n.clone(),
        Ast::Select(s) => format!("{}.{}", shown(&s.operand), s.field),
        Ast::Literal(CelVal::String(s)) => format!("'{s}'"),
        Ast::Literal(CelVal::Int(i)) => i.to_string(),
        Ast::Literal(CelVal::Double(d)) => d.to_string(),
        Ast::Literal(CelVal::Boolean(b)) => b.to_string(),
        _ => "表达式".into(),
    }
}

const COMPARISONS: [&str; 6] = [
    operators::EQUALS,
    operators::NOT_EQUALS,
    operators::LESS,
    operators::LESS_EQUALS,
    operators::GREATER,
    operators::GREATER_EQUALS,
];

impl Walk<'_> {
    fn walk(&mut self, e: &IdedExpr, depth: usize) -> Kind {
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
            Ast::Ident(name) => (self.kind_of)(name).unwrap_or(Kind::Any),
            Ast::Select(s) => {
                self.walk(&s.operand, depth + 1);
                match &s.operand.expr {
                    Ast::Ident(h) if h == "household" => {
                        (self.household_kind)(&s.field).unwrap_or(Kind::Any)
                    }
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
                Kind::Any
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
        if let Some(t) = &call.target {
            self.walk(t, depth + 1);
        }
        let kinds: Vec<Kind> = call.args.iter().map(|a| self.walk(a, depth + 1)).collect();
        let name = call.func_name.as_str();
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
            && call.args.get(1).is_some_and(is_zero)
        {
            self.problems.push("表达式中有除以 0 的运算".into());
        }
        if name == "matches" {
            let pattern = call.args.last().and_then(|a| match &a.expr {
                Ast::Literal(CelVal::String(p)) => Some(p.to_string()),
                _ => None,
            });
            if let Some(p) = pattern {
                if let Err(e) = regex::RegexBuilder::new(&p).size_limit(1 << 20).build() {
                    self.problems.push(format!(
                        "正则表达式“{p}”无效：{}",
                        e.to_string().lines().last().unwrap_or_default()
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
            || COMPARISONS.contains(&name)
        {
            return Kind::Bool;
        }
        if [
            operators::ADD,
            operators::SUBSTRACT,
            operators::MULTIPLY,
            operators::DIVIDE,
            operators::MODULO,
            operators::NEGATE,
        ]
        .contains(&name)
            && kinds.iter().all(|k| *k == Kind::Number)
        {
            return Kind::Number;
        }
        Kind::Any
    }
}

/// The parsed expression within limits and free of comparisons that can
/// never hold. `kind_of` answers for a bare name, `household_kind` for
/// `household.<name>`.
pub fn check_ast(
    e: &IdedExpr,
    kind_of: &dyn Fn(&str) -> Option<Kind>,
    household_kind: &dyn Fn(&str) -> Option<Kind>,
) -> Result<(), String> {
    let mut w = Walk {
        kind_of,
        household_kind,
        nodes: 0,
        comprehensions: 0,
        problems: Vec::new(),
    };
    w.walk(e, 0);
    match w.problems.first() {
        Some(p) => Err(p.clone()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::dictionary::Dictionary;
    use crate::reports::expr::Expr;

    fn refused(src: &str) -> String {
        let dict = Dictionary::builtin().expect("dictionary");
        match Expr::new(src, &dict, "person") {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{src} should be refused"),
        }
    }

    #[test]
    fn filters_that_can_never_hold_are_refused() {
        let dict = Dictionary::builtin().expect("dictionary");
        assert!(refused("age == 'x'").contains("数值"));
        assert!(refused("1/0 == 1").contains("除以 0"));
        assert!(refused("name.matches('[')").contains("正则表达式"));
        assert!(refused("ethnicity in ['01', 2]").contains("类型不符"));
        for ok in [
            "age >= 60 && disabled == true",
            "ethnicity in ['01', '02']",
            "household.dibao == true || age > 80",
            "name.matches('^张')",
        ] {
            assert!(Expr::new(ok, &dict, "person").is_ok(), "{ok}");
        }
    }

    #[test]
    fn expensive_expressions_are_refused_with_their_limit() {
        let nested = "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, a + b > 0))";
        assert!(refused(nested).contains("最多 1 个"));
        let list: Vec<String> = (0..600).map(|i| format!("'{i:02}'")).collect();
        let long = format!("ethnicity in [{}]", list.join(","));
        assert!(refused(&long).contains("最多 500 项"), "{}", refused(&long));
        let huge = format!("ethnicity in [{}]", vec!["'01'"; 300_000].join(","));
        assert!(refused(&huge).contains("最多 4000 个"));
        let deep = format!("{}age{}", "(".repeat(200), ")".repeat(200));
        assert!(refused(&deep).contains("括号嵌套"));
    }
}
