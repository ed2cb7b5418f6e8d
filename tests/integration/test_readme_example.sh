#!/usr/bin/env bash
# The README's "Embedding from C" example compiles against this build's
# shared library and lands the sample table, as the README says.
. "$(dirname "$0")/lib.sh"
cd "$WORK"
python3 - "$ETLCONN_SOURCE_DIR/README.md" > example.c <<'PY'
import sys
s = open(sys.argv[1]).read()
i = s.index("#include <etlconn/etlconn.h>")
print("#include <stdio.h>\n#include <stdlib.h>\n" + s[i:s.index("```", i)])
PY
SAN=$(sed -n 's/^ETLCONN_SANITIZE:STRING=//p' "$ETLCONN_BINARY_DIR/CMakeCache.txt")
FLAGS=""
[ -n "$SAN" ] && FLAGS="-fsanitize=$SAN"
check "README example compiles warnings-clean" \
  cc -std=c11 -Wall -Wextra -Werror $FLAGS -I "$ETLCONN_SOURCE_DIR/include" example.c \
     -L "$ETLCONN_BINARY_DIR" -letlconn -Wl,-rpath,"$ETLCONN_BINARY_DIR" -o example
sqlite3 shop.db < "$ETLCONN_SOURCE_DIR/examples/sample/sample.sql"
run ./example
expect_rc "README example runs" 0
check "it landed the 1000 orders as Parquet" python3 -c '
import json,sys; r=json.loads(sys.argv[1]); assert r["status"]=="success" and r["record_count"]==1000 and r["items"][0]["format"]=="parquet", r' "$OUT"
finish
