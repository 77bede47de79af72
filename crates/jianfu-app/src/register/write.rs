//! Writing facts. One rule decides every write:
//! - a value equal to the current one is not written again (re-imports
//!   change nothing);
//! - a derived value (派生) is never overwritten; a different typed value is
//!   flagged instead;
//! - a person typing a value (手工) decides, and the old value stays in the
//!   history;
//! - a value from a file or a department that disagrees with a value from a
//!   different source becomes a conflict for a person to decide.

use super::Source;
use crate::Result;
use jianfu_store::{Current, CurrentDoc, Db, FactLogRow, NewConflict, Tx};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct WriteContext {
    pub source: Source,
    pub department_id: Option<i64>,
    pub author_id: Option<i64>,
    pub import_id: Option<i64>,
    pub valid_from: String,
    pub now_ms: i64,
}

impl WriteContext {
    /// A person typing values now (source 手工).
    pub fn manual(author: i64, today: chrono::NaiveDate) -> WriteContext {
        WriteContext {
            source: Source::Manual,
            department_id: None,
            author_id: Some(author),
            import_id: None,
            valid_from: today.format("%Y-%m-%d").to_string(),
            now_ms: jianfu_store::now_ms(),
        }
    }
}

/// Facts to record about one existing entity, in storage form.
#[derive(Debug, Clone)]
pub struct EntityWrite {
    pub entity_type: &'static str,
    pub entity_id: i64,
    /// Derived facts recorded with source 派生 in the same step.
    pub derived: Vec<(String, String)>,
    pub values: BTreeMap<String, String>,
    /// Caller's handle (e.g. the file row) to attach flags to.
    pub tag: usize,
}

/// A value not written because it contradicts a derived one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub tag: usize,
    pub element: String,
    pub typed: String,
    pub derived: String,
}

#[derive(Debug, Clone, Default)]
pub struct WriteOutcome {
    pub facts_written: usize,
    pub entities_changed: usize,
    pub conflicts: usize,
    pub flags: Vec<Flag>,
}

fn same_origin(cur: &Current, ctx: &WriteContext) -> bool {
    cur.s == ctx.source.label() && (ctx.source != Source::Shared || cur.d == ctx.department_id)
}

/// Records the writes inside `tx`. Returns what was written, flagged and
/// sent to the conflict list.
pub async fn write_entities(
    tx: &mut Tx,
    ctx: &WriteContext,
    writes: &[EntityWrite],
) -> Result<WriteOutcome> {
    let mut out = WriteOutcome::default();
    let mut by_type: BTreeMap<&str, Vec<&EntityWrite>> = BTreeMap::new();
    for w in writes {
        by_type.entry(w.entity_type).or_default().push(w);
    }
    for (entity_type, ws) in by_type {
        let ids: Vec<i64> = ws.iter().map(|w| w.entity_id).collect();
        let mut docs: HashMap<i64, CurrentDoc> = Db::current_docs(tx, entity_type, &ids).await?;
        let mut log = Vec::new();
        let mut conflicts = Vec::new();
        let mut changed_docs: Vec<i64> = Vec::new();
        let mut names: Vec<(i64, String)> = Vec::new();
        for w in ws {
            let doc = docs.entry(w.entity_id).or_default();
            let mut derived_changes = BTreeMap::new();
            for (el, v) in &w.derived {
                if doc.get(el).map(|c| &c.v) != Some(v) {
                    doc.insert(
                        el.clone(),
                        Current {
                            v: v.clone(),
                            s: Source::Derived.label().into(),
                            d: None,
                            t: ctx.now_ms,
                        },
                    );
                    derived_changes.insert(el.clone(), Some(v.clone()));
                }
            }
            let mut changes = BTreeMap::new();
            for (el, v) in &w.values {
                // A person clearing a value they typed (an undone paste)
                // retracts it; the log keeps what it was.
                if v.is_empty() && ctx.source == Source::Manual {
                    if doc.get(el).is_some_and(|c| c.s != Source::Derived.label()) {
                        doc.remove(el);
                        changes.insert(el.clone(), None);
                    }
                    continue;
                }
                match doc.get(el) {
                    Some(cur) if &cur.v == v => {}
                    Some(cur) if cur.s == Source::Derived.label() => out.flags.push(Flag {
                        tag: w.tag,
                        element: el.clone(),
                        typed: v.clone(),
                        derived: cur.v.clone(),
                    }),
                    Some(cur) if ctx.source != Source::Manual && !same_origin(cur, ctx) => {
                        if !Db::open_conflict_exists(tx, entity_type, w.entity_id, el, v).await? {
                            conflicts.push(NewConflict {
                                entity_type: entity_type.to_string(),
                                entity_id: w.entity_id,
                                element: el.clone(),
                                current_value: Some(cur.v.clone()),
                                current_source: Some(cur.s.clone()),
                                proposed_value: v.clone(),
                                proposed_source: ctx.source.label().into(),
                                department_id: ctx.department_id,
                                import_id: ctx.import_id,
                            });
                        }
                    }
                    _ => {
                        doc.insert(
                            el.clone(),
                            Current {
                                v: v.clone(),
                                s: ctx.source.label().into(),
                                d: ctx.department_id,
                                t: ctx.now_ms,
                            },
                        );
                        changes.insert(el.clone(), Some(v.clone()));
                        if el == "person.name" {
                            names.push((w.entity_id, v.clone()));
                        }
                    }
                }
            }
            if !derived_changes.is_empty() {
                out.facts_written += derived_changes.len();
                log.push(FactLogRow {
                    entity_type: entity_type.into(),
                    entity_id: w.entity_id,
                    recorded_at: ctx.now_ms,
                    valid_from: ctx.valid_from.clone(),
                    source: Source::Derived.label().into(),
                    department_id: None,
                    author_id: None,
                    import_id: ctx.import_id,
                    changes: derived_changes,
                });
            }
            if !changes.is_empty() {
                out.facts_written += changes.len();
                log.push(FactLogRow {
                    entity_type: entity_type.into(),
                    entity_id: w.entity_id,
                    recorded_at: ctx.now_ms,
                    valid_from: ctx.valid_from.clone(),
                    source: ctx.source.label().into(),
                    department_id: ctx.department_id,
                    author_id: ctx.author_id,
                    import_id: ctx.import_id,
                    changes,
                });
            }
            if log.last().is_some_and(|l| l.entity_id == w.entity_id) {
                changed_docs.push(w.entity_id);
            }
        }
        changed_docs.dedup();
        out.entities_changed += changed_docs.len();
        out.conflicts += conflicts.len();
        Db::append_facts(tx, &log).await?;
        let put: Vec<(i64, &CurrentDoc)> = changed_docs
            .iter()
            .filter_map(|id| docs.get(id).map(|d| (*id, d)))
            .collect();
        Db::put_current_docs(tx, entity_type, &put).await?;
        Db::insert_conflicts(tx, &conflicts).await?;
        for (id, name) in names {
            Db::set_person_name(
                tx,
                id,
                &name,
                &jianfu_core::dictionary::pinyin_initials(&name),
            )
            .await?;
        }
    }
    Ok(out)
}

/// Facts about an entity created in the same transaction, from one or more
/// origins (e.g. identity from 公安, 低保 from 民政).
#[derive(Debug, Clone)]
pub struct NewEntity {
    pub entity_id: i64,
    pub derived: Vec<(String, String)>,
    /// (source, department) → values.
    pub groups: Vec<(Source, Option<i64>, BTreeMap<String, String>)>,
    pub tag: usize,
}

/// One origin's values for a new entity, sorted by element code.
pub struct NewGroup<'a> {
    pub source: Source,
    pub department_id: Option<i64>,
    pub values: &'a [(&'a str, &'a str)],
}

/// A new entity's fact-log rows and current document, encoded for
/// storage. Building it needs no database, so an import builds it on the
/// thread that reads the file while the writer stores the previous chunk.
#[derive(Debug, Clone)]
pub struct EncodedEntity {
    /// Entity id 0 until [`EncodedEntity::for_entity`] sets it.
    pub logs: Vec<FactLogRow<String>>,
    pub doc: String,
    pub flags: Vec<Flag>,
    pub facts: usize,
}

impl EncodedEntity {
    pub fn for_entity(mut self, id: i64) -> EncodedEntity {
        for l in &mut self.logs {
            l.entity_id = id;
        }
        self
    }
}

/// The write rule for an entity with no facts yet: nothing can conflict.
/// Derived values come first; a typed value that contradicts one is
/// flagged and not written; a later origin's value replaces an earlier
/// one's.
pub fn encode_new_entity(
    entity_type: &str,
    ctx: &WriteContext,
    derived: &[(&str, &str)],
    groups: &[NewGroup<'_>],
    tag: usize,
) -> EncodedEntity {
    let derived_label = Source::Derived.label();
    let mut provenances: Vec<(&str, Option<i64>, i64)> = Vec::with_capacity(1 + groups.len());
    let mut doc: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    let mut logs = Vec::with_capacity(1 + groups.len());
    let mut flags = Vec::new();
    let mut facts = 0;
    let log_row = |source: Source, department_id, author_id, changes| FactLogRow {
        entity_type: entity_type.to_string(),
        entity_id: 0,
        recorded_at: ctx.now_ms,
        valid_from: ctx.valid_from.clone(),
        source: source.label().to_string(),
        department_id,
        author_id,
        import_id: ctx.import_id,
        changes,
    };
    if !derived.is_empty() {
        provenances.push((derived_label, None, ctx.now_ms));
        for (k, v) in derived {
            doc.insert(k, (v, 0));
        }
        facts += derived.len();
        logs.push(log_row(
            Source::Derived,
            None,
            None,
            jianfu_store::codec::encode_changes(
                entity_type,
                derived.iter().map(|(k, v)| (*k, Some(*v))),
            ),
        ));
    }
    for g in groups {
        let mut changes: Vec<(&str, &str)> = Vec::with_capacity(g.values.len());
        let mut prov = None;
        for (k, v) in g.values {
            match doc.get(k) {
                Some((cur, p)) if provenances[*p].0 == derived_label && cur != v => {
                    flags.push(Flag {
                        tag,
                        element: k.to_string(),
                        typed: v.to_string(),
                        derived: cur.to_string(),
                    })
                }
                Some((cur, _)) if cur == v => {}
                _ => {
                    let p = *prov.get_or_insert_with(|| {
                        provenances.push((g.source.label(), g.department_id, ctx.now_ms));
                        provenances.len() - 1
                    });
                    doc.insert(k, (v, p));
                    changes.push((k, v));
                }
            }
        }
        if !changes.is_empty() {
            facts += changes.len();
            logs.push(log_row(
                g.source,
                g.department_id,
                ctx.author_id,
                jianfu_store::codec::encode_changes(
                    entity_type,
                    changes.iter().map(|(k, v)| (*k, Some(*v))),
                ),
            ));
        }
    }
    let doc = jianfu_store::codec::encode_doc(
        entity_type,
        &provenances,
        doc.iter().map(|(k, (v, p))| (*k, *v, *p)),
    );
    EncodedEntity {
        logs,
        doc,
        flags,
        facts,
    }
}

/// Stores new entities encoded with [`encode_new_entity`].
pub async fn store_new_entities(
    tx: &mut Tx,
    entity_type: &str,
    entities: &[(i64, EncodedEntity)],
) -> Result<()> {
    let logs: Vec<&FactLogRow<String>> = entities.iter().flat_map(|(_, e)| &e.logs).collect();
    Db::append_encoded_facts(tx, &logs).await?;
    let docs: Vec<(i64, &str)> = entities
        .iter()
        .map(|(id, e)| (*id, e.doc.as_str()))
        .collect();
    Db::put_encoded_docs(tx, entity_type, &docs).await?;
    Ok(())
}

/// The fast path for entities that have no facts yet: each entity's
/// current document is built in memory and written once.
pub async fn write_new_entities(
    tx: &mut Tx,
    entity_type: &str,
    ctx: &WriteContext,
    entities: &[NewEntity],
) -> Result<WriteOutcome> {
    let mut out = WriteOutcome::default();
    let mut encoded = Vec::with_capacity(entities.len());
    for e in entities {
        let derived: Vec<(&str, &str)> = e
            .derived
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let values: Vec<Vec<(&str, &str)>> = e
            .groups
            .iter()
            .map(|(_, _, vals)| vals.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
            .collect();
        let groups: Vec<NewGroup<'_>> = e
            .groups
            .iter()
            .zip(&values)
            .map(|((source, dept, _), values)| NewGroup {
                source: *source,
                department_id: *dept,
                values,
            })
            .collect();
        let enc = encode_new_entity(entity_type, ctx, &derived, &groups, e.tag);
        out.facts_written += enc.facts;
        out.flags.extend(enc.flags.iter().cloned());
        encoded.push((e.entity_id, enc.for_entity(e.entity_id)));
    }
    out.entities_changed = encoded.len();
    store_new_entities(tx, entity_type, &encoded).await?;
    Ok(out)
}
