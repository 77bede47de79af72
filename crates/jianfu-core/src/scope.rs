//! Org-unit scope. Every unit stores its materialised path of ancestor ids,
//! `/1/4/27/`, so "is X inside the subtree of S" is a prefix test that needs
//! no recursive query and cannot be fooled by ids that share digits.

/// Path of a child unit given its parent's path and its own id.
pub fn child_path(parent_path: Option<&str>, id: i64) -> String {
    match parent_path {
        Some(p) => format!("{p}{id}/"),
        None => format!("/{id}/"),
    }
}

/// True when the unit at `unit_path` is the scope unit or lies below it.
pub fn contains(scope_path: &str, unit_path: &str) -> bool {
    !scope_path.is_empty() && scope_path.ends_with('/') && unit_path.starts_with(scope_path)
}

/// Ids of the units on a path, root first.
pub fn ancestors(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtree_test_is_exact_on_id_boundaries() {
        assert!(contains("/1/4/", "/1/4/"));
        assert!(contains("/1/4/", "/1/4/27/"));
        assert!(!contains("/1/4/", "/1/42/"));
        assert!(!contains("/1/4/27/", "/1/4/"));
        assert!(!contains("", "/1/"));
    }

    #[test]
    fn paths_compose() {
        let root = child_path(None, 1);
        let leaf = child_path(Some(&root), 17);
        assert_eq!(leaf, "/1/17/");
        assert_eq!(ancestors(&leaf), vec![1, 17]);
    }
}
