//! How far a round has got, for the office: two counts, never names. A
//! reminder reaches each rater through its own home page ("评价待作答"),
//! which reads only that rater's participation, so nobody is listed as
//! late to anyone.

use super::RoundView;
use crate::{App, CurrentUser, Result};
use jianfu_core::role::Role;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct RoundProgress {
    /// Accounts that have handed in at least one form (one department of
    /// a reverse assessment is enough).
    pub answered: i64,
    /// Accounts asked: active accounts of the round's roles (for a reverse
    /// assessment, those with departments to rate).
    pub asked: i64,
    /// Answered over asked, in whole percent.
    pub percent: i64,
    /// Fewer than k are asked: the counts would say who has answered, so
    /// they are not shown (and are zero here).
    pub hidden: bool,
}

impl App {
    /// The office's view of a round's progress; None for anyone else,
    /// since a count is still a hint a department could use against a
    /// small township.
    pub async fn round_progress(
        &self,
        actor: &CurrentUser,
        round: &RoundView,
    ) -> Result<Option<RoundProgress>> {
        if !matches!(actor.role, Role::Jianfuban | Role::Admin) {
            return Ok(None);
        }
        let (answered, asked) = self
            .db
            .round_progress(round.id, &round.roles.join(","), round.is_reverse())
            .await?;
        if asked < round.k {
            return Ok(Some(RoundProgress {
                answered: 0,
                asked: 0,
                percent: 0,
                hidden: true,
            }));
        }
        let percent = (answered * 100 + asked / 2) / asked.max(1);
        Ok(Some(RoundProgress {
            answered,
            asked,
            percent,
            hidden: false,
        }))
    }
}
