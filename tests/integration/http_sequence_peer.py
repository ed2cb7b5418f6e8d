#!/usr/bin/env python3
"""A scripted HTTP peer for the http connector's tests, where no real server
offers the behaviour: an OAuth2 client-credentials token endpoint, cursor and
next-URL pagination in the body, a looping cursor, 429-then-200 with
Retry-After, basic auth and an API key in the query. It is a stand-in, not a
real API: the tests say so. Python standard library only.

  http_sequence_peer.py DIR    serve on a free 127.0.0.1 port; write DIR/port
                               (and DIR/pid); hits are at GET /_hits
Secrets it checks come from the environment: SEQ_CLIENT_SECRET, SEQ_TOKEN_PREFIX,
SEQ_BEARER, SEQ_PASSWORD, SEQ_API_KEY.
"""
import base64
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

HITS = {}
TOKENS = {}   # access token -> expiry (time.time())
LOCK = threading.Lock()
E = os.environ


def hit(key):
    with LOCK:
        HITS[key] = HITS.get(key, 0) + 1
        return HITS[key]


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, obj, headers=()):
        body = (obj if isinstance(obj, str) else json.dumps(obj)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def bearer_ok(self):
        auth = self.headers.get("Authorization", "")
        tok = auth[7:] if auth.startswith("Bearer ") else ""
        with LOCK:
            exp = TOKENS.get(tok)
        return exp is not None and exp > time.time()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        if self.path != "/oauth/token":
            return self.send(404, {"error": "no"})
        hit("token")
        if (form.get("grant_type") != ["client_credentials"] or form.get("client_id") != ["etl-client"]
                or form.get("client_secret") != [E["SEQ_CLIENT_SECRET"]]):
            return self.send(401, {"error": "invalid_client"})
        with LOCK:
            tok = "%s%d" % (E["SEQ_TOKEN_PREFIX"], len(TOKENS) + 1)
            TOKENS[tok] = time.time() + 6
        self.send(200, {"access_token": tok, "token_type": "Bearer", "expires_in": 6})

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        p = u.path
        if p == "/_hits":
            with LOCK:
                return self.send(200, dict(HITS))
        hit(p)
        if p == "/api/orders":  # cursor pagination, OAuth2 bearer required
            if not self.bearer_ok():
                return self.send(401, {"error": "invalid_token"})
            page = int(q.get("cursor", "c1")[1:])
            data = [{"id": page * 10 + i, "amount": page * 1.5 + i} for i in range(3)]
            return self.send(200, {"data": data, "meta": {"next": "c%d" % (page + 1) if page < 4 else None}})
        if p == "/api/feed":    # next URL in the body, relative
            page = int(q.get("p", "1"))
            nxt = "/api/feed?p=%d" % (page + 1) if page < 3 else None
            return self.send(200, {"items": [{"n": page}], "links": {"next": nxt}})
        if p == "/api/escape":  # a next URL on another origin
            return self.send(200, {"items": [{"n": 1}], "links": {"next": "http://192.0.2.1:9/x"}})
        if p == "/api/loop":    # a server bug: the cursor never moves
            return self.send(200, {"data": [{"id": 1}], "next": "same"})
        if p == "/api/limited":  # 429 with Retry-After once, then 200
            if hit("limited-state") == 1:
                return self.send(429, {"error": "slow down"}, [("Retry-After", "1")])
            return self.send(200, [{"id": 1, "ok": True}])
        if p == "/api/basic":
            want = "Basic " + base64.b64encode(("etl:" + E["SEQ_PASSWORD"]).encode()).decode()
            if self.headers.get("Authorization") != want:
                return self.send(401, {"error": "who are you"})
            return self.send(200, [{"id": 1, "user": "etl"}])
        if p == "/api/key":
            if q.get("key") != E["SEQ_API_KEY"]:
                return self.send(403, {"error": "bad key"})
            return self.send(200, [{"id": 7}])
        if p == "/api/keypages":  # next links that echo the API key back
            if q.get("key") != E["SEQ_API_KEY"] or self.path.count("key=") != 1:
                return self.send(403, {"error": "bad or repeated key"})
            page = int(q.get("p", "1"))
            nxt = "/api/keypages?key=%s&p=%d" % (q["key"], page + 1) if page < 3 else None
            return self.send(200, {"items": [{"n": page}], "next": nxt})
        if p == "/api/bearer":
            if self.headers.get("Authorization") != "Bearer " + E["SEQ_BEARER"]:
                return self.send(401, {"error": "bad token"})
            return self.send(200, [{"id": 9}])
        if p == "/api/bad":     # a 400 whose body echoes the credential it got
            return self.send(400, {"error": "invalid request", "got": self.headers.get("Authorization", "")})
        self.send(404, {"error": "no such path"})


def main():
    d = sys.argv[1]
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    s.daemon_threads = True
    open(os.path.join(d, "pid"), "w").write(str(os.getpid()))
    open(os.path.join(d, "port.tmp"), "w").write(str(s.server_address[1]))
    os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
    s.serve_forever()


if __name__ == "__main__":
    main()
