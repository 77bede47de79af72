//! Roles and what each may do. The web layer asks these questions; it never
//! compares role names itself.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: accounts, org tree, backups.
    Admin,
    /// 减负办: reviews, caps and monitors burden.
    Jianfuban,
    /// 部门: designs and receives reports.
    Department,
    /// 街镇: oversees its communities.
    Township,
    /// 村社区: keeps the community's base data.
    Community,
    /// 网格员: updates facts on home visits.
    Grid,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Jianfuban,
        Role::Department,
        Role::Township,
        Role::Community,
        Role::Grid,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Jianfuban => "jianfuban",
            Role::Department => "department",
            Role::Township => "township",
            Role::Community => "community",
            Role::Grid => "grid",
        }
    }

    /// Accepts the code or the Chinese label, so the CLI takes either.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == s || r.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Jianfuban => "减负办",
            Role::Department => "部门",
            Role::Township => "街镇",
            Role::Community => "村社区",
            Role::Grid => "网格员",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Jianfuban => "Burden-reduction office",
            Role::Department => "Department",
            Role::Township => "Street/Township",
            Role::Community => "Community worker",
            Role::Grid => "Grid worker",
        }
    }

    pub fn can_manage_users(self) -> bool {
        self == Role::Admin
    }

    pub fn can_read_audit(self) -> bool {
        matches!(self, Role::Admin | Role::Jianfuban)
    }

    /// Whether this role works with residents' personal data at all. County
    /// offices see aggregates; personal records stay with the grassroots.
    pub fn can_read_residents(self) -> bool {
        matches!(self, Role::Township | Role::Community | Role::Grid)
    }

    /// The grassroots (township, community, grid): those burden reaches,
    /// who file direct reports of it (直报).
    pub fn is_grassroots(self) -> bool {
        matches!(self, Role::Township | Role::Community | Role::Grid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
            assert_eq!(Role::from_code(r.label_zh()), Some(r));
        }
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn only_admin_manages_users() {
        let managers: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| r.can_manage_users())
            .collect();
        assert_eq!(managers, vec![Role::Admin]);
    }
}
