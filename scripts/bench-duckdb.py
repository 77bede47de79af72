"""Reference run for the 一表通 prefill benchmark (scripts/bench prefill).

Reads the persons and households that `jianfu-bench prefill` exported,
stores them as Parquet (not timed), then has DuckDB compute what jianfu
computed for every community: the roster of people 60 or older who live
alone (all its columns, households joined for the address) and the
statistical table's counts. The answers are checked against jianfu's
(jianfu.csv) before any time is reported, so the two did the same work.

Usage: bench-duckdb.py DIR   (DIR/jianfu-times.txt holds the reference date
and jianfu's district prefill seconds for the roster and the table)
"""

import sys
import time

import duckdb

out = sys.argv[1]
with open(f"{out}/jianfu-times.txt", encoding="utf-8") as f:
    on, jianfu_roster, jianfu_stat = f.read().split()
jianfu_roster, jianfu_stat = float(jianfu_roster), float(jianfu_stat)
con = duckdb.connect()
con.execute(f"SET threads TO {__import__('os').cpu_count()}")
for table in ("persons", "households"):
    con.execute(
        f"COPY (SELECT * FROM read_csv('{out}/{table}.csv', header = true, all_varchar = true)) "
        f"TO '{out}/{table}.parquet' (FORMAT parquet)"
    )

AGE = f"(CASE WHEN birth_date = '' OR birth_date IS NULL THEN NULL ELSE date_part('year', age(DATE '{on}', CAST(birth_date AS DATE))) END)"
ROSTER = f"""
SELECT p.community_id, row_number() OVER (PARTITION BY p.community_id ORDER BY CAST(p.id AS BIGINT)) AS serial,
       p.name, p.id_number, p.sex, {AGE} AS age, p.phone, h.address
FROM '{out}/persons.parquet' p LEFT JOIN '{out}/households.parquet' h ON h.id = p.household_id
WHERE {AGE} >= 60 AND p.elderly_alone = '1'
ORDER BY CAST(p.community_id AS BIGINT), serial
"""
STAT = f"""
SELECT community_id,
       count(*) AS residents,
       count(*) FILTER (WHERE {AGE} >= 60) AS c0,
       count(*) FILTER (WHERE {AGE} >= 60 AND elderly_alone = '1') AS c1,
       count(*) FILTER (WHERE disabled = '1') AS c2,
       count(*) FILTER (WHERE dibao = '1') AS c3,
       count(*) FILTER (WHERE political_status = '01') AS c4,
       count(*) FILTER (WHERE veteran = '1') AS c5
FROM '{out}/persons.parquet'
GROUP BY community_id
ORDER BY CAST(community_id AS BIGINT)
"""


def best_of(sql, runs=3):
    best, rows = None, None
    for _ in range(runs):
        t = time.perf_counter()
        rows = con.execute(sql).fetchall()
        took = time.perf_counter() - t
        best = took if best is None else min(best, took)
    return best, rows


roster_s, roster_rows = best_of(ROSTER)
stat_s, stat_rows = best_of(STAT)

expected = {}
with open(f"{out}/jianfu.csv", encoding="utf-8") as f:
    next(f)
    for line in f:
        c = line.strip().split(",")
        expected[c[0]] = [int(x) for x in c[1:]]
roster_by_community = {}
for r in roster_rows:
    roster_by_community[r[0]] = roster_by_community.get(r[0], 0) + 1
for row in stat_rows:
    community = row[0]
    want = expected.get(community)
    got = [roster_by_community.get(community, 0)] + list(row[1:])
    if want != got:
        sys.exit(f"community {community}: jianfu {want}, DuckDB {got}")
if len(stat_rows) != len(expected):
    sys.exit(f"DuckDB saw {len(stat_rows)} communities, jianfu {len(expected)}")

print(f"DuckDB {duckdb.__version__}, {len(stat_rows)} communities; the answers agree with jianfu's")
print(f"DuckDB roster (all communities, {len(roster_rows)} rows): {roster_s:.3f} s; jianfu {jianfu_roster:.3f} s; ratio {jianfu_roster / roster_s:.1f}x")
print(f"DuckDB statistical table: {stat_s:.3f} s; jianfu {jianfu_stat:.3f} s; ratio {jianfu_stat / stat_s:.1f}x")
