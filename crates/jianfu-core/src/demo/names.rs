//! Chinese names drawn from realistic frequencies.

use crate::id_number::Sex;
use rand::Rng;

/// Common surnames with their approximate share (per mille) in the 2020
/// census household-register statistics, with south-western weights for
/// 罗, 何, 唐, 谭 and 冉 that are common in Chongqing.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 71),
    ("李", 70),
    ("张", 67),
    ("刘", 54),
    ("陈", 54),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 18),
    ("周", 17),
    ("徐", 13),
    ("孙", 12),
    ("马", 11),
    ("朱", 11),
    ("胡", 10),
    ("郭", 10),
    ("何", 12),
    ("林", 9),
    ("罗", 12),
    ("高", 8),
    ("郑", 7),
    ("梁", 7),
    ("谢", 7),
    ("宋", 6),
    ("唐", 9),
    ("许", 5),
    ("韩", 5),
    ("冯", 5),
    ("邓", 7),
    ("曹", 5),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 5),
    ("董", 4),
    ("袁", 5),
    ("潘", 4),
    ("蒋", 5),
    ("蔡", 4),
    ("余", 5),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 4),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("钟", 3),
    ("谭", 6),
    ("陆", 2),
    ("汪", 2),
    ("范", 2),
    ("廖", 4),
    ("贾", 2),
    ("夏", 2),
    ("付", 3),
    ("方", 2),
    ("邹", 2),
    ("熊", 3),
    ("秦", 2),
    ("江", 2),
    ("雷", 2),
    ("龙", 2),
    ("陶", 2),
    ("黎", 2),
    ("向", 3),
    ("冉", 3),
    ("牟", 2),
    ("况", 1),
    ("文", 2),
    ("刁", 1),
    ("母", 1),
    ("舒", 1),
];

const MALE_OLD: &[&str] = &[
    "明", "华", "国", "建", "军", "文", "平", "德", "志", "兴", "福", "贵", "成", "林", "强", "庆",
    "云", "学", "光", "荣", "才", "万", "忠", "勇", "良", "洪", "顺", "金",
];
const FEMALE_OLD: &[&str] = &[
    "秀", "英", "兰", "芳", "珍", "凤", "玉", "华", "桂", "淑", "琼", "敏", "素", "群", "萍", "红",
    "霞", "琴", "丽", "梅", "蓉", "春", "碧", "翠", "容", "莲", "清", "惠",
];
const MALE_YOUNG: &[&str] = &[
    "浩", "宇", "子", "轩", "俊", "杰", "博", "涛", "鑫", "磊", "鹏", "晨", "睿", "泽", "阳", "一",
    "航", "凯", "文", "伟", "超", "亮", "彬", "旭", "豪", "然", "铭", "川",
];
const FEMALE_YOUNG: &[&str] = &[
    "婷", "雪", "丽", "静", "欣", "怡", "佳", "琪", "思", "雨", "梓", "涵", "萱", "悦", "诗", "雯",
    "倩", "颖", "露", "璐", "娟", "洁", "瑶", "可", "馨", "月", "语", "彤",
];

pub fn surname(rng: &mut impl Rng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|(_, w)| w).sum();
    let mut pick = rng.gen_range(0..total);
    for (s, w) in SURNAMES {
        if pick < *w {
            return s;
        }
        pick -= w;
    }
    SURNAMES[0].0
}

/// A given name of one or two characters in the style of the birth decade.
pub fn given_name(rng: &mut impl Rng, sex: Sex, birth_year: i32) -> String {
    let pool = match (sex, birth_year < 1980) {
        (Sex::Male, true) => MALE_OLD,
        (Sex::Female, true) => FEMALE_OLD,
        (Sex::Male, false) => MALE_YOUNG,
        (Sex::Female, false) => FEMALE_YOUNG,
    };
    let first = pool[rng.gen_range(0..pool.len())];
    if rng.gen_bool(0.2) {
        return first.to_string();
    }
    let mut second = pool[rng.gen_range(0..pool.len())];
    if second == first {
        second = pool[(pool.iter().position(|c| *c == first).unwrap_or(0) + 1) % pool.len()];
    }
    format!("{first}{second}")
}
