-- Aliases learned from confirmed mappings, kept where they were learned.
-- A department's correction while designing one report (姓名 → 户主姓名 in
-- a household roster) was stored globally and broke every community's
-- import. Now each alias belongs to a scope: `import` aliases to the
-- community whose import confirmed them, `design` aliases to the
-- department whose report design confirmed them; neither changes anyone
-- else's matching. The old global aliases are kept as `legacy` for the
-- 减负办 to review, and are not applied.
CREATE TABLE scoped_aliases (
    id            INTEGER PRIMARY KEY,
    scope         TEXT NOT NULL CHECK (scope IN ('import', 'design', 'legacy')),
    unit_id       INTEGER REFERENCES org_units(id),
    alias         TEXT NOT NULL,
    element_code  TEXT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    UNIQUE (scope, unit_id, alias)
);
INSERT INTO scoped_aliases (scope, unit_id, alias, element_code, created_by, created_at)
    SELECT 'legacy', NULL, alias, element_code, created_by, created_at FROM learned_aliases;
DROP TABLE learned_aliases;
