#!/usr/bin/env bash
# etlconn load reads and encodes each file on a thread of its own while the
# COPY sends what is ready (src/destinations/dw/dw_copy_pipe.c). When that
# reader fails deep into a file, after megabytes of the file were already
# sent, the load must still fail as a whole: the error names the file and
# the line, the table and the journal are as before, and the same load with
# the file repaired then goes through.
# shared-service: postgres (this test works in a database of its own)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
shared_pg cli_dw_reader_error
export DW_HOST=$PG_HOST DW_PORT=$PG_PORT DW_DATABASE=$PG_DATABASE DW_USERNAME=$PG_USERNAME DW_PASSWORD=$PG_PASSWORD
export PGPASSWORD=$PG_PASSWORD
cd "$WORK"
q() { psql -X -q -t -A -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USERNAME" -d "$PG_DATABASE" -v ON_ERROR_STOP=1 -c "$1"; }

# 60,000 rows of ~100 bytes: about 6 MiB of JSON lines, several COPY chunks.
python3 - <<'PY'
import sqlite3
c = sqlite3.connect("src.db")
c.execute("create table t (id integer, label text, pad text)")
c.execute("insert into t with recursive g(i) as (select 1 union all select i + 1 from g where i < 60000) "
          "select i, 'label ' || i, 'padding to make each line about a hundred bytes long ' || (i % 97) from g")
c.commit()
PY
"$ETLCONN" -q fetch --format jsonl --lake lake-seed --set database_path=src.db sqlite "SELECT * FROM t WHERE id <= 10" >/dev/null
"$ETLCONN" -q fetch --format jsonl --lake lake-big --set database_path=src.db sqlite "SELECT * FROM t" >/dev/null
SEED=$(find lake-seed -name '*.jsonl')
BIG=$(find lake-big -name '*.jsonl')
check "the big file spans several 1 MiB COPY chunks" test "$(stat -c %s "$BIG")" -gt 4000000
run "$ETLCONN" load --table t "$SEED"
expect_rc "seed the table" 0

# The same rows with one broken line near the end.
head -n 59990 "$BIG" > broken.jsonl
echo '{"id": 59991, "label": "cut off' >> broken.jsonl
tail -n 10 "$BIG" >> broken.jsonl
run "$ETLCONN" load --table t broken.jsonl
expect_rc "a file that breaks after megabytes were sent fails" 1
contains "the error names the file" "$ERR" "broken.jsonl"
contains "the error names the line" "$ERR" "59991"
check "the table is as before" test "$(q 'SELECT count(*) FROM t')" = 10
check "the journal is as before" test "$(q "SELECT count(*) FROM etlconn_load_journal WHERE table_name = 't'")" = 1
check "no COPY is left running" test "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %'")" = 0

# Two files in one load: the first is fine, the second breaks; neither lands.
mkdir -p two && cp "$BIG" two/a.jsonl && cp broken.jsonl two/b.jsonl
run "$ETLCONN" load --table t two/a.jsonl two/b.jsonl
expect_rc "one broken file fails the whole load" 1
check "nothing of the good file landed either" test "$(q 'SELECT count(*) FROM t')" = 10

run "$ETLCONN" load --table t "$BIG"
expect_rc "the intact file loads" 0
check "then its 60,000 rows are there beside the 10 seeded" test "$(q "SELECT count(*) || '/' || count(DISTINCT id) FROM t")" = "60010/60000"
finish
