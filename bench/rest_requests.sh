#!/usr/bin/env bash
# REST CPU per keep-alive request: N small JSON GETs (default 20,000) on one
# keep-alive connection to a local nginx (Debian's, serving a static 200-byte
# JSON file, access log off), from
#   etlconn   bench/http_requests (etlc_http_request in a loop on one http
#             connector: the connector's own libcurl session, retries, auth
#             and redaction machinery all on the path)
#   pycurl    one Curl handle, perform() per request, body into a BytesIO
#   requests  one Session (keep-alive), .content per request
#   bench/rest_requests.sh [N]
# Each client writes "requests=N ok=K bytes=B" after its loop; pairs.py
# checks that line against the expected one (every reply 2xx, every byte
# read). The figure is CPU seconds per request (client side only: the
# server is another process); wall ratios are printed too.
# Python tools live in bench/out/venv (made here). Needs a built etlconn
# (make build: bench/http_requests). ROUNDS=N sets the rounds (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
ROUNDS=${ROUNDS:-5}
DRIVER=${DRIVER:-build/bench/http_requests}
OUT=$PWD/bench/out/rest_requests
VENV=$PWD/bench/out/venv
[ -x "$DRIVER" ] || { echo "no $DRIVER: build first (make build)" >&2; exit 1; }
mkdir -p "$OUT/www"
if ! "$VENV/bin/python" -c 'import pycurl, requests' 2>/dev/null; then
  echo "installing the Python tools into $VENV" >&2
  python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install -q pycurl requests >&2
fi
PY=$VENV/bin/python

# A small JSON object, the size of a typical API item.
python3 - "$OUT/www/item.json" <<'PY'
import json, sys
item = {"id": 4711, "name": "widget", "price": 12.5, "tags": ["a", "b"], "active": True,
        "updated": "2026-11-28T12:00:00Z", "owner": {"id": 7, "login": "someone"},
        "note": "x" * 40}
open(sys.argv[1], "w").write(json.dumps(item))
PY
SIZE=$(stat -c %s "$OUT/www/item.json")

. bench/nginx_static.sh
trap 'nginx_stop "$OUT/nginx"' EXIT
nginx_start "$OUT/www" "$OUT/nginx"
BASE=http://127.0.0.1:$NGINX_PORT

cat > "$OUT/py_pycurl.py" <<'PY'
import io, sys, pycurl
url, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c, ok, nbytes = pycurl.Curl(), 0, 0
c.setopt(pycurl.URL, url)
for _ in range(n):
    buf = io.BytesIO()
    c.setopt(pycurl.WRITEDATA, buf)
    c.perform()
    ok += 200 <= c.getinfo(pycurl.RESPONSE_CODE) < 300
    nbytes += len(buf.getvalue())
c.close()
open(out, "w").write(f"requests={n} ok={ok} bytes={nbytes}\n")
PY
cat > "$OUT/py_requests.py" <<'PY'
import sys, requests
url, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s, ok, nbytes = requests.Session(), 0, 0
for _ in range(n):
    r = s.get(url)
    ok += 200 <= r.status_code < 300
    nbytes += len(r.content)
open(out, "w").write(f"requests={n} ok={ok} bytes={nbytes}\n")
PY

EXPECT="requests=$N ok=$N bytes=$((N * SIZE))"
python3 bench/pairs.py --rounds "$ROUNDS" --expect "$EXPECT" --json "$OUT/rest_requests.json" \
  --title "REST keep-alive GETs, $N x $SIZE-byte JSON (nginx)" \
  --tool "etlconn (etlc_http_request)" "$DRIVER $BASE /item.json $N $OUT/etlconn.txt" \
    --prepare "rm -f $OUT/etlconn.txt" --verify "cat $OUT/etlconn.txt" \
  --tool "pycurl" "$PY $OUT/py_pycurl.py $BASE/item.json $N $OUT/pycurl.txt" \
    --prepare "rm -f $OUT/pycurl.txt" --verify "cat $OUT/pycurl.txt" \
  --tool "requests (Session)" "$PY $OUT/py_requests.py $BASE/item.json $N $OUT/requests.txt" \
    --prepare "rm -f $OUT/requests.txt" --verify "cat $OUT/requests.txt"
echo
# Targets: etlconn <= 1.0x pycurl's CPU and <= 0.15x requests' CPU per request.
python3 - "$OUT/rest_requests.json" "$N" <<'PY'
import json, statistics, sys
d, n = json.load(open(sys.argv[1])), int(sys.argv[2])
base = d["tools"][0]
print("### CPU seconds per request (median CPU of the runs / requests)")
print("| client | CPU s / request | etlconn / client | target |")
print("|---|---:|---:|---:|")
want = {"pycurl": 1.0, "requests": 0.15}
for t in d["tools"]:
    cpu, bcpu = statistics.median(t["cpus"]), statistics.median(base["cpus"])
    per, ratio = cpu / n, bcpu / cpu
    key = next((k for k in want if t["label"].startswith(k)), None)
    tgt = f"<= {want[key]}x {'met' if ratio <= want[key] else 'NOT met'}" if key else "-"
    print(f"| {t['label']} | {per * 1e6:.1f} us | {ratio:.2f}x | {tgt} |")
PY
