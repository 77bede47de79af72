//! Pure domain logic for jianfu: no I/O, no database, no HTTP.
//!
//! Everything here is deterministic and unit-tested next to the code, so the
//! store and web layers can rely on it without re-checking.

pub mod admission;
pub mod calendar;
pub mod csv_safe;
pub mod demo;
pub mod dictionary;
pub mod direct_report;
pub mod divisions;
pub mod forms;
pub mod id_number;
pub mod mask;
pub mod monitoring;
pub mod org;
pub mod rating;
pub mod reports;
pub mod role;
pub mod scope;
pub mod survey;
pub mod text;
