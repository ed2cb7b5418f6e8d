#!/usr/bin/env bash
# The gsheets connector end to end through the CLI.
# shared-service: gsheets
# Peer: tests/services/gsheets, a LOCAL STAND-IN for the Sheets API v4 and
# Google's OAuth2 JWT-bearer token endpoint (no Sheets emulator exists): it
# follows the official description (sheets.v4.json from PyPI
# google-api-python-client) and verifies the JWT's RS256 signature with the
# public half of a key pair made at its start. Not Google's server.
# Covers: a service-account fetch (credentials_file; and the key's fields as
# GSHEETS_* variables) landing Parquet checked with pyarrow (types, dates as
# timestamps, NULL trailing cells, deduplicated names), several ranges in one
# batchGet (one file per range), an API key on a public sheet, the health
# check, a wrong key (exit 1, a clear message). Canaries: the private key,
# the signed JWT, access tokens and the API key never appear in stdout,
# stderr (debug logs), results or the lake.
. "$(dirname "$0")/lib.sh"
shared_service gsheets
URL=$ETLC_TEST_GSHEETS_URL
LAKE="$WORK/lake"
ALL="$WORK/all-output"
: > "$ALL"
keep() { printf '%s\n%s\n' "$OUT" "$ERR" >> "$ALL"; }
V=(--log-level trace)
CFG="$WORK/gsheets.yaml"
printf 'protocol: gsheets\nspreadsheet_id: typed-sheet\ncredentials_file: %s\napi_base_url: %s\n' \
  "$ETLC_TEST_GSHEETS_KEY_FILE" "$URL" > "$CFG"

# ---- one range, service account
run "$ETLCONN" "${V[@]}" fetch gsheets -c "$CFG" 'Data!A1:H' --lake "$LAKE" --compact; keep
expect_rc "fetch Data!A1:H as a service account" 0
echo "$OUT" > "$WORK/r1.json"
check "typed columns, dates as timestamps, NULL trailing cells, names by the column-name rule" python3 - "$WORK/r1.json" <<'PY'
import datetime, json, sys, pyarrow.parquet as pq
r = json.load(open(sys.argv[1]))
assert r["record_count"] == 4 and len(r["items"]) == 1, r
t = pq.read_table(r["items"][0]["path"])
types = {f.name: str(f.type) for f in t.schema}
assert types == {"id": "int64", "name": "string", "price": "double", "active": "bool",
                 "joined": "timestamp[us, tz=UTC]", "note": "string", "column_7": "string",
                 "id_2": "int64"}, types
rows = t.to_pylist()
utc = datetime.timezone.utc
assert rows[0]["joined"] == datetime.datetime(2025, 1, 1, tzinfo=utc), rows[0]
assert rows[1]["joined"] == datetime.datetime(2025, 1, 1, 12, tzinfo=utc), rows[1]
assert rows[3]["joined"] == datetime.datetime(2025, 1, 3, 6, tzinfo=utc), rows[3]
assert rows[1]["note"] is None and rows[1]["column_7"] == "e2", rows[1]       # an inner empty cell
assert rows[2]["note"] is None and rows[2]["column_7"] is None and rows[2]["id_2"] is None, rows[2]
assert [x["price"] for x in rows] == [9.5, 10.0, 11.25, 12.0], rows
assert [x["active"] for x in rows] == [True, False, True, False], rows
PY

# ---- several ranges: one values:batchGet, one page file per range
run "$ETLCONN" "${V[@]}" fetch gsheets -c "$CFG" --set 'range=Data!A1:B,Other' '' --lake "$LAKE" --compact; keep
expect_rc "the configured ranges (empty QUERY) through values:batchGet" 0
echo "$OUT" > "$WORK/r2.json"
check "two files: Data's 4 rows and Other's 3" python3 - "$WORK/r2.json" <<'PY'
import json, sys, pyarrow.parquet as pq
r = json.load(open(sys.argv[1]))
assert [it["record_count"] for it in r["items"]] == [4, 3], r
a, b = (pq.read_table(it["path"]) for it in r["items"])
assert a.column_names == ["id", "name"] and b.column_names == ["k", "v"], (a.schema, b.schema)
assert b.column("v").to_pylist() == [1, 2, 3] and str(b.schema.field("v").type) == "int64"
PY

# ---- the key's fields as secrets from GSHEETS_* variables (no credentials_file)
PEM=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["private_key"])' "$ETLC_TEST_GSHEETS_KEY_FILE")
GSHEETS_PRIVATE_KEY="$PEM" GSHEETS_CLIENT_EMAIL=cli-env@standin.iam.gserviceaccount.com \
  GSHEETS_TOKEN_URI="$ETLC_TEST_GSHEETS_TOKEN_URI" GSHEETS_SPREADSHEET_ID=typed-sheet \
  GSHEETS_API_BASE_URL="$URL" run "$ETLCONN" "${V[@]}" fetch gsheets 'Other' --lake "$LAKE" --compact; keep
expect_rc "client_email + private_key + token_uri from GSHEETS_* variables" 0
contains "3 records" "$OUT" '"record_count":3'

# ---- health check
run "$ETLCONN" "${V[@]}" test gsheets -c "$CFG"; keep
expect_rc "etlconn test gsheets" 0
contains "names the spreadsheet" "$OUT$ERR" "Typed stand-in sheet"

# ---- API key on the public sheet; on a private one it is refused
APIKEY=(--set spreadsheet_id=public-sheet --set api_base_url="$URL" --set api_key="$ETLC_TEST_GSHEETS_API_KEY")
run "$ETLCONN" "${V[@]}" fetch gsheets "${APIKEY[@]}" 'Cities' --lake "$LAKE" --compact; keep
expect_rc "a public sheet with api_key" 0
echo "$OUT" > "$WORK/r3.json"
check "its rows" python3 -c "
import json,sys,pyarrow.parquet as pq; r=json.load(open(sys.argv[1]))
t=pq.read_table(r['items'][0]['path']); assert t.to_pylist()==[{'city':'Oslo','pop':709037},{'city':'Bergen','pop':291940}], t" "$WORK/r3.json"
run "$ETLCONN" "${V[@]}" fetch gsheets --set spreadsheet_id=typed-sheet --set api_base_url="$URL" \
  --set api_key="$ETLC_TEST_GSHEETS_API_KEY" 'Data' --lake "$LAKE" --compact; keep
expect_rc "the API key on a private sheet" 1
contains "says the permission is missing" "$ERR" "does not have permission"

# ---- a key the token endpoint does not know: exit 1, a clear message
run "$ETLCONN" "${V[@]}" fetch gsheets -c "$CFG" --set credentials_file="$ETLC_TEST_GSHEETS_WRONG_KEY_FILE" \
  'Data' --lake "$LAKE" --compact; keep
expect_rc "a wrong service-account key" 1
contains "names the token request" "$ERR" "gsheets: token request"
contains "with the endpoint's reason" "$ERR" "Invalid JWT Signature"

# ---- canaries: nowhere in what was printed (trace logs included) or landed
find "$LAKE" -type f -exec cat {} + >> "$ALL" 2>/dev/null
KEYLINE=$(printf '%s\n' "$PEM" | sed -n 5p)
WRONGLINE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["private_key"].splitlines()[5])' "$ETLC_TEST_GSHEETS_WRONG_KEY_FILE")
for c in "$KEYLINE" "$WRONGLINE" "ya29.standin" "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9" "$ETLC_TEST_GSHEETS_API_KEY"; do
  check "secret ${c:0:12}... never appears in output, logs, results or the lake" sh -c "! grep -aqF -- '$c' '$ALL'"
done
check "trace logs were on (the canary check saw requests)" grep -q "GET /v4/spreadsheets" "$ALL"
finish
