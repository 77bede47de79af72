-- Search by name is `name LIKE '%…%'` and by initials a case-insensitive
-- prefix, scoped by unit: the planner always goes through persons_unit and
-- never used these two indexes, while every import paid two random B-tree
-- inserts per person for them.
DROP INDEX IF EXISTS persons_name;
DROP INDEX IF EXISTS persons_initials;
