-- The dashboard sums the ledger by month, kind, department and township.
-- The rows also carry long texts (source label, working), so a scan of
-- the table reads far more than the sums need: this index holds every
-- column the sums read, and the district's 24-month dashboard is answered
-- from it alone (docs/benchmarks.md, 监测 dashboard).
CREATE INDEX ledger_cover ON ledger_entries (month, kind, department_id, township_id, unit_id, items, minutes, provenance, admitted, in_plan, cells_prefilled, cells_typed);
