#!/usr/bin/env bash
# SQLite -> Parquet through the CLI (the default format), checked value by
# value by two independent readers (pyarrow and DuckDB) against the source;
# `inspect`; an empty result; a kill -9 mid-write and a full disk leave no
# visible partial file.
. "$(dirname "$0")/lib.sh"
cd "$WORK"
DB="$WORK/shop.db"
sqlite3 "$DB" < "$ETLCONN_SOURCE_DIR/examples/sample/sample.sql"

run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT * FROM orders ORDER BY order_id" --lake "$WORK/lake"
expect_rc "fetch lands parquet by default" 0
PQ=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); i=r["items"][0]; assert i["format"]=="parquet", i; print(i["path"])' "$WORK/out")
check "pyarrow and duckdb read the same values as sqlite" python3 - "$DB" "$PQ" <<'PY'
import sqlite3, sys, datetime, decimal
import pyarrow.parquet as pq, duckdb
db, path = sys.argv[1], sys.argv[2]
src = sqlite3.connect(db).execute("SELECT * FROM orders ORDER BY order_id").fetchall()
t = pq.read_table(path)
assert t.num_rows == len(src) == 1000
assert str(t.schema.field("ordered_at").type) == "timestamp[us, tz=UTC]", t.schema
assert str(t.schema.field("amount").type) == "decimal128(10, 2)", t.schema
rows = t.to_pylist()
dd = duckdb.sql(f"SELECT * FROM '{path}' ORDER BY order_id").fetchall()
assert len(dd) == 1000
for s, a, d in zip(src, rows, dd):
    oid, cid, at, status, amount, disc, gift, notes, upd = s
    assert a["order_id"] == oid == d[0]
    assert a["customer_id"] == cid == d[1]
    want_at = datetime.datetime.fromisoformat(at).replace(tzinfo=datetime.timezone.utc)
    assert a["ordered_at"] == want_at and d[2] == want_at, (a["ordered_at"], d[2], want_at)
    assert a["status"] == status == d[3]
    assert a["amount"] == decimal.Decimal(f"{amount:.2f}") == d[4], (a["amount"], d[4], amount)
    assert a["discount"] == disc == d[5]
    assert a["gift"] == bool(gift) == d[6]
    assert a["notes"] == notes == d[7]
PY

run "$ETLCONN" inspect "$PQ"
expect_rc "inspect" 0
contains "inspect shows rows" "$OUT" "rows: 1000"
contains "inspect shows the decimal type" "$OUT" "DECIMAL(10,2)"
run "$ETLCONN" inspect --json "$PQ"
check "inspect --json parses and counts rows" python3 -c 'import json,sys; j=json.loads(sys.argv[1]); assert j["num_rows"]==1000' "$OUT"
check "footer carries writer, source, query and columns (read by pyarrow)" python3 - "$PQ" <<'PY'
import sys, pyarrow.parquet as pq
kv = {k.decode(): v.decode() for k, v in pq.read_metadata(sys.argv[1]).metadata.items()}
assert kv["writer"].startswith("etlconn "), kv
assert kv["etlconn.protocol"] == "sqlite" and kv["etlconn.source"] == "shop", kv
assert kv["etlconn.query"] == "SELECT * FROM orders ORDER BY order_id", kv
assert kv["etlconn.columns"].startswith("order_id:int64,customer_id:int64,ordered_at:timestamp"), kv
PY
echo "not parquet" > "$WORK/bad.parquet"
run "$ETLCONN" inspect "$WORK/bad.parquet"
expect_rc "inspect of a non-Parquet file fails" 1

for codec in zstd snappy gzip none; do
  run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT * FROM orders" --compression $codec --lake "$WORK/lake-$codec"
  expect_rc "compression $codec" 0
  P=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["path"])' "$WORK/out")
  check "duckdb reads $codec" python3 -c 'import duckdb,sys; assert duckdb.sql(f"select count(*) from \"{sys.argv[1]}\"").fetchall()[0][0]==1000' "$P"
done

# --compression-level and --parquet-threads: level 19 reaches zstd (smaller
# chunks, still read by both readers); 1 or 3 threads write the same column
# chunks (the footer differs only by run id).
for t in 1 3; do
  run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT * FROM orders ORDER BY order_id" \
    --compression-level 19 --parquet-threads $t --lake "$WORK/lake-l19-t$t"
  expect_rc "zstd level 19 with $t thread(s)" 0
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["path"])' "$WORK/out" >"$WORK/l19-t$t"
done
check "level 19 and any thread count: same chunks, smaller than level 1, read by pyarrow and duckdb" \
  python3 - "$(cat "$WORK/l19-t1")" "$(cat "$WORK/l19-t3")" "$PQ" <<'PY'
import sys, duckdb, pyarrow.parquet as pq
one, three, level1 = sys.argv[1:]
def chunks(p):
    m = pq.read_metadata(p)
    return [(m.row_group(g).column(c).total_compressed_size, m.row_group(g).column(c).compression)
            for g in range(m.num_row_groups) for c in range(m.num_columns)]
assert chunks(one) == chunks(three), (chunks(one), chunks(three))
assert sum(s for s, _ in chunks(one)) < sum(s for s, _ in chunks(level1)), (chunks(one), chunks(level1))
assert pq.read_table(one).equals(pq.read_table(level1))
assert duckdb.sql(f"select count(*) from '{one}'").fetchall()[0][0] == 1000
PY
run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT 1" --compression gzip --compression-level 12 --lake "$WORK/lake-bad"
expect_rc "gzip level 12 is a usage error" 2
contains "the error names the option, the value and the codec" "$ERR" "--compression-level 12 --compression gzip"
run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT 1" --compression snappy --compression-level 3 --lake "$WORK/lake-bad"
expect_rc "a level for snappy is a usage error" 2
contains "snappy has no levels" "$ERR" "snappy has no levels"
check "nothing was landed for the refused runs" test ! -e "$WORK/lake-bad"

run "$ETLCONN" fetch sqlite --set database_path="$DB" "SELECT * FROM orders WHERE 0" --lake "$WORK/lake-empty"
expect_rc "empty result" 0
P=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["path"])' "$WORK/out")
check "empty parquet keeps the schema for both readers" python3 - "$P" <<'PY'
import sys, duckdb, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
assert t.num_rows == 0 and t.num_columns == 9, t.schema
assert duckdb.sql(f"select count(*) from '{sys.argv[1]}'").fetchall()[0][0] == 0
PY

# kill -9 in the middle of a large write: no visible file, only (at most) a hidden temp.
BIG="$WORK/big.db"
sqlite3 "$BIG" "CREATE TABLE t(id INTEGER, s TEXT);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3000000)
  INSERT INTO t SELECT i, hex(randomblob(24)) FROM n;"
"$ETLCONN" -q fetch sqlite --set database_path="$BIG" "SELECT * FROM t" --compression none \
    --row-group-bytes 1048576 --lake "$WORK/lake-kill" >/dev/null 2>&1 &
PID=$!
for _ in $(seq 100); do
  [ -n "$(find "$WORK/lake-kill" -name '.*' -type f 2>/dev/null)" ] && break; sleep 0.05
done
sleep 0.3
kill -9 $PID 2>/dev/null; wait $PID 2>/dev/null
check "the writer was killed mid-write (a temp file existed)" test -n "$(find "$WORK/lake-kill" -name '.*' -type f)"
check "no visible parquet file after kill -9" test -z "$(find "$WORK/lake-kill" -type f ! -name '.*')"

# A full disk: a 1 MiB tmpfs (we run as root in CI; without mount rights this fails loudly).
mkdir -p "$WORK/small"
# Unmount even if the test is killed by its timeout midway.
trap 'umount "$WORK/small" 2>/dev/null; rm -rf "$WORK"' EXIT
if mount -t tmpfs -o size=1m tmpfs "$WORK/small" 2>"$WORK/mount.err"; then
  run "$ETLCONN" fetch sqlite --set database_path="$BIG" "SELECT * FROM t LIMIT 200000" --compression none --lake "$WORK/small/lake"
  expect_rc "full disk fails" 1
  contains "full disk error says so" "$ERR" "IO_NO_SPACE"
  check "full disk leaves no file at all" test "$(file_count "$WORK/small")" -eq 0
  umount "$WORK/small"
else
  bad "cannot mount a small tmpfs for the full-disk test: $(cat "$WORK/mount.err")"
fi
# ---- awkward column names (#15 class 5): repeated, empty, ',' and ':' in
# names, a BOM: the file pyarrow reads has unique names, and the columns
# metadata of the result decodes to them
run "$ETLCONN" fetch sqlite --set database_path="$DB" \
  "SELECT 1 AS a, 2 AS a, 3 AS \"\", 4 AS \"x,y:z\", 5 AS \"$(printf '\xef\xbb\xbf')b\"" --lake "$WORK/names"
expect_rc "fetch with awkward column names" 0
contains "the renaming is said once" "$ERR" "column names made unique and non-empty"
check "pyarrow reads unique, settled names; the metadata encodes them" python3 - "$WORK/out" <<'PY'
import json, sys, urllib.parse
import pyarrow.parquet as pq
item = json.load(open(sys.argv[1]))["items"][0]
t = pq.read_table(item["path"])
assert t.column_names == ["a", "a_2", "column_3", "x,y:z", "b"], t.column_names
meta = item["metadata"]["columns"]
names = [urllib.parse.unquote(c.rsplit(":", 1)[0]) for c in meta.split(",")]
assert names == t.column_names, (meta, names)
assert t.to_pylist() == [{"a": 1, "a_2": 2, "column_3": 3, "x,y:z": 4, "b": 5}]
PY
finish
