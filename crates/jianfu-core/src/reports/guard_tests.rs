//! What the guard refuses, and what it lets through.
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
    // Parts that name nothing are computed once, here.
    assert!(refused("int('x') == 1").contains("无法求值"));
    assert!(refused("age / (1 - 1) > 1").contains("除以 0"));
    assert!(refused("age == string(1)").contains("数值"));
    assert!(refused("timestamp('bad') > timestamp('2020-01-01T00:00:00Z')").contains("无法求值"));
    assert!(refused("household.shoe_size > 3").contains("household.shoe_size"));
    assert!(refused("[1, 2] + 'a' == [1]").contains("不能相加"));
    assert!(refused("name + 1 == 'x'").contains("不能相加"));
    assert!(refused("name - 1 > 0").contains("算术"));
    assert!(refused("age.matches('1')").contains("matches"));
    assert!(refused("name.matches(name)").contains("文字"));
    assert!(refused("frobnicate(age) > 1").contains("不是可用的函数"));
    assert!(refused("age.frob() > 1").contains("不是可用的函数"));
    assert!(refused("dyn(age) > 1").contains("不是可用的函数"));
    assert!(refused("size(age) > 0").contains("没有长度"));
    assert!(refused("name.startsWith(1)").contains("只用于文字"));
    assert!(refused("age in 'abc'").contains("须是列表"));
    assert!(refused("household > 3").contains("household.指标"));
    assert!(refused("age.x == 1").contains("没有“x”"));
    assert!(refused("has(name.x)").contains("没有“x”"));
    assert!(refused("!age").contains("不能用作条件"));
    assert!(refused("age && true").contains("不能用作条件"));
    assert!(refused("string(age) + age == 'a'").contains("不能相加"));
    for ok in [
        "age >= 60 + 5",
        "name + '先生' == '张三先生'",
        "age in [60] + [61]",
        "age >= int('60')",
        "size(name) >= 2",
        "name.startsWith('张')",
        "has(household.dibao) && household.dibao == true",
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
    // A string does not run past the end of its line: the brackets after
    // it are code to the parser (4 s of parsing each), and to the scan.
    let newline = format!("'\n{}'", "[".repeat(3_990));
    assert!(
        refused(&newline).contains("引号没有结束"),
        "{}",
        refused(&newline)
    );
    // Hidden from the scan behind a comment or a raw string, still counted.
    let hidden = format!("//'\n{}1{}", "(".repeat(40), ")".repeat(40));
    assert!(
        refused(&hidden).contains("括号嵌套"),
        "{}",
        refused(&hidden)
    );
    let raw = format!("r'\\' != name{}", ".x".repeat(300));
    assert!(refused(&raw).contains("运算符"), "{}", refused(&raw));
    // Within the limits the parser runs on its own large stack: 14 levels
    // of brackets once overflowed a worker thread's 2 MiB.
    let nested = format!("{}age > 60{}", "(".repeat(32), ")".repeat(32));
    let on_small_stack = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let dict = Dictionary::builtin().expect("dictionary");
            Expr::new(&nested, &dict, "person").is_ok()
        })
        .expect("thread")
        .join();
    assert_eq!(
        on_small_stack.ok(),
        Some(true),
        "32 levels on a 1 MiB thread"
    );
    // Long chains are refused before the parser recurses into them: at
    // 1,995 links one aborted the server with a stack overflow.
    let chain = format!("name{}", ".x".repeat(1_995));
    assert!(refused(&chain).contains("运算符"), "{}", refused(&chain));
    let sum = format!("age{} > 0", "+1".repeat(1_900));
    assert!(refused(&sum).contains("运算符"));
    let rule = crate::dictionary::Rule::compile(&chain);
    assert!(
        rule.is_err(),
        "a dictionary rule is held to the same limits"
    );
    // A decimal number is no operator; a filter of ordinary size passes.
    let ok = format!(
        "annual_income > 1.5 && ({})",
        vec!["age > 1"; 60].join(" || ")
    );
    let dict = Dictionary::builtin().expect("dictionary");
    assert!(Expr::new(&ok, &dict, "person").is_ok());
    let many: Vec<String> = (0..9).map(|i| format!("name.matches('^z{i}')")).collect();
    assert!(refused(&many.join(" || ")).contains("正则表达式"));
}
