#!/usr/bin/env bash
# The http (REST) connector end to end through the CLI.
# shared-service: jsonserver
# Real peer: json-server (npm), started once per run by tests/services/jsonserver:
# Link-header, offset and page pagination of real REST collections landing
# Parquet (checked with pyarrow), max_pages and resume, incremental reads, a
# raw body as a bytes item, a 404, the health check.
# Where no real server offers the behaviour (an OAuth2 token endpoint, cursor
# and next-URL pagination in the body, a looping cursor, 429-then-200 with
# Retry-After, basic auth, an API key in the query) the test starts a
# SCRIPTED STAND-IN, tests/integration/http_sequence_peer.py: not a real API.
# Canaries: client_secret, OAuth2 tokens, bearer token, basic password and
# API key never appear in stdout, stderr (debug logs), results or the lake.
. "$(dirname "$0")/lib.sh"
shared_service jsonserver
JS=$ETLC_TEST_JSONSERVER_URL
LAKE="$WORK/lake"
ALL="$WORK/all-output"   # everything printed, for the canary check
: > "$ALL"
keep() { printf '%s\n%s\n' "$OUT" "$ERR" >> "$ALL"; }

rows() { # rows RESULT_JSON -> "count distinct min max" of id over the parquet items
  python3 - "$1" <<'PY'
import json, sys, pyarrow.parquet as pq
r = json.loads(open(sys.argv[1]).read())
ids = []
for it in r["items"]:
    assert it["format"] == "parquet", it
    ids += pq.read_table(it["path"]).column("id").to_pylist()
print(len(ids), len(set(ids)), min(ids) if ids else 0, max(ids) if ids else 0)
PY
}
items() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$1"; }

# ---- Link-header pagination over json-server's /posts: 95 records, 5 pages
CFG="$WORK/http.yaml"
printf 'protocol: http\nbase_url: %s/\nrecords_path: ""\npagination: link\nparams: ["_page=1", "_limit=20"]\n' "$JS" > "$CFG"
run "$ETLCONN" fetch http -c "$CFG" /posts --lake "$LAKE" --compact; keep
expect_rc "fetch /posts with Link pagination" 0
echo "$OUT" > "$WORK/r1.json"
check "95 distinct posts" test "$(rows "$WORK/r1.json")" = "95 95 1 95"
check "the 5 pages rolled into 1 Parquet file" test "$(items "$WORK/r1.json")" = 1
check "types inferred and stable: int64, double, bool, text, nested object and array as JSON" python3 - "$WORK/r1.json" <<'PY'
import json, sys, pyarrow.parquet as pq
r = json.load(open(sys.argv[1]))
schemas = {str(pq.read_schema(it["path"])).split("-- schema metadata")[0] for it in r["items"]}
assert len(schemas) == 1, schemas
t = pq.read_table(r["items"][0]["path"])
types = {f.name: "json" if "json" in str(f.type) else str(f.type) for f in t.schema}
assert types == {"id": "int64", "title": "string", "views": "int64", "score": "double",
                 "published": "bool", "author": "json", "tags": "json",
                 "updated_at": "string"}, types
row = t.to_pylist()[3]
assert row["id"] == 4 and row["score"] == 1.0 and row["published"] is True, row
assert json.loads(str(row["author"])) == {"name": "a4", "id": 4}, row
assert json.loads(str(row["tags"])) == ["t1", "all"], row
assert r["items"][0]["metadata"]["columns"].startswith("id:int64,title:text"), r["items"][0]
PY

# ---- offset/limit (_start/_limit) stopped by X-Total-Count: /items has 40
printf 'protocol: http\nbase_url: %s\nrecords_path: ""\npagination: offset\noffset_param: _start\nlimit_param: _limit\nlimit: 15\ntotal_header: X-Total-Count\n' "$JS" > "$WORK/offset.yaml"
run "$ETLCONN" fetch http -c "$WORK/offset.yaml" /items --lake "$WORK/lake-offset" --max-records-per-file 15 --compact; keep
expect_rc "fetch /items with offset pagination" 0
echo "$OUT" > "$WORK/r2.json"
check "40 items in 3 pages (15+15+10, a file each at 15 rows a file), stopped by the total" test "$(rows "$WORK/r2.json") $(items "$WORK/r2.json")" = "40 40 1 40 3"

# ---- page numbers (_page) until an empty page (no total given)
printf 'protocol: http\nbase_url: %s\nrecords_path: ""\npagination: page\npage_param: _page\nlimit_param: _limit\nlimit: 16\n' "$JS" > "$WORK/page.yaml"
run "$ETLCONN" fetch http -c "$WORK/page.yaml" /items --lake "$WORK/lake-page" --max-records-per-file 16 --compact; keep
expect_rc "fetch /items with page numbers" 0
echo "$OUT" > "$WORK/r3.json"
check "40 items; pages 16+16+8 (a file each at 16 rows a file) and a last empty page adding none" test "$(rows "$WORK/r3.json") $(python3 -c 'import json,sys; print([i["record_count"] for i in json.load(open(sys.argv[1]))["items"]])' "$WORK/r3.json")" = "40 40 1 40 [16, 16, 8]"

# ---- max_pages: an error after 2 pages; the next run resumes at page 3
run "$ETLCONN" fetch http -c "$CFG" --set max_pages=2 /posts --lake "$WORK/lake-max" --max-records-per-file 20 --compact; keep
expect_rc "max_pages=2 stops a 5-page read with an error" 1
contains "the error names max_pages" "$ERR$OUT" "max_pages=2"
run "$ETLCONN" fetch http -c "$CFG" /posts --lake "$WORK/lake-max" --max-records-per-file 20 --compact; keep
expect_rc "the next run goes on" 0
echo "$OUT" > "$WORK/r4.json"
check "it read only the 3 pages left (posts 41..95)" test "$(rows "$WORK/r4.json")" = "55 55 41 95"

# ---- incremental: max(id) kept in the checkpoint, passed as id_gte next run
printf 'protocol: http\nbase_url: %s\nrecords_path: ""\ncursor_field: id\nsince_param: id_gte\n' "$JS" > "$WORK/inc.yaml"
run "$ETLCONN" fetch http -c "$WORK/inc.yaml" /events --lake "$WORK/lake-inc" --compact; keep
expect_rc "first incremental run" 0
echo "$OUT" > "$WORK/r5.json"
check "first run: all 10 events" test "$(rows "$WORK/r5.json")" = "10 10 1 10"
check "the checkpoint keeps the watermark 10" sh -c "grep -rq '\"watermark\": *\"10\"' '$WORK/lake-inc/_checkpoints'"
for i in 11 12; do
  curl -sf -X POST -H 'Content-Type: application/json' -d "{\"id\":$i,\"kind\":\"new\",\"at\":\"2026-03-01\"}" "$JS/events" >/dev/null
done
run "$ETLCONN" fetch http -c "$WORK/inc.yaml" /events --lake "$WORK/lake-inc" --compact; keep
expect_rc "second incremental run" 0
echo "$OUT" > "$WORK/r6.json"
check "second run: only id >= 10 (json-server has _gte, no _gt): 10, 11, 12" test "$(rows "$WORK/r6.json")" = "3 3 10 12"
check "the watermark moved to 12" sh -c "grep -rq '\"watermark\": *\"12\"' '$WORK/lake-inc/_checkpoints'"

# ---- no records_path: the raw body lands as a bytes item
printf 'protocol: http\nbase_url: %s\n' "$JS" > "$WORK/raw.yaml"
run "$ETLCONN" fetch http -c "$WORK/raw.yaml" /items/3 --lake "$WORK/lake-raw" --compact; keep
expect_rc "raw body fetch" 0
echo "$OUT" > "$WORK/r7.json"
check "one bytes item, content type from the reply, body as served" python3 - "$WORK/r7.json" "$JS" <<'PY'
import json, sys, urllib.request
r = json.load(open(sys.argv[1]))
assert len(r["items"]) == 1, r
it = r["items"][0]
assert it["format"] == "bytes" and it["content_type"].startswith("application/json"), it
want = urllib.request.urlopen(sys.argv[2] + "/items/3").read()
assert open(it["path"], "rb").read() == want
assert json.loads(want)["id"] == 3
PY

# ---- a 404 fails at once with the status
run "$ETLCONN" fetch http -c "$CFG" /nothing-here --lake "$WORK/lake-404"; keep
expect_rc "a 404 resource fails" 1
contains "the error has the status" "$ERR$OUT" "404"

# ---- health
run "$ETLCONN" test http -c "$CFG"; keep
expect_rc "health check of base_url" 0
run "$ETLCONN" test http -c "$CFG" --set health_path=/no-such-thing; keep
expect_rc "health check of a missing path is unhealthy" 1

# ---- the scripted stand-in (see the header): secrets as canaries
export SEQ_CLIENT_SECRET="cs-CANARY-client-secret-9f3" SEQ_TOKEN_PREFIX="at-CANARY-token-"
export SEQ_BEARER="bt-CANARY-bearer-77" SEQ_PASSWORD="pw-CANARY-basic-55" SEQ_API_KEY="ak-CANARY-key-31"
mkdir -p "$WORK/seq"
python3 "$ETLCONN_SOURCE_DIR/tests/integration/http_sequence_peer.py" "$WORK/seq" &
SEQ_PID=$!
trap 'kill $SEQ_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [ -f "$WORK/seq/port" ] && break; sleep 0.1; done
SEQ="http://127.0.0.1:$(cat "$WORK/seq/port")"
V=(--log-level debug)
hits() { curl -s "$SEQ/_hits"; }

printf 'protocol: http\nbase_url: %s/api\nauth: oauth2\ntoken_url: %s/oauth/token\nclient_id: etl-client\nclient_secret: %s\nrecords_path: /data\npagination: cursor\ncursor_path: /meta/next\ncursor_param: cursor\nrate_limit: 2\n' \
  "$SEQ" "$SEQ" "$SEQ_CLIENT_SECRET" > "$WORK/oauth.yaml"
run "$ETLCONN" "${V[@]}" fetch http -c "$WORK/oauth.yaml" /orders --lake "$WORK/lake-seq" --compact; keep
expect_rc "OAuth2 + cursor pagination" 0
echo "$OUT" > "$WORK/r8.json"
check "4 cursor pages of 3 orders" test "$(rows "$WORK/r8.json")" = "12 12 10 42"
check "4 order requests, each with a live token; tokens (6 s, renewed 5 s early) renewed" python3 -c "
import json,sys; h=json.loads(sys.argv[1]); assert h['/api/orders'] == 4 and h['token'] >= 2, h" "$(hits)"

run "$ETLCONN" "${V[@]}" fetch http --set base_url="$SEQ" --set records_path=/items \
  --set pagination=next_url --set next_url_path=/links/next /api/feed --lake "$WORK/lake-seq2" --compact; keep
expect_rc "next_url pagination (relative links)" 0
echo "$OUT" > "$WORK/r9.json"
check "3 pages followed (n = 1, 2, 3)" test "$(python3 -c 'import json,sys,pyarrow.parquet as pq; print(sorted(v for i in json.load(open(sys.argv[1]))["items"] for v in pq.read_table(i["path"]).column("n").to_pylist()))' "$WORK/r9.json")" = "[1, 2, 3]"

run "$ETLCONN" fetch http --set base_url="$SEQ" --set records_path=/items \
  --set pagination=next_url --set next_url_path=/links/next /api/escape --lake "$WORK/lake-seq3"; keep
expect_rc "a next URL on another origin is refused" 1
contains "the error says so" "$ERR$OUT" "allow_other_origins"

run "$ETLCONN" fetch http --set base_url="$SEQ" --set records_path=/data --set pagination=cursor \
  --set cursor_path=/next /api/loop --lake "$WORK/lake-seq4"; keep
expect_rc "a cursor that never moves stops with an error" 1
contains "the error names the repeat" "$ERR$OUT" "repeated cursor or URL"

run "$ETLCONN" "${V[@]}" fetch http --set base_url="$SEQ" --set records_path= /api/limited --lake "$WORK/lake-seq5" --compact; keep
expect_rc "429 with Retry-After, then 200" 0
check "two requests were made (the 429 was retried)" python3 -c "
import json,sys; h=json.loads(sys.argv[1]); assert h['/api/limited'] == 2, h" "$(hits)"

run "$ETLCONN" "${V[@]}" fetch http --set base_url="$SEQ" --set records_path= --set auth=basic \
  --set username=etl --set password="$SEQ_PASSWORD" /api/basic --lake "$WORK/lake-seq6" --compact; keep
expect_rc "basic auth" 0
run "$ETLCONN" "${V[@]}" fetch http --set base_url="$SEQ" --set records_path= --set auth=api_key \
  --set api_key_in=query --set api_key_name=key --set api_key="$SEQ_API_KEY" /api/key --lake "$WORK/lake-seq7" --compact; keep
expect_rc "API key in the query" 0
KEYED=(--set base_url="$SEQ" --set records_path=/items --set pagination=next_url --set next_url_path=/next
       --set auth=api_key --set api_key_in=query --set api_key_name=key --set api_key="$SEQ_API_KEY")
run "$ETLCONN" "${V[@]}" fetch http "${KEYED[@]}" --set max_pages=2 /api/keypages --lake "$WORK/lake-seq10" --compact; keep
expect_rc "next links echoing the API key: stopped by max_pages, the position kept" 1
run "$ETLCONN" "${V[@]}" fetch http "${KEYED[@]}" /api/keypages --lake "$WORK/lake-seq10" --compact; keep
expect_rc "resumed from the checkpoint (the key sent once per request, not stored)" 0
echo "$OUT" > "$WORK/r10.json"
check "the resumed run read page 3 only" test "$(items "$WORK/r10.json")" = 1
HTTP_TOKEN="$SEQ_BEARER" run "$ETLCONN" "${V[@]}" fetch http --set base_url="$SEQ" --set records_path= \
  --set auth=bearer /api/bearer --lake "$WORK/lake-seq8" --compact; keep
expect_rc "bearer token from HTTP_TOKEN" 0
HTTP_TOKEN="$SEQ_BEARER" run "$ETLCONN" "${V[@]}" fetch http --set base_url="$SEQ" --set records_path= \
  --set auth=bearer /api/bad --lake "$WORK/lake-seq9"; keep
expect_rc "a 400 fails at once" 1
contains "with its status" "$ERR$OUT" "400"
contains "and an excerpt of the body" "$ERR$OUT" "invalid request"
check "the 400 was not retried" python3 -c "
import json,sys; h=json.loads(sys.argv[1]); assert h['/api/bad'] == 1, h" "$(hits)"

run "$ETLCONN" test http --set base_url="http://etl:$SEQ_PASSWORD@127.0.0.1:1/"; keep
expect_rc "credentials inside base_url are refused as configuration" 2
contains "with a pointer to username/password" "$ERR" "must not hold credentials"

# ---- canaries: nowhere in what was printed (debug logs included) or landed
find "$WORK"/lake* -type f -exec cat {} + >> "$ALL" 2>/dev/null
for c in "$SEQ_CLIENT_SECRET" "$SEQ_TOKEN_PREFIX" "$SEQ_BEARER" "$SEQ_PASSWORD" "$SEQ_API_KEY"; do
  check "secret ${c%%-CANARY*}-... never appears in output, logs, results or the lake" sh -c "! grep -aq -- '$c' '$ALL'"
done
check "debug logs were on (the canary check saw requests)" grep -q "GET " "$ALL"
finish
