#!/usr/bin/env bash
# One run at a time per checkpoint: two, then three `etlconn extract` runs
# of one extraction (SQLite source, local lake, checkpoint in the lake)
# started together, 20 rounds each with new rows before each (#15 class 11).
# Every losing run exits 1 naming a run that holds the checkpoint; the lake,
# read back with pyarrow and DuckDB, holds every row of the table exactly
# once (count, keys and a checksum of every value). Then rounds with --wait:
# every run succeeds, one after the other, and still nothing twice.
. "$(dirname "$0")/lib.sh"
CHK="python3 $ETLCONN_SOURCE_DIR/tests/integration/extract_check.py"
cd "$WORK"
DB="$WORK/src.db"
$CHK sqlite "$DB" "CREATE TABLE ev(id INTEGER PRIMARY KEY, wm INTEGER NOT NULL, name TEXT, amount REAL);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 50000)
  INSERT INTO ev SELECT i, i / 7, 'n' || i, i * 0.25 FROM g;"
XARGS=(extract sqlite --set database_path="$DB" --table ev --watermark wm --key id --lake lake --batch-size 5000 --compact)

# Both runs of a round: exit codes and pids, stderr kept per run.
round() { # round N [extra options]
  local n=$1; shift
  "$ETLCONN" "${XARGS[@]}" "$@" >"a$n.out" 2>"a$n.err" & local pa=$!
  "$ETLCONN" "${XARGS[@]}" "$@" >"b$n.out" 2>"b$n.err" & local pb=$!
  wait $pa; echo "$? $pa" > "a$n.rc"
  wait $pb; echo "$? $pb" > "b$n.rc"
}

next=50000
contended=0 both_ok=0 wrong=0
for n in $(seq 1 20); do
  $CHK sqlite "$DB" "WITH RECURSIVE g(i) AS (SELECT $((next + 1)) UNION ALL SELECT i+1 FROM g WHERE i < $((next + 2000)))
    INSERT INTO ev SELECT i, i / 7, 'r$n-' || i, i * 0.5 FROM g;"
  next=$((next + 2000))
  round "$n"
  read -r rca pida < "a$n.rc"; read -r rcb pidb < "b$n.rc"
  if [ "$rca" = 0 ] && [ "$rcb" = 0 ]; then
    both_ok=$((both_ok + 1))   # one ran after the other: the second found nothing new
  elif [ "$rca" = 0 ] && [ "$rcb" = 1 ] && grep -q "BUSY.*held by etlconn extract (pid $pida on" "b$n.err"; then
    contended=$((contended + 1))
  elif [ "$rcb" = 0 ] && [ "$rca" = 1 ] && grep -q "BUSY.*held by etlconn extract (pid $pidb on" "a$n.err"; then
    contended=$((contended + 1))
  else
    wrong=$((wrong + 1))
    echo "round $n: exits $rca/$rcb (pids $pida/$pidb)"; cat "a$n.err" "b$n.err"
  fi
done
echo "20 rounds: $contended with one run refused, $both_ok with both running in turn, $wrong otherwise"
check "every round: one run lands, the other ran after it or exited 1 naming the holder's pid" test "$wrong" -eq 0
check "the runs really met (at least 10 of 20 rounds refused one)" test "$contended" -ge 10
check "a refused run said which checkpoint" grep -qh "checkpoint lake/_checkpoints/sqlite/src/.*is in use by another run" ./*.err

verify() { # verify WHAT: the lake's rows = the table's, once, value for value
  check "$1" python3 - "$DB" lake <<'EOF'
import glob, hashlib, sqlite3, sys
import duckdb, pyarrow.parquet as pq
db, lake = sys.argv[1], sys.argv[2]
files = sorted(f for f in glob.glob(lake + "/**/*.parquet", recursive=True) if "/_checkpoints/" not in f)
def digest(rows):
    h = hashlib.sha256()
    for r in sorted(rows):
        h.update(repr(r).encode())
    return h.hexdigest()
src = sqlite3.connect(db).execute("SELECT id, wm, name, amount FROM ev").fetchall()
arrow = []
for f in files:
    t = pq.read_table(f)
    arrow += list(zip(*(t.column(c).to_pylist() for c in ("id", "wm", "name", "amount"))))
duck = duckdb.sql("SELECT id, wm, name, amount FROM read_parquet(%r)" % files).fetchall() if files else []
ids = [r[0] for r in arrow]
print(f"table {len(src)} rows; lake {len(files)} files, {len(arrow)} rows (pyarrow), {len(duck)} (DuckDB), "
      f"{len(ids) - len(set(ids))} duplicated keys")
assert len(ids) == len(set(ids)), "a row landed twice"
assert digest(arrow) == digest(src), "pyarrow: the lake's rows differ from the table's"
assert digest(duck) == digest(src), "DuckDB: the lake's rows differ from the table's"
EOF
}
verify "after 20 contended rounds the lake holds the table exactly once (pyarrow and DuckDB)"

# ---- three runs at once, 20 rounds: any of the others may hold the checkpoint
round3() { # round3 N
  local n=$1 p=() k
  for k in a b c; do "$ETLCONN" "${XARGS[@]}" >"$k$n.out" 2>"$k$n.err" & p+=($!); done
  local i=0
  for k in a b c; do wait "${p[$i]}"; echo "$? ${p[$i]}" > "$k$n.rc"; i=$((i + 1)); done
}
wrong3=0 refused3=0
for n in $(seq 101 120); do
  $CHK sqlite "$DB" "WITH RECURSIVE g(i) AS (SELECT $((next + 1)) UNION ALL SELECT i+1 FROM g WHERE i < $((next + 1500)))
    INSERT INTO ev SELECT i, i / 7, 't$n-' || i, i * 0.5 FROM g;"
  next=$((next + 1500))
  round3 "$n"
  pids=$(cat a$n.rc b$n.rc c$n.rc | cut -d' ' -f2 | paste -sd'|')
  oks=0
  for k in a b c; do
    read -r rc _ < "$k$n.rc"
    if [ "$rc" = 0 ]; then oks=$((oks + 1))
    elif [ "$rc" = 1 ] && grep -Eq "BUSY.*held by etlconn extract \(pid ($pids) on" "$k$n.err"; then refused3=$((refused3 + 1))
    else wrong3=$((wrong3 + 1)); echo "round $n run $k: exit $rc"; cat "$k$n.err"; fi
  done
  [ "$oks" -ge 1 ] || { wrong3=$((wrong3 + 1)); echo "round $n: no run landed"; }
done
echo "20 three-way rounds: $refused3 runs refused, $wrong3 wrong"
check "three at once: every run lands, ran in turn, or exits 1 naming a holder" test "$wrong3" -eq 0
check "three at once: the runs really met (at least 10 refusals)" test "$refused3" -ge 10
verify "after 20 three-way rounds the lake holds the table exactly once (pyarrow and DuckDB)"

# ---- waiting instead of failing: both runs succeed, in turn
waited=0
for n in 21 22 23; do
  $CHK sqlite "$DB" "WITH RECURSIVE g(i) AS (SELECT $((next + 1)) UNION ALL SELECT i+1 FROM g WHERE i < $((next + 3000)))
    INSERT INTO ev SELECT i, i / 7, 'w$n-' || i, i * 0.5 FROM g;"
  next=$((next + 3000))
  round "$n" --wait 60s
  read -r rca _ < "a$n.rc"; read -r rcb _ < "b$n.rc"
  [ "$rca" = 0 ] && [ "$rcb" = 0 ] && waited=$((waited + 1))
done
check "with --wait both runs of each round succeed" test "$waited" -eq 3
check "with --wait one run of a round lands the new rows, the other none" \
  test "$(cat a2[123].out b2[123].out | grep -c '"record_count":3000')" -eq 3
verify "after the waiting rounds the lake still holds the table exactly once"

run "$ETLCONN" extract sqlite --set database_path="$DB" --table ev --watermark wm --key id --lake lake --wait soon
expect_rc "a bad --wait is a usage error" 2
contains "--wait error explains the form" "$ERR" "must be a duration"
finish
