-- The household number a community's own spreadsheets use (户号/户编号),
-- so importing the same roster again finds the same household.
ALTER TABLE households ADD COLUMN ref TEXT;
CREATE UNIQUE INDEX households_unit_ref ON households(unit_id, ref);
