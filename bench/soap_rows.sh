#!/usr/bin/env bash
# SOAP, N rows in one response (default 100,000) -> Parquet (zstd):
#   etlconn fetch soap 'GetOrders {...}' --format parquet (a streaming SAX parse)
#   zeep (Client, xml_huge_tree) + pyarrow ParquetWriter, zstd level 1
#   bench/soap_rows.sh [N]
# The exchange is recorded once from the spyne service (tests/services/soap,
# started here and stopped again before the timed runs: spyne generating
# 100k rows would cost more than either client) by bench/soap_canned.py and
# replayed by a local nginx: the WSDL with its soap:address pointed at a
# static response.xml that nginx answers every POST with. Both clients read
# the same WSDL and the same bytes.
# Every output is fingerprinted (bench/fingerprint.py --duckdb) after every
# run and must equal the fingerprint of the orders computed by the service's
# own order_row() (not read from any response). etlconn fsyncs what it
# lands, so zeep's file is synced too. Python tools live in bench/out/venv
# (made here). Needs a built etlconn (make build). ROUNDS=N (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
ROUNDS=${ROUNDS:-5}
ETLCONN=${ETLCONN:-build/etlconn}
OUT=$PWD/bench/out/soap_rows
VENV=$PWD/bench/out/venv
[ -x "$ETLCONN" ] || { echo "no $ETLCONN: build first (make build)" >&2; exit 1; }
if ! "$VENV/bin/python" -c 'import zeep, pyarrow, requests' 2>/dev/null; then
  echo "installing the Python tools into $VENV" >&2
  python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install -q zeep pyarrow requests >&2
fi
PY=$VENV/bin/python
rm -rf "$OUT"; mkdir -p "$OUT/www"

. bench/nginx_static.sh
trap 'nginx_stop "$OUT/nginx"; tests/services/soap stop "$OUT/service" >/dev/null 2>&1 || true' EXIT
nginx_start "$OUT/www" "$OUT/nginx"
BASE=http://127.0.0.1:$NGINX_PORT
tests/services/soap start "$OUT/service" >/dev/null
SOAP_TEST_WSDL=$(sed -n 's/^SOAP_TEST_WSDL=//p' "$OUT/service/env")
t0=$(date +%s)
"$PY" bench/soap_canned.py "$SOAP_TEST_WSDL" "$N" "$OUT/www" "$BASE/soap/response.xml" "$OUT/expected.parquet"
tests/services/soap stop "$OUT/service" >/dev/null
echo "recorded GetOrders($N): $(stat -c %s "$OUT/www/soap/response.xml") bytes in $(( $(date +%s) - t0 ))s" >&2
WSDL=$BASE/soap/service.wsdl

cat > "$OUT/py_zeep.py" <<'PY'
import datetime, sys, zeep, pyarrow as pa, pyarrow.parquet as pq
wsdl, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
since = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
client = zeep.Client(wsdl, settings=zeep.Settings(xml_huge_tree=True))
orders = client.service.GetOrders(customer_id=n, since=since)
schema = pa.schema([("id", pa.int64()), ("amount", pa.float64()), ("placed", pa.timestamp("us", tz="UTC")),
                    ("paid", pa.bool_()), ("note", pa.string())])
with pq.ParquetWriter(out, schema, compression="zstd", compression_level=1) as w:
    for k in range(0, len(orders), 10000):
        part = orders[k:k + 10000]
        w.write_table(pa.table({"id": [o.id for o in part],
                                "amount": [float(o.amount) for o in part],
                                "placed": [o.placed for o in part],
                                "paid": [o.paid for o in part],
                                "note": [o.note for o in part]}, schema=schema))
PY

FP="python3 bench/fingerprint.py --duckdb"
Q="GetOrders {\"customer_id\": $N, \"since\": \"2000-01-01T00:00:00Z\"}"
python3 bench/pairs.py --rounds "$ROUNDS" --expect "$($FP "$OUT/expected.parquet")" --json "$OUT/soap_rows.json" \
  --title "SOAP GetOrders, $N rows in one response -> Parquet (zstd 1) (nginx replaying spyne's reply)" \
  --tool "etlconn fetch soap" "$ETLCONN -q fetch soap --set wsdl_url=$WSDL '$Q' --format parquet --compression zstd --lake $OUT/lake > /dev/null" \
    --prepare "rm -rf $OUT/lake" --verify "$FP $OUT/lake" \
  --tool "zeep + pyarrow" "$PY $OUT/py_zeep.py $WSDL $N $OUT/zeep.parquet && sync $OUT/zeep.parquet" \
    --prepare "rm -f $OUT/zeep.parquet" --verify "$FP $OUT/zeep.parquet"
echo
# Target: etlconn >= 5x zeep (RSS shown for the bounded-memory claim).
python3 - "$OUT/soap_rows.json" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
base, z = d["tools"]
med, worst = statistics.median(z["ratios"]), min(z["ratios"])
print("### Target (median of the per-round ratios)")
print("| vs | speed (median, worst) | target | peak RSS MiB etlconn / zeep |")
print("|---|---:|---:|---:|")
print(f"| {z['label']} | {med:.2f}x, {worst:.2f}x | >= 5x {'met' if med >= 5 else 'NOT met'} | "
      f"{base['peak_rss_mib']:.0f} / {z['peak_rss_mib']:.0f} |")
PY
