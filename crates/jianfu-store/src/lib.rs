//! Persistence for jianfu. This is the only crate that contains SQL.
//!
//! One code path serves SQLite and PostgreSQL through sqlx's `Any` driver.
//! Queries use `$N` placeholders, which both backends accept, and only
//! portable types (i64, f64 for burden hours, text); times are unix
//! milliseconds.

mod admissions;
mod audit;
mod backup;
pub mod codec;
mod db;
mod direct_reports;
mod elements;
mod error;
mod monitoring;
mod orgs;
mod places;
mod ratings;
mod register;
mod reports;
mod sessions;
mod surveys;
mod users;

pub use admissions::{
    AdmissionDraft, AdmissionRow, Assessment, CapRow, DecisionRow, DutyItemRow, OverrideRow,
    TypingMeasure, UsageRow,
};
pub use audit::{AuditEntry, AuditFilter, NewAuditEntry};
pub use db::{admin, now_ms, Backend, Db};
pub use direct_reports::{
    DirectReportRow, EvidenceMeta, NewDirectReport, NewEvidence, NewTypicalCase, ReportChange,
    ReportMessage, TypicalCaseRow,
};
pub use elements::{AliasScope, ElementRow, LearnedAlias};
pub use error::StoreError;
pub use monitoring::{
    ConfirmationRow, LedgerGroup, LedgerLine, LedgerScope, LedgerSum, NewConfirmation, PointRow,
    ShortLeadRow, StoredEntry, VisitRow, WarningRow,
};
pub use orgs::{OrgUnit, UnitCounts, UpsertOutcome};
pub use places::PlaceRow;
pub use ratings::{
    BadChange, BadRatingRow, FlaggedCount, NewRating, NewServiceCase, RatingCount, ServiceCaseRow,
};
pub use register::{
    ConflictRow, Current, CurrentDoc, FactLogRow, HistoryEntry, HouseholdListRow, ImportCounts,
    MemberRelation, MergeCandidateRow, NewConflict, NewImport, NewPersonRow, PersonListRow,
    RegisteredPerson, Tx,
};
pub use reports::{EntityFacts, EntityPack, NewReport, ReportRow, TaskRow};
pub use sessions::SessionRow;
pub use surveys::{AnswerRow, DemandRow, NewAnswer, NewRound, RoundRow, SubjectRow, TemplateRow};
pub use users::{NewUser, UserRow};

pub type Result<T> = std::result::Result<T, StoreError>;
