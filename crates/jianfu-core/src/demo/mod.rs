//! Synthetic but realistic population for the demo district. Deterministic:
//! the same seed and inputs give the same people.

pub mod history;
mod names;
mod population;

pub use population::{generate, DemoCommunity, DemoHousehold, DemoPerson, Origin, Relation};
