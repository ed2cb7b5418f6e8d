#!/usr/bin/env bash
# #15 class 13: a fetch killed with kill -9 leaves ".<name>.tmp-<pid>-<hex>"
# files in the lake; the next fetch that lands in that directory removes
# the temporaries of dead processes and keeps those of live writers.
# (Extract did this already; load's side is in test_cli_dw.sh.)
. "$(dirname "$0")/lib.sh"
cd "$WORK"
DB="$WORK/big.db"
python3 - "$DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("CREATE TABLE big(id INTEGER PRIMARY KEY, pad TEXT)")
c.execute("WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 400000) "
          "INSERT INTO big SELECT i, hex(randomblob(40)) FROM g")
c.commit()
PY
temps() { find lake -name '.*.tmp-*' 2>/dev/null; }
F=(fetch sqlite --set database_path="$DB" --format jsonl --lake lake --batch-size 100 "SELECT * FROM big ORDER BY id")

"$ETLCONN" "${F[@]}" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 1000); do
  [ -n "$(temps)" ] && break
  sleep 0.01
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
check "the killed fetch left a temporary file" test -n "$(temps)"
dir=$(dirname "$(temps | head -1)")
# a live writer's temporary (this shell's sleep) must survive the tidying
sleep 300 & live=$!
touch "$dir/.other.jsonl.tmp-$live-0123456789abcdef"
run "$ETLCONN" --log-level info "${F[@]}"
expect_rc "the next fetch" 0
check "the dead fetch's temporaries are gone" test -z "$(temps | grep -v "tmp-$live-")"
check "a live writer's temporary is kept" test -e "$dir/.other.jsonl.tmp-$live-0123456789abcdef"
contains "the removal is logged" "$ERR" "left by a run (pid $pid) that was killed"
kill $live 2>/dev/null; wait $live 2>/dev/null
finish
