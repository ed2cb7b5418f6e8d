#!/usr/bin/env bash
# The options tables in docs/connectors/<protocol>.md match the code
# (regenerate with scripts/gen-connector-docs.sh), and every built-in
# connector has a page.
. "$(dirname "$0")/lib.sh"
for p in $("$ETLCONN" protocols --json | python3 -c '
import json,sys
for x in json.load(sys.stdin):
    if x["built_in"] and not x["plugin"]: print(x["name"])'); do
  page="$ETLCONN_SOURCE_DIR/docs/connectors/$p.md"
  check "$p has a docs page" test -f "$page"
  want=$("$ETLCONN" options "$p" --markdown)
  have=$(sed -n '/<!-- options:begin/,/<!-- options:end -->/p' "$page" 2>/dev/null | sed '1d;$d')
  check "$p docs options table is current (run scripts/gen-connector-docs.sh)" test "$want" = "$have"
done
finish
