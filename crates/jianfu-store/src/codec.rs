//! How facts are written into the register's two JSON columns: the fact
//! log's `changes` and the current document.
//!
//! Element codes are stored without their entity prefix (`person.name` is
//! stored as `name`): the row already names the entity type, and the prefix
//! on 23 values in two columns was a sixth of what a person costs on disk.
//! A key that still carries a dot is read as a full code, so documents
//! written before this encoding, or a code of another entity type, read
//! back unchanged.
//!
//! Encoding is hand-written rather than serde because it runs once per
//! imported row on the hot path and must not allocate per value; decoding
//! uses serde.

use crate::register::{Current, CurrentDoc};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Where a value came from: source label, sharing department, time (unix ms).
pub type Provenance<'a> = (&'a str, Option<i64>, i64);

/// The key an element code is stored under for this entity type.
pub fn short_key<'a>(entity_type: &str, code: &'a str) -> &'a str {
    code.strip_prefix(entity_type)
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or(code)
}

/// The element code a stored key stands for.
pub fn full_key(entity_type: &str, key: String) -> String {
    if key.contains('.') {
        key
    } else {
        format!("{entity_type}.{key}")
    }
}

/// Appends `s` as a JSON string literal.
fn push_str_literal(out: &mut String, s: &str) {
    out.push('"');
    // Almost every value needs no escaping: copy it whole.
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn push_opt_i64(out: &mut String, v: Option<i64>) {
    match v {
        Some(n) => out.push_str(itoa::Buffer::new().format(n)),
        None => out.push_str("null"),
    }
}

/// `changes` of a fact-log row: element → new value (`None` retracts it).
pub fn encode_changes<'a>(
    entity_type: &str,
    changes: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> String {
    let mut out = String::with_capacity(256);
    out.push('{');
    for (i, (code, value)) in changes.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_str_literal(&mut out, short_key(entity_type, code));
        out.push(':');
        match value {
            Some(v) => push_str_literal(&mut out, v),
            None => out.push_str("null"),
        }
    }
    out.push('}');
    out
}

pub fn decode_changes(
    entity_type: &str,
    text: &str,
) -> Result<BTreeMap<String, Option<String>>, String> {
    let raw: BTreeMap<String, Option<String>> =
        serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| (full_key(entity_type, k), v))
        .collect())
}

/// A current document: each distinct provenance once (`p`), and each value
/// with the index of its provenance (`v`). A person has 20-odd values but
/// two or three provenances.
pub fn encode_doc<'a>(
    entity_type: &str,
    provenances: &[Provenance<'_>],
    values: impl IntoIterator<Item = (&'a str, &'a str, usize)>,
) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("{\"p\":[");
    for (i, (source, dept, t)) in provenances.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        push_str_literal(&mut out, source);
        out.push(',');
        push_opt_i64(&mut out, *dept);
        out.push(',');
        out.push_str(itoa::Buffer::new().format(*t));
        out.push(']');
    }
    out.push_str("],\"v\":{");
    for (i, (code, value, prov)) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_str_literal(&mut out, short_key(entity_type, code));
        out.push_str(":[");
        push_str_literal(&mut out, value);
        out.push(',');
        out.push_str(itoa::Buffer::new().format(prov));
        out.push(']');
    }
    out.push_str("}}");
    out
}

/// [`encode_doc`] for a document held as a map.
pub fn encode_current_doc(entity_type: &str, doc: &CurrentDoc) -> String {
    let mut provenances: Vec<Provenance<'_>> = Vec::with_capacity(4);
    let mut values = Vec::with_capacity(doc.len());
    for (code, c) in doc {
        let key = (c.s.as_str(), c.d, c.t);
        let idx = match provenances.iter().position(|p| *p == key) {
            Some(i) => i,
            None => {
                provenances.push(key);
                provenances.len() - 1
            }
        };
        values.push((code.as_str(), c.v.as_str(), idx));
    }
    encode_doc(entity_type, &provenances, values)
}

#[derive(Deserialize)]
struct DocIn {
    p: Vec<(String, Option<i64>, i64)>,
    v: BTreeMap<String, (String, usize)>,
}

pub fn decode_doc(entity_type: &str, text: &str) -> Result<CurrentDoc, String> {
    let d: DocIn = serde_json::from_str(text).map_err(|e| e.to_string())?;
    d.v.into_iter()
        .map(|(k, (v, i))| {
            let (s, dept, t) =
                d.p.get(i)
                    .cloned()
                    .ok_or_else(|| format!("来源序号 {i} 越界"))?;
            Ok((full_key(entity_type, k), Current { v, s, d: dept, t }))
        })
        .collect()
}

#[derive(Deserialize)]
struct ValuesIn {
    v: HashMap<String, (String, usize)>,
}

/// Only the values of a current document, by full element code: what a
/// report reads for each of thousands of entities, without provenance.
pub fn decode_values(entity_type: &str, text: &str) -> Result<HashMap<String, String>, String> {
    let d: ValuesIn = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(d.v
        .into_iter()
        .map(|(k, (v, _))| (full_key(entity_type, k), v))
        .collect())
}

/// The elements a reader wants from current documents: each stored key
/// (short, or full as older documents have it) → the full element code.
///
/// A list, not a hash map: it is asked about every key of every document
/// of a district, it holds a dozen keys, and comparing lengths first
/// rejects almost all of them without hashing anything.
#[derive(Debug, Clone, Default)]
pub struct Wanted(Vec<(String, String)>);

impl Wanted {
    pub fn new<'a>(entity_type: &str, codes: impl IntoIterator<Item = &'a str>) -> Wanted {
        let mut m: Vec<(String, String)> = Vec::new();
        for code in codes {
            for key in [short_key(entity_type, code), code] {
                if m.iter().all(|(k, _)| k != key) {
                    m.push((key.to_string(), code.to_string()));
                }
            }
        }
        Wanted(m)
    }

    fn get(&self, key: &str) -> Option<&String> {
        self.0
            .iter()
            .find(|(k, _)| k.len() == key.len() && k == key)
            .map(|(_, code)| code)
    }
}

/// A map key, borrowed from the text unless it had to be unescaped.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Reads the `v` object of a document, keeping only wanted values.
struct SelectedValues<'w>(&'w Wanted);

impl<'de> serde::de::DeserializeSeed<'de> for SelectedValues<'_> {
    type Value = HashMap<String, String>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for SelectedValues<'_> {
    type Value = HashMap<String, String>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the values of a document")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = HashMap::new();
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            match self.0.get(k.as_ref()) {
                Some(code) => {
                    let (v, _): (String, serde::de::IgnoredAny) = map.next_value()?;
                    out.insert(code.clone(), v);
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// Reads a whole document, keeping only wanted values of its `v`.
struct SelectedDoc<'w>(&'w Wanted);

impl<'de> serde::de::Visitor<'de> for SelectedDoc<'_> {
    type Value = HashMap<String, String>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a current document")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = None;
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            if k == "v" {
                out = Some(map.next_value_seed(SelectedValues(self.0))?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        out.ok_or_else(|| serde::de::Error::missing_field("v"))
    }
}

/// [`decode_values`] of only the wanted elements. A report reads a handful
/// of a person's twenty-odd values; the rest are skipped without being
/// copied, which is most of the cost of reading a district.
pub fn decode_selected(text: &str, wanted: &Wanted) -> Result<HashMap<String, String>, String> {
    // Documents are written by `encode_doc` in one shape; reading that
    // shape directly costs a third of a general JSON parse. Anything else
    // (an escape, an older layout, damage) is read by serde.
    if let Some(v) = scan_selected(text, wanted) {
        return Ok(v);
    }
    decode_selected_serde(text, wanted)
}

/// The text of a JSON string starting after its opening quote, and the
/// index after its closing quote; `None` if it holds an escape. The quotes
/// are ASCII, so the text between them is whole characters.
fn plain_string(t: &str, start: usize) -> Option<(&str, usize)> {
    let b = t.as_bytes();
    let len = b
        .get(start..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\')?;
    let end = start + len;
    (b[end] == b'"').then_some((t.get(start..end)?, end + 1))
}

/// Reads `{"p":[...],"v":{"k":["value",n],...}}` as `encode_doc` writes
/// it, with no whitespace and no escapes. `None` for anything else.
fn scan_selected(t: &str, wanted: &Wanted) -> Option<HashMap<String, String>> {
    let b = t.as_bytes();
    let mut i = b.strip_prefix(b"{\"p\":[".as_slice()).map(|_| 6)?;
    // The provenances: arrays of a string, a number or null, a number.
    // Skipping them only needs their strings read whole and the brackets
    // counted.
    let mut depth = 1;
    while depth > 0 {
        match *b.get(i)? {
            b'"' => i = plain_string(t, i + 1)?.1,
            b'[' => {
                depth += 1;
                i += 1;
            }
            b']' => {
                depth -= 1;
                i += 1;
            }
            b'{' | b'}' => return None,
            _ => i += 1,
        }
    }
    i = i + b
        .get(i..)?
        .strip_prefix(b",\"v\":{".as_slice())
        .map(|_| 6)?;
    let mut out = HashMap::new();
    if *b.get(i)? == b'}' {
        return (b.get(i + 1..)? == b"}").then_some(out);
    }
    loop {
        if *b.get(i)? != b'"' {
            return None;
        }
        let (key, next) = plain_string(t, i + 1)?;
        i = next;
        if b.get(i..i + 3)? != b":[\"" {
            return None;
        }
        let (value, next) = plain_string(t, i + 3)?;
        i = next;
        if *b.get(i)? != b',' {
            return None;
        }
        i += 1;
        while b.get(i)?.is_ascii_digit() {
            i += 1;
        }
        if *b.get(i)? != b']' {
            return None;
        }
        i += 1;
        if let Some(code) = wanted.get(key) {
            out.insert(code.clone(), value.to_string());
        }
        match *b.get(i)? {
            b',' => i += 1,
            b'}' => return (b.get(i + 1..)? == b"}").then_some(out),
            _ => return None,
        }
    }
}

fn decode_selected_serde(text: &str, wanted: &Wanted) -> Result<HashMap<String, String>, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = serde::Deserializer::deserialize_map(&mut de, SelectedDoc(wanted))
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(v: &str, s: &str, d: Option<i64>) -> Current {
        Current {
            v: v.into(),
            s: s.into(),
            d,
            t: 1_700_000_000_000,
        }
    }

    #[test]
    fn documents_round_trip_with_short_keys() {
        let mut doc = CurrentDoc::new();
        doc.insert("person.name".into(), cur("张三", "导入", None));
        doc.insert("person.sex".into(), cur("1", "派生", None));
        doc.insert("person.low_income".into(), cur("1", "共享", Some(7)));
        doc.insert("household.size".into(), cur("3", "派生", None));
        let text = encode_current_doc("person", &doc);
        assert!(text.contains("\"name\":[\"张三\""), "{text}");
        assert!(!text.contains("person."), "{text}");
        assert!(text.contains("\"household.size\""), "{text}");
        // Each provenance is stored once, however many values share it.
        assert_eq!(text.matches("导入").count(), 1, "{text}");
        assert_eq!(decode_doc("person", &text).unwrap(), doc);
        // Serde reads what the hand-written encoder wrote as valid JSON.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["p"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn documents_written_with_full_codes_still_read() {
        let old = r#"{"p":[["导入",null,1]],"v":{"person.name":["李四",0]}}"#;
        let doc = decode_doc("person", old).unwrap();
        assert_eq!(doc["person.name"].v, "李四");
        assert!(decode_doc("person", r#"{"p":[],"v":{"x":["1",0]}}"#).is_err());
    }

    #[test]
    fn selected_values_match_the_full_decode() {
        let mut doc = CurrentDoc::new();
        doc.insert("person.name".into(), cur("张\"三\\", "导入", None));
        doc.insert("person.sex".into(), cur("1", "派生", None));
        doc.insert("person.note".into(), cur("\"sex\":[\"2\",0]", "手工", None));
        doc.insert("household.size".into(), cur("3", "派生", None));
        let text = encode_current_doc("person", &doc);
        let all = decode_values("person", &text).unwrap();
        let wanted = Wanted::new(
            "person",
            [
                "person.name",
                "person.sex",
                "household.size",
                "person.absent",
            ],
        );
        let some = decode_selected(&text, &wanted).unwrap();
        assert_eq!(some.len(), 3, "{some:?}");
        for (k, v) in &some {
            assert_eq!(all.get(k), Some(v), "{k}");
        }
        // Documents written with full codes read the same.
        let old = r#"{"p":[["导入",null,1]],"v":{"person.name":["李四",0],"person.sex":["2",0]}}"#;
        let some = decode_selected(old, &Wanted::new("person", ["person.sex"])).unwrap();
        assert_eq!(some["person.sex"], "2");
        assert_eq!(some.len(), 1);
        assert!(decode_selected("{\"p\":[]}", &wanted).is_err());
        assert!(decode_selected("{\"v\":{}} x", &wanted).is_err());
    }

    #[test]
    fn the_fast_reader_agrees_with_serde() {
        let mut doc = CurrentDoc::new();
        doc.insert("person.name".into(), cur("张三", "导入", None));
        doc.insert("person.sex".into(), cur("1", "派生", None));
        doc.insert("person.phone".into(), cur("13800000000", "共享", Some(12)));
        doc.insert("household.size".into(), cur("3", "派生", None));
        let wanted = Wanted::new("person", ["person.name", "person.phone", "household.size"]);
        let text = encode_current_doc("person", &doc);
        // Three provenances, so the reader has skipped nested arrays.
        assert_eq!(text.matches("],[").count(), 2, "{text}");
        let fast = scan_selected(&text, &wanted).expect("the encoder's shape");
        assert_eq!(fast, decode_selected_serde(&text, &wanted).unwrap());
        assert_eq!(fast.len(), 3);
        // An escape anywhere, another layout or damage: serde reads it.
        let mut escaped = doc.clone();
        escaped.insert("person.note".into(), cur("a\"b", "手工", None));
        let text = encode_current_doc("person", &escaped);
        assert!(scan_selected(&text, &wanted).is_none());
        assert_eq!(decode_selected(&text, &wanted).unwrap().len(), 3);
        let spaced = r#"{"p": [["导入",null,1]], "v": {"name": ["李四", 0]}}"#;
        assert!(scan_selected(spaced, &wanted).is_none());
        assert_eq!(
            decode_selected(spaced, &wanted).unwrap()["person.name"],
            "李四"
        );
        for broken in [
            r#"{"p":[["导入",null,1]],"v":{"name":["李四",0]}"#,
            r#"{"p":[["导入",null,1]],"v":{"name":["李四",0]}}x"#,
            r#"{"p":[["导入",null,1]],"v":{"name":["李四"]}}"#,
            r#"{"p":[["导入",null,1],"v":{}}"#,
            "",
        ] {
            assert!(scan_selected(broken, &wanted).is_none(), "{broken}");
            assert!(decode_selected(broken, &wanted).is_err(), "{broken}");
        }
        let empty = r#"{"p":[],"v":{}}"#;
        assert_eq!(scan_selected(empty, &wanted), Some(HashMap::new()));
        // Every prefix of a valid document is rejected, never misread.
        let text = encode_current_doc("person", &doc);
        for cut in 0..text.len() {
            if text.is_char_boundary(cut) {
                assert!(scan_selected(&text[..cut], &wanted).is_none());
            }
        }
    }

    #[test]
    fn strings_are_escaped() {
        let nasty = "a\"b\\c\nd\u{1}e 住址";
        let text = encode_changes("person", [("person.note", Some(nasty)), ("person.x", None)]);
        let back = decode_changes("person", &text).unwrap();
        assert_eq!(back["person.note"].as_deref(), Some(nasty));
        assert_eq!(back["person.x"], None);
    }
}
