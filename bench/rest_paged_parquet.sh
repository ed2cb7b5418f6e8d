#!/usr/bin/env bash
# Paged REST -> Parquet (zstd): N records (default 1,000,000) read page after
# page (P records a page, default 10,000; the next page's URL in the body)
# from a local nginx serving precomputed pages (bench/rest_pages.py; the
# same server for every client), each landing zstd Parquet:
#   etlconn fetch http (records_path=/data, pagination=next_url) --format parquet
#   requests (Session) + pyarrow ParquetWriter, page by page, zstd level 1
#   dlt's REST source (rest_api_source, json_link paginator) into its
#     filesystem destination as Parquet, zstd (dlt's writer: pyarrow's default
#     level, 1); left out, with the reason printed, when dlt does not install
#   bench/rest_paged_parquet.sh [N] [P]
# Every output is fingerprinted (bench/fingerprint.py --duckdb) after every
# run and must equal the fingerprint of the records written straight from
# the generator. dlt adds its own _dlt_load_id/_dlt_id columns: its output
# is fingerprinted on the five data columns (a DuckDB projection, untimed).
# etlconn fsyncs what it lands, so every competitor's files are synced too.
# Python tools live in bench/out/venv (made here). Needs a built etlconn
# (make build). ROUNDS=N sets the rounds (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
P=${2:-10000}
ROUNDS=${ROUNDS:-5}
ETLCONN=${ETLCONN:-build/etlconn}
OUT=$PWD/bench/out/rest_paged
VENV=$PWD/bench/out/venv
[ -x "$ETLCONN" ] || { echo "no $ETLCONN: build first (make build)" >&2; exit 1; }
if ! "$VENV/bin/python" -c 'import requests, pyarrow' 2>/dev/null; then
  echo "installing the Python tools into $VENV" >&2
  python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install -q requests pyarrow >&2
fi
PY=$VENV/bin/python
DLT_OK=""
if [ ! -e "$VENV/.dlt-tried" ]; then
  touch "$VENV/.dlt-tried"
  "$VENV/bin/pip" install -q dlt >&2 || true
fi
if "$PY" -c 'import dlt; from dlt.sources.rest_api import rest_api_source' 2>"$OUT.dlt.err"; then DLT_OK=1
else echo "dlt row left out: dlt is not installed here ($(tail -1 "$OUT.dlt.err"))" >&2; fi
rm -f "$OUT.dlt.err"

rm -rf "$OUT"; mkdir -p "$OUT/www"
"$PY" bench/rest_pages.py "$N" "$P" "$OUT/www" "$OUT/expected.parquet"
. bench/nginx_static.sh
trap 'nginx_stop "$OUT/nginx"' EXIT
nginx_start "$OUT/www" "$OUT/nginx"
BASE=http://127.0.0.1:$NGINX_PORT

cat > "$OUT/py_requests.py" <<'PY'
import os, sys, requests, pyarrow as pa, pyarrow.parquet as pq
base, first, out = sys.argv[1], sys.argv[2], sys.argv[3]
s, url, w, schema = requests.Session(), base + first, None, None
while url:
    page = s.get(url)
    page.raise_for_status()
    body = page.json()
    t = pa.Table.from_pylist(body["data"], schema=schema)
    if w is None:
        schema = t.schema
        w = pq.ParquetWriter(out, schema, compression="zstd", compression_level=1)
    w.write_table(t)
    nxt = body.get("next")
    url = base + nxt if nxt else None
w.close()
PY
cat > "$OUT/py_dlt.py" <<'PY'
import sys, dlt
from dlt.sources.rest_api import rest_api_source
base, first, out, work = sys.argv[1:5]
source = rest_api_source({
    "client": {"base_url": base, "paginator": {"type": "json_link", "next_url_path": "next"}},
    "resources": [{"name": "items", "endpoint": {"path": first.lstrip("/"), "data_selector": "data"}}],
})
pipe = dlt.pipeline(pipeline_name="bench", pipelines_dir=work, dataset_name="ds",
                    destination=dlt.destinations.filesystem(bucket_url=out))
pipe.run(source, loader_file_format="parquet")
PY
# dlt's rows: the data columns only, into one file for the fingerprint.
cat > "$OUT/dlt_project.py" <<'PY'
import sys, duckdb
duckdb.sql(f"COPY (SELECT id, name, amount, active, note FROM read_parquet('{sys.argv[1]}/ds/items/**/*.parquet')) "
           f"TO '{sys.argv[2]}' (FORMAT parquet)")
PY

FP="python3 bench/fingerprint.py --duckdb"
X="$ETLCONN -q fetch http --set base_url=$BASE --set records_path=/data --set pagination=next_url"
X+=" --set next_url_path=/next --set max_pages=100000000 /pages/1.json --format parquet --compression zstd"
args=(--rounds "$ROUNDS" --expect "$($FP "$OUT/expected.parquet")" --json "$OUT/rest_paged.json"
  --title "Paged REST -> Parquet (zstd 1), $N records, $P a page (nginx)"
  --tool "etlconn fetch http" "$X --lake $OUT/lake > /dev/null"
    --prepare "rm -rf $OUT/lake" --verify "$FP $OUT/lake"
  --tool "requests + pyarrow" "$PY $OUT/py_requests.py $BASE /pages/1.json $OUT/requests.parquet && sync $OUT/requests.parquet"
    --prepare "rm -f $OUT/requests.parquet" --verify "$FP $OUT/requests.parquet")
[ -n "$DLT_OK" ] && args+=(--tool "dlt rest_api -> filesystem parquet"
    "DATA_WRITER__COMPRESSION=zstd RUNTIME__LOG_LEVEL=ERROR $PY $OUT/py_dlt.py $BASE /pages/1.json $OUT/dlt $OUT/dltwork && sync -f $OUT/dlt"
    --prepare "rm -rf $OUT/dlt $OUT/dltwork $OUT/dlt.parquet"
    --verify "$PY $OUT/dlt_project.py $OUT/dlt $OUT/dlt.parquet && $FP $OUT/dlt.parquet")
python3 bench/pairs.py "${args[@]}"
echo
# Targets: etlconn >= 5x requests + pyarrow, >= 2x dlt, at <= 0.25x their peak RSS.
python3 - "$OUT/rest_paged.json" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
base = d["tools"][0]
print("### Targets (median of the per-round ratios; RSS etlconn / other)")
print("| vs | speed (median, worst) | target | RSS ratio | target |")
print("|---|---:|---:|---:|---:|")
want = {"requests": 5.0, "dlt": 2.0}
for t in d["tools"][1:]:
    key = next(k for k in want if t["label"].startswith(k))
    med, worst = statistics.median(t["ratios"]), min(t["ratios"])
    rss = base["peak_rss_mib"] / t["peak_rss_mib"]
    met = lambda ok: "met" if ok else "NOT met"
    print(f"| {t['label']} | {med:.2f}x, {worst:.2f}x | >= {want[key]}x {met(med >= want[key])} | "
          f"{rss:.2f} | <= 0.25 {met(rss <= 0.25)} |")
PY
