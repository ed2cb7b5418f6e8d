#!/usr/bin/env bash
# File transfer over loopback: etlconn fetch ftp|ssh|webdav vs the tools
# users would otherwise pick, side by side, on one big file and many small ones.
#   bench/file_transfer.sh [BIG_MB] [SMALL_FILES]   (default 1024 and 10000)
# Compared, per protocol, on BIG_MB of random bytes in one file, then on
# SMALL_FILES files of 4 KiB:
#   FTP     etlconn fetch ftp | the curl CLI (one process, every URL: one
#           connection) | Python ftplib (one connection, NLST then RETR each)
#   SFTP    etlconn fetch ssh | OpenSSH sftp -b (batch: get, or get of a glob)
#           | paramiko (PyPI; SFTPClient.get, listdir for the small files)
#   WebDAV  etlconn fetch webdav | the curl CLI (as for FTP) | a Python
#           requests.Session loop (streamed GETs)
# curl and requests are handed the file names (they do not list); etlconn,
# ftplib, sftp and paramiko list the directory themselves.
# Servers: tests/services/{ftp,sshd,webdav} (pyftpdlib, OpenSSH sshd,
# wsgidav), started here under bench/out/xfer and stopped on exit. Every
# output is verified after every run: the sha256 of every file, sorted,
# hashed, with the file count (names differ between tools' layouts), equal
# to the source's. etlconn fsyncs each file it lands; every competitor's
# output is synced too (sync -f) inside its timed command. Passwords travel
# in the environment and a netrc file, never on a command line (pairs.py's
# JSON records the commands).
# Interleaved rounds through bench/pairs.py; ROUNDS=N (default 5). Needs a
# built etlconn (make build) and sftp/curl (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BIG_MB=${1:-${BIG_MB:-1024}}
SMALL_FILES=${2:-${SMALL_FILES:-10000}}
ROUNDS=${ROUNDS:-5}
ETLCONN=${ETLCONN:-$PWD/build/etlconn}
OUT=$PWD/bench/out/xfer
VENV=$PWD/bench/out/venv
[ -x "$ETLCONN" ] || { echo "no $ETLCONN: build first (make build)" >&2; exit 1; }
for t in curl sftp; do command -v "$t" >/dev/null || { echo "no $t (scripts/install-deps.sh)" >&2; exit 1; }; done

# ---- tools -------------------------------------------------------------------
if ! "$VENV/bin/python" -c 'import paramiko, requests' 2>/dev/null; then
  echo "installing paramiko and requests into $VENV" >&2
  python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install -q paramiko requests >&2
fi
PY=$VENV/bin/python

# ---- servers -----------------------------------------------------------------
SVC=$OUT/svc
stop_all() { for s in ftp sshd webdav; do tests/services/$s stop "$SVC/$s" >/dev/null 2>&1 || true; done; }
# at exit: the servers stopped, the data and outputs (GBs) removed, the JSON kept
cleanup() { stop_all; rm -rf "$OUT/data" "$OUT"/{lake,c,curl-ftp,curl-dav,ftplib,sftp,paramiko,requests} "$OUT"/*.netrc; }
trap cleanup EXIT
stop_all
rm -rf "$OUT"; mkdir -p "$OUT" "$SVC"
for s in ftp sshd webdav; do tests/services/$s start "$SVC/$s" >/dev/null; done
set -a; . "$SVC/ftp/env"; . "$SVC/sshd/env"; . "$SVC/webdav/env"; set +a

# ---- data: made once, hard-linked into each server's root -------------------
DATA=$OUT/data
mkdir -p "$DATA/big" "$DATA/small"
head -c "$((BIG_MB << 20))" /dev/urandom > "$DATA/big/big.bin"
"$PY" - "$DATA/small" "$SMALL_FILES" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(d, "f%06d.bin" % i), "wb") as f:
        f.write(os.urandom(4096))
PY
ls "$DATA/small" > "$OUT/small.names"
for root in "$ETLC_TEST_FTP_ROOT" "$ETLC_TEST_SSHD_ROOT" "$WEBDAV_TEST_ROOT"; do
  mkdir -p "$root/bench"; cp -al "$DATA/big" "$DATA/small" "$root/bench/"
done
chmod -R a+rX "$ETLC_TEST_SSHD_ROOT/bench"

# fp DIR: "files=N sha=HEX", the sha256 of the sorted sha256s of every data
# file under DIR (a lake's _checkpoints and _partial left out)
cat > "$OUT/fp.sh" <<'SH'
#!/bin/sh
set -e
find "$1" -type f ! -path '*/_checkpoints/*' ! -path '*/_partial/*' -print0 | xargs -0 -r sha256sum | cut -d' ' -f1 | sort > "$1.sums"
echo "files=$(wc -l < "$1.sums") sha=$(sha256sum < "$1.sums" | cut -d' ' -f1)"
rm -f "$1.sums"
SH
chmod +x "$OUT/fp.sh"
FP=$OUT/fp.sh

# ---- configurations ----------------------------------------------------------
export FTP_PASSWORD=$ETLC_TEST_FTP_PASSWORD WEBDAV_PASSWORD=$WEBDAV_TEST_PASSWORD
cat > "$OUT/ftp.yaml" <<YAML
protocol: ftp
host: $ETLC_TEST_FTP_HOST
port: $ETLC_TEST_FTP_PORT
username: $ETLC_TEST_FTP_USER
root: /bench
source: bench
proxy: ""
YAML
cat > "$OUT/ssh.yaml" <<YAML
protocol: ssh
host: $ETLC_TEST_SSHD_HOST
port: $ETLC_TEST_SSHD_PORT
username: $ETLC_TEST_SSHD_USER
private_key: $ETLC_TEST_SSHD_KEY
known_hosts: $ETLC_TEST_SSHD_KNOWN_HOSTS
root: $ETLC_TEST_SSHD_ROOT/bench
source: bench
YAML
cat > "$OUT/webdav.yaml" <<YAML
protocol: webdav
url: ${WEBDAV_TEST_URL}bench/
username: $WEBDAV_TEST_USER
source: bench
proxy: ""
YAML
umask 077
printf 'machine %s login %s password %s\n' "$ETLC_TEST_FTP_HOST" "$ETLC_TEST_FTP_USER" "$ETLC_TEST_FTP_PASSWORD" > "$OUT/ftp.netrc"
printf 'machine %s login %s password %s\n' "127.0.0.1" "$WEBDAV_TEST_USER" "$WEBDAV_TEST_PASSWORD" > "$OUT/dav.netrc"
umask 022
FTP_URL="ftp://$ETLC_TEST_FTP_HOST:$ETLC_TEST_FTP_PORT/bench"
DAV_URL="${WEBDAV_TEST_URL}bench"
# curl -K lists: every URL of a kind in one process (one connection, reused)
curl_list() { # curl_list BASEURL DIR > FILE
  while read -r n; do printf 'url = "%s/small/%s"\noutput = "%s/%s"\n' "$1" "$n" "$2" "$n"; done < "$OUT/small.names"
}
curl_list "$FTP_URL" "$OUT/curl-ftp" > "$OUT/curl-ftp.list"
curl_list "$DAV_URL" "$OUT/curl-dav" > "$OUT/curl-dav.list"
SSHO="-o BatchMode=yes -o UserKnownHostsFile=$ETLC_TEST_SSHD_KNOWN_HOSTS -o StrictHostKeyChecking=yes -i $ETLC_TEST_SSHD_KEY -P $ETLC_TEST_SSHD_PORT"
SSHDEST="$ETLC_TEST_SSHD_USER@$ETLC_TEST_SSHD_HOST"
printf 'get %s/bench/big/big.bin %s/sftp/\n' "$ETLC_TEST_SSHD_ROOT" "$OUT" > "$OUT/sftp-big.batch"
printf 'get %s/bench/small/* %s/sftp/\n' "$ETLC_TEST_SSHD_ROOT" "$OUT" > "$OUT/sftp-small.batch"

cat > "$OUT/py_ftplib.py" <<'PY'
import ftplib, os, sys
host, port, user, remote, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
os.makedirs(out, exist_ok=True)
ftp = ftplib.FTP()
ftp.connect(host, port)
ftp.login(user, os.environ["FTP_PASSWORD"])
ftp.cwd(remote)
for name in ftp.nlst():
    with open(os.path.join(out, os.path.basename(name)), "wb") as f:
        ftp.retrbinary("RETR " + name, f.write, blocksize=1 << 20)
ftp.quit()
PY
cat > "$OUT/py_paramiko.py" <<'PY'
import os, sys, paramiko
host, port, user, key, known, remote, out = sys.argv[1:8]
os.makedirs(out, exist_ok=True)
c = paramiko.SSHClient()
c.load_host_keys(known)
c.set_missing_host_key_policy(paramiko.RejectPolicy())
c.connect(host, int(port), username=user, key_filename=key, allow_agent=False, look_for_keys=False)
s = c.open_sftp()
for name in s.listdir(remote):
    s.get(remote + "/" + name, os.path.join(out, name))
c.close()
PY
cat > "$OUT/py_requests.py" <<'PY'
import os, sys, requests
base, user, names, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
s = requests.Session()
s.auth = (user, os.environ["WEBDAV_PASSWORD"])
for name in open(names).read().split():
    with s.get(base + "/" + name, stream=True) as r:
        r.raise_for_status()
        with open(os.path.join(out, name), "wb") as f:
            for chunk in r.iter_content(1 << 20):
                f.write(chunk)
PY

# ---- runs ----------------------------------------------------------------------
PAIRS=(python3 bench/pairs.py --rounds "$ROUNDS")
o() { echo "rm -rf $OUT/$1 && mkdir -p $OUT/$1"; }          # a fresh output directory
s() { echo "sync -f $OUT/$1"; }                             # competitors sync what they wrote
bench_kind() { # bench_kind KIND(big|small) PATTERN
  local k=$1 pat=$2 title
  if [ "$k" = big ]; then title="$BIG_MB MB in one file"; else title="$SMALL_FILES files of 4 KiB"; fi
  echo "## FTP, $title"
  local ftp_curl="curl -sS --netrc-file $OUT/ftp.netrc $FTP_URL/big/big.bin -o $OUT/c/big.bin"
  [ "$k" = small ] && ftp_curl="curl -sS --netrc-file $OUT/ftp.netrc -K $OUT/curl-ftp.list"
  local cdir=c; [ "$k" = small ] && cdir=curl-ftp
  "${PAIRS[@]}" --expect-cmd "$FP $DATA/$k" --json "$OUT/ftp-$k.json" --title "FTP, $title" \
    --tool "etlconn fetch ftp" "$ETLCONN -q fetch ftp -c $OUT/ftp.yaml '$pat' --lake $OUT/lake" \
      --prepare "rm -rf $OUT/lake" --verify "$FP $OUT/lake" \
    --tool "curl CLI" "$ftp_curl && $(s $cdir)" --prepare "$(o $cdir)" --verify "$FP $OUT/$cdir" \
    --tool "Python ftplib" "$PY $OUT/py_ftplib.py $ETLC_TEST_FTP_HOST $ETLC_TEST_FTP_PORT $ETLC_TEST_FTP_USER /bench/$k $OUT/ftplib && $(s ftplib)" \
      --prepare "$(o ftplib)" --verify "$FP $OUT/ftplib"
  echo
  echo "## SFTP, $title"
  "${PAIRS[@]}" --expect-cmd "$FP $DATA/$k" --json "$OUT/sftp-$k.json" --title "SFTP, $title" \
    --tool "etlconn fetch ssh" "$ETLCONN -q fetch ssh -c $OUT/ssh.yaml '$pat' --lake $OUT/lake" \
      --prepare "rm -rf $OUT/lake" --verify "$FP $OUT/lake" \
    --tool "OpenSSH sftp -b" "sftp -q $SSHO -b $OUT/sftp-$k.batch $SSHDEST > /dev/null && $(s sftp)" \
      --prepare "$(o sftp)" --verify "$FP $OUT/sftp" \
    --tool "paramiko" "$PY $OUT/py_paramiko.py $ETLC_TEST_SSHD_HOST $ETLC_TEST_SSHD_PORT $ETLC_TEST_SSHD_USER $ETLC_TEST_SSHD_KEY $ETLC_TEST_SSHD_KNOWN_HOSTS $ETLC_TEST_SSHD_ROOT/bench/$k $OUT/paramiko && $(s paramiko)" \
      --prepare "$(o paramiko)" --verify "$FP $OUT/paramiko"
  echo
  echo "## WebDAV, $title"
  local dav_curl="curl -sS --netrc-file $OUT/dav.netrc $DAV_URL/big/big.bin -o $OUT/c/big.bin"
  [ "$k" = small ] && dav_curl="curl -sS --netrc-file $OUT/dav.netrc -K $OUT/curl-dav.list"
  cdir=c; [ "$k" = small ] && cdir=curl-dav
  local names="$OUT/big.names"; echo big.bin > "$names"; [ "$k" = small ] && names="$OUT/small.names"
  "${PAIRS[@]}" --expect-cmd "$FP $DATA/$k" --json "$OUT/webdav-$k.json" --title "WebDAV, $title" \
    --tool "etlconn fetch webdav" "$ETLCONN -q fetch webdav -c $OUT/webdav.yaml '$pat' --lake $OUT/lake" \
      --prepare "rm -rf $OUT/lake" --verify "$FP $OUT/lake" \
    --tool "curl CLI" "$dav_curl && $(s $cdir)" --prepare "$(o $cdir)" --verify "$FP $OUT/$cdir" \
    --tool "Python requests" "$PY $OUT/py_requests.py $DAV_URL/$k $WEBDAV_TEST_USER $names $OUT/requests && $(s requests)" \
      --prepare "$(o requests)" --verify "$FP $OUT/requests"
  echo
}
bench_kind big 'big/big.bin'
bench_kind small 'small/*'

# Targets (issue 10): etlconn >= 0.9x curl (FTP, WebDAV) and OpenSSH sftp,
# >= 2x the Python way; peak RSS flat with file size.
python3 - "$OUT"/{ftp,sftp,webdav}-{big,small}.json <<'PY'
import json, statistics, sys
print("### Targets (etlconn speed vs the tool: median of the per-round ratios)")
print("| run | vs | speed (median, worst) | target | etlconn peak RSS MiB |")
print("|---|---|---:|---:|---:|")
want = {"curl": 0.9, "OpenSSH": 0.9, "Python": 2.0, "paramiko": 2.0}
for path in sys.argv[1:]:
    d = json.load(open(path))
    base = d["tools"][0]
    for t in d["tools"][1:]:
        key = next(k for k in want if t["label"].startswith(k))
        med, worst = statistics.median(t["ratios"]), min(t["ratios"])
        ok = " met" if med >= want[key] else " NOT met"
        print(f"| {d['title']} | {t['label']} | {med:.2f}x, {worst:.2f}x | >= {want[key]}x{ok} | "
              f"{base['peak_rss_mib']:.1f} |")
PY
