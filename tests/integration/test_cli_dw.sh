#!/usr/bin/env bash
# etlconn load and etlconn test dw against a real PostgreSQL (the run's shared one):
# every type round-trips SQLite -> lake (parquet, jsonl, csv) -> warehouse;
# re-runs change nothing (append journal, merge); replace swaps atomically;
# a load killed mid-COPY leaves table and journal as before; schema
# conflicts, bad credentials and a missing schema give clear errors.
# shared-service: postgres (this test works in a database of its own)
. "$(dirname "$0")/lib.sh"
shared_pg cli_dw
export DW_HOST=$PG_HOST DW_PORT=$PG_PORT DW_DATABASE=$PG_DATABASE DW_USERNAME=$PG_USERNAME DW_PASSWORD=$PG_PASSWORD
export PGPASSWORD=$PG_PASSWORD
cd "$WORK"
q() { psql -X -q -t -A -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USERNAME" -d "$PG_DATABASE" -v ON_ERROR_STOP=1 -c "$1"; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

run "$ETLCONN" test dw
expect_rc "test dw" 0
contains "health names the server" "$OUT" "PostgreSQL"
contains "health reports the privileges" "$OUT" "CREATE yes"

# ---- every type: SQLite -> lake -> warehouse ---------------------------------
python3 - <<'PY'
import sqlite3
c = sqlite3.connect("src.db")
c.execute("create table t (id integer primary key, flag boolean, x real, name text, raw blob, d date, "
          "ts timestamp, amount decimal(12,3), doc json)")
rows = [(1, 1, 1.5, 'héllo, "q" 😀', b'\x00\x01\xff', '2024-01-31', '2024-01-31 12:34:56.123456', '-12.345', '{"a": [1, 2.5]}'),
        (2, 0, -2.25e-7, '', b'', '1969-12-31', '1960-06-01 00:00:00', '0.000', '"s"'),
        (3, None, None, None, None, None, None, None, None),
        (4, 1, 1e300, 'line\nbreak,comma', b'x' * 10, '9999-12-31', '9999-12-31 23:59:59', '999999999.999', '{"k": "v"}')]
c.executemany("insert into t values (?,?,?,?,?,?,?,?,?)", rows)
c.commit()
PY
for f in parquet jsonl csv; do
  run "$ETLCONN" -q fetch --format $f --lake "lake-$f" --set database_path=src.db sqlite "SELECT * FROM t ORDER BY id"
  expect_rc "fetch $f" 0
  echo "$OUT" > "res-$f.json"
done
run "$ETLCONN" load --table rt_parquet lake-parquet
expect_rc "load a parquet lake directory" 0
check "parquet: 4 rows loaded" test "$(echo "$OUT" | json_field rows_loaded)" = 4
for f in jsonl csv; do
  run "$ETLCONN" load --table rt_$f "res-$f.json"
  expect_rc "load $f through its IngestionResult" 0
done
EXPECT='1|t|1.5|héllo, "q" 😀|\x0001ff|2024-01-31|2024-01-31 12:34:56.123456+00|-12.345|{"a": [1, 2.5]}
2|f|-2.25e-07||\x|1969-12-31|1960-06-01 00:00:00+00|0.000|"s"
3||||||||
4|t|1e+300|line
break,comma|\x78787878787878787878|9999-12-31|9999-12-31 23:59:59+00|999999999.999|{"k": "v"}'
for f in parquet jsonl csv; do
  got=$(q "SET TimeZone=UTC; SELECT * FROM rt_$f ORDER BY id")
  check "$f: every value round-trips unchanged" test "$got" = "$EXPECT"
  [ "$got" = "$EXPECT" ] || diff <(echo "$got") <(echo "$EXPECT")
done
check "parquet keeps the decimal's precision/scale" test "$(q "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'rt_parquet'::regclass AND attname = 'amount'")" = "numeric(12,3)"
check "types mapped (bigint, double, bool, text, bytea, date, timestamptz, jsonb)" test \
  "$(q "SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'rt_parquet'::regclass AND attnum > 0")" = \
  "bigint,boolean,double precision,text,bytea,date,timestamp with time zone,numeric(12,3),jsonb"

# ---- append is idempotent through the journal ------------------------------
run "$ETLCONN" load --table rt_parquet lake-parquet
expect_rc "re-load (append)" 0
check "re-load skips the journaled file" test "$(echo "$OUT" | json_field files_skipped)" = 1
contains "skip says why" "$OUT" "load journal"
check "re-load adds no rows" test "$(q 'SELECT count(*) FROM rt_parquet')" = 4
check "journal has one entry per file and table" test "$(q "SELECT count(*) FROM etlconn_load_journal WHERE table_name = 'rt_parquet'")" = 1

# ---- the journal is tied to the table's identity (#15 class 14) -------------
run "$ETLCONN" load --table jt lake-parquet
expect_rc "first load into jt" 0
q 'DROP TABLE jt'
run "$ETLCONN" load --table jt lake-parquet
expect_rc "re-load after the table was dropped by hand" 0
check "the dropped table's file loads again (not skipped)" test "$(echo "$OUT" | json_field files_loaded)" = 1
check "the table exists again with its rows" test "$(q 'SELECT count(*) FROM jt')" = 4
q 'DROP TABLE jt; CREATE TABLE jt (LIKE rt_parquet)'
run "$ETLCONN" load --table jt lake-parquet
expect_rc "re-load into a table recreated by hand" 0
check "the recreated table gets the rows" test "$(q 'SELECT count(*) FROM jt')" = 4
run "$ETLCONN" load --table jt lake-parquet
check "the same table again: skipped" test "$(echo "$OUT" | json_field files_skipped)" = 1
run "$ETLCONN" load --table jt --force lake-parquet
expect_rc "--force reloads" 0
check "--force loaded the journaled file again" test "$(q 'SELECT count(*) FROM jt')" = 8
check "--force keeps one journal entry per file" test "$(q "SELECT count(*) FROM etlconn_load_journal WHERE table_name = 'jt'")" = 1
# a journal written before entries carried the table's identity still skips
q "UPDATE etlconn_load_journal SET table_oid = NULL WHERE table_name = 'jt'"
run "$ETLCONN" load --table jt lake-parquet
check "an old journal entry of a standing table still skips" test "$(echo "$OUT" | json_field files_skipped)" = 1

# ---- staging left by killed loads is removed by the next load (#15 class 13) --
# A load of s3:// sources stages files in TMPDIR/etlconn-load-<pid>-XXXXXX; a
# kill -9 leaves that directory. Here the dead load's directory is made by
# hand (a pid that has exited), next to one of a live process.
mkdir -p "$WORK/tmp"
dead=$(sh -c 'echo $$')
sleep 300 & live=$!
mkdir -p "$WORK/tmp/etlconn-load-$dead-AbC123/x" "$WORK/tmp/etlconn-load-$live-XyZ789"
echo partial > "$WORK/tmp/etlconn-load-$dead-AbC123/x/part.parquet"
TMPDIR="$WORK/tmp" run "$ETLCONN" load --table jt lake-parquet
expect_rc "a load with stale staging around" 0
check "the dead load's staging directory is gone" test ! -e "$WORK/tmp/etlconn-load-$dead-AbC123"
check "a live load's staging directory is kept" test -d "$WORK/tmp/etlconn-load-$live-XyZ789"
kill $live 2>/dev/null; wait $live 2>/dev/null

# ---- awkward column names: what fetch lands, load takes (#15 class 5) -------
for f in parquet jsonl csv; do
  run "$ETLCONN" -q fetch --format $f --lake "names-$f" --set database_path=src.db sqlite \
    "SELECT 1 AS a, 2 AS a, 3 AS \"\", 4 AS \"x,y:z\", 5 AS \"p%2Cq\""
  expect_rc "fetch $f with repeated, empty and ',' ':' '%' names" 0
  echo "$OUT" > "names-$f.json"
  run "$ETLCONN" load --table "names_$f" "names-$f.json"
  expect_rc "load $f with awkward names through its IngestionResult" 0
  check "$f: the table has the settled names" test \
    "$(q "SELECT string_agg(attname, '|' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'names_$f'::regclass AND attnum > 0")" = \
    "a|a_2|column_3|x,y:z|p%2Cq"
  check "$f: the row arrived" test "$(q "SELECT a_2 + column_3 + \"x,y:z\" FROM names_$f")" = 9
done

# ---- merge ------------------------------------------------------------------
run "$ETLCONN" load --table m --mode merge --key id lake-parquet
expect_rc "merge into a new table" 0
check "merge created a primary key" test "$(q "SELECT count(*) FROM pg_index WHERE indrelid = 'm'::regclass AND indisprimary")" = 1
X1=$(q "SELECT string_agg(xmin::text, ',' ORDER BY id) FROM m")
# A NULL key (row 3's name): the file and the server's context read in
# order, "lake-parquet/... (COPY ...): ...", never "error [QUERY]: ): ...".
run "$ETLCONN" load --table mnull --mode merge --key name lake-parquet
expect_rc "merge on a key with a NULL fails" 1
lacks "a NULL-key error starts with its words, not a parenthesis" "$ERR" "]: )"
contains "a NULL-key error names the file first" "$ERR" "]: lake-parquet/"
if echo "$ERR" | grep -q "(COPY"; then
  contains "the server's context follows the file, closed" "$ERR" "lake-parquet/"
  check "the context's parenthesis is closed before the message" sh -c 'echo "$1" | grep -Eq "\(COPY [^)]*\): "' _ "$ERR"
fi
run "$ETLCONN" load --table m --mode merge --key id res-jsonl.json
expect_rc "merge the same rows from another file" 0
check "merge of identical rows rewrites nothing" test "$(q "SELECT string_agg(xmin::text, ',' ORDER BY id) FROM m")" = "$X1"
sqlite3 src.db "UPDATE t SET name = 'changed' WHERE id = 2; INSERT INTO t (id, name) VALUES (5, 'new')" 2>/dev/null || python3 -c "
import sqlite3; c=sqlite3.connect('src.db'); c.execute(\"UPDATE t SET name='changed' WHERE id=2\"); c.execute(\"INSERT INTO t (id,name) VALUES (5,'new')\"); c.commit()"
"$ETLCONN" -q fetch --format parquet --lake lake-v2 --set database_path=src.db sqlite "SELECT * FROM t ORDER BY id" >/dev/null
run "$ETLCONN" load --table m --mode merge --key id lake-v2
expect_rc "merge changed rows" 0
check "merge updated one row and inserted one" test "$(q "SELECT count(*) || ':' || max(name) FILTER (WHERE id = 2) || ':' || max(name) FILTER (WHERE id = 5) FROM m")" = "5:changed:new"
check "merge reports the affected rows" test "$(echo "$OUT" | json_field rows_affected)" = 2

# ---- replace swaps atomically -------------------------------------------------
python3 - <<'PY'
import sqlite3
c = sqlite3.connect("big.db")
c.execute("create table b (id integer, label text, v real)")
c.execute("insert into b with recursive g(i) as (select 1 union all select i + 1 from g where i < 300000) "
          "select i, 'label ' || i, i * 0.5 from g")
c.commit()
PY
"$ETLCONN" -q fetch --format parquet --lake lake-big --set database_path=big.db sqlite "SELECT * FROM b" >/dev/null
"$ETLCONN" -q fetch --format parquet --lake lake-small --set database_path=big.db sqlite "SELECT * FROM b WHERE id <= 1000" >/dev/null
run "$ETLCONN" load --table r --mode replace lake-small
expect_rc "replace into a new table" 0
( for i in $(seq 1 200); do q "SELECT count(*) FROM r" 2>&1; done ) > counts.txt &
READER=$!
for i in 1 2; do
  "$ETLCONN" -q load --table r --mode replace lake-big >/dev/null || bad "replace with the big file"
  "$ETLCONN" -q load --table r --mode replace lake-small >/dev/null || bad "replace with the small file"
done
wait $READER
check "readers only ever saw a whole table (1000 or 300000 rows)" test -z "$(grep -v -x -e 1000 -e 300000 counts.txt)"
[ -z "$(grep -v -x -e 1000 -e 300000 counts.txt)" ] || sort counts.txt | uniq -c | head
check "replace leaves the last file's rows" test "$(q 'SELECT count(*) FROM r')" = 1000
check "replace journal lists only the current file" test "$(q "SELECT count(*) FROM etlconn_load_journal WHERE table_name = 'r'")" = 1

# ---- a load killed mid-COPY changes nothing ------------------------------------
python3 - <<'PY'
import sqlite3
c = sqlite3.connect("big.db")
c.execute("create table h (id integer, label text, v real, pad text)")
c.execute("insert into h with recursive g(i) as (select 1 union all select i + 1 from g where i < 3000000) "
          "select i, 'label ' || i, i * 0.5, 'some padding text to make the rows wider ' || (i % 97) from g")
c.commit()
PY
"$ETLCONN" -q fetch --format parquet --lake lake-huge --set database_path=big.db sqlite "SELECT * FROM h" >/dev/null
"$ETLCONN" -q fetch --format parquet --lake lake-hsmall --set database_path=big.db sqlite "SELECT * FROM h WHERE id <= 1000" >/dev/null
run "$ETLCONN" load --table k lake-hsmall
expect_rc "seed the table for the kill test" 0
"$ETLCONN" -q load --table k lake-huge >/dev/null 2>&1 &
LOADER=$!
copying=no
for i in $(seq 1 200); do
  if [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %k%FROM STDIN%' AND state = 'active'")" -ge 1 ]; then copying=yes; break; fi
  sleep 0.05
done
sleep 0.3
kill -9 $LOADER 2>/dev/null
wait $LOADER 2>/dev/null
check "the load was killed while its COPY ran" test "$copying" = yes
for i in $(seq 1 100); do
  [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %k%FROM STDIN%'")" = 0 ] && break
  sleep 0.1
done
check "killed load: the table is as before" test "$(q 'SELECT count(*) FROM k')" = 1000
check "killed load: no journal entry" test "$(q "SELECT count(*) FROM etlconn_load_journal WHERE table_name = 'k'")" = 1
run "$ETLCONN" load --table k lake-huge
expect_rc "the same load run to the end" 0
check "then every row is there" test "$(q 'SELECT count(*) FROM k')" = 3001000

# ---- errors -------------------------------------------------------------------
q "CREATE TABLE conflict (id integer, flag boolean)"
run "$ETLCONN" load --table conflict lake-parquet
expect_rc "schema conflict fails" 1
contains "conflict is DATA_SCHEMA" "$ERR" "[DATA_SCHEMA]"
contains "conflict names the column and both types" "$ERR" 'column "id" is int64 in the file but integer'
check "conflict loads nothing" test "$(q 'SELECT count(*) FROM conflict')" = 0
check "conflict leaves no journal entry" test "$(q "SELECT count(*) FROM etlconn_load_journal WHERE table_name = 'conflict'")" = 0

run "$ETLCONN" load --table x --set password=DwCanary-7781 lake-parquet
expect_rc "bad password fails" 1
contains "bad password is AUTH" "$ERR" "[AUTH]"
lacks "password not in stderr" "$ERR" "DwCanary-7781"
lacks "password not in stdout" "$OUT" "DwCanary-7781"
run "$ETLCONN" test dw --set password=DwCanary-7781
expect_rc "test dw with a bad password" 1
lacks "test: password not in stdout" "$OUT" "DwCanary-7781"
lacks "test: password not in stderr" "$ERR" "DwCanary-7781"

run "$ETLCONN" load --table x --set schema=no_such_schema lake-parquet
expect_rc "missing schema fails" 1
contains "missing schema is named" "$ERR" 'schema "no_such_schema" does not exist'
run "$ETLCONN" test dw --set schema=no_such_schema
expect_rc "test dw with a missing schema is unhealthy" 1
contains "health says the schema is missing" "$OUT" 'schema "no_such_schema" does not exist'

run "$ETLCONN" load --table x --mode merge lake-parquet
expect_rc "merge without --key is a usage error" 2
run "$ETLCONN" fetch dw "SELECT 1"
expect_rc "fetch from dw is refused" 1
contains "fetch from dw says why" "$ERR" "destination"
finish
