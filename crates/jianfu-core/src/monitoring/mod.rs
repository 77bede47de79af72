//! 监测: the burden that actually reaches each community, month by month,
//! and the rules that warn when it rebounds (反弹预警).
//!
//! - `month` — calendar months as the ledger keys them (`2026-11`).
//! - `ledger` — how each thing the system knows (an admitted demand, a
//!   filled report task, an unnumbered demand a community flagged, what a
//!   monitoring point reported) becomes ledger entries: one per community,
//!   month, department and kind, with minutes and their provenance
//!   (measured, estimated, reported) and the source it came from.
//! - `warnings` — the rebound rules over the ledger, each with its name,
//!   evidence and source, like the 准入 findings.
//! - `settings` — the thresholds the 减负办 tunes.

pub mod ledger;
pub mod month;
pub mod settings;
pub mod warnings;

pub use ledger::{BurdenKind, LedgerEntry, Provenance, SourceRef};
pub use month::Month;
pub use settings::MonitoringSettings;
pub use warnings::{Warning, WARNING_RULES};
