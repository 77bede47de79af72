//! The base register (一数一源): writing facts with their provenance,
//! deriving what an ID number implies, detecting conflicts between sources,
//! and reading a person's facts and history within the reader's scope.

mod conflicts;
mod derive;
mod household;
mod moves;
mod places;
mod read;
pub(crate) mod write;

pub use derive::{derived_person_facts, DERIVED_ELEMENTS};
pub(crate) use household::{heads_of, is_head_relation};
pub use household::{HouseholdListItem, HouseholdView, MemberView};
pub use moves::MergeCandidateView;
pub use places::{place_type, PlaceView};
pub(crate) use read::{mask_history, shown};
pub use read::{FactView, PersonView, ThemeGroup};
pub use write::{
    encode_new_entity, store_new_entities, write_entities, write_new_entities, EncodedEntity,
    EntityWrite, Flag, NewEntity, NewGroup, WriteContext, WriteOutcome,
};

/// Where a fact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Source {
    /// 手工: typed by a worker.
    Manual,
    /// 导入: imported from a file by a worker.
    Import,
    /// 共享: data flowing back from a department's system (数据回流).
    Shared,
    /// 派生: computed from other facts, never typed.
    Derived,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Manual => "手工",
            Source::Import => "导入",
            Source::Shared => "共享",
            Source::Derived => "派生",
        }
    }

    pub fn from_label(s: &str) -> Option<Source> {
        [
            Source::Manual,
            Source::Import,
            Source::Shared,
            Source::Derived,
        ]
        .into_iter()
        .find(|x| x.label() == s || format!("{x:?}").eq_ignore_ascii_case(s))
    }
}
