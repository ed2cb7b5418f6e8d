#!/usr/bin/env python3
"""Capture seeds for fuzz_cassandra_frame: real CQL v4 response frames from a
running Cassandra (tests/services/cassandra), written one per file.

  tests/fuzz/cassandra_corpus.py HOST PORT USER PASSWORD OUTDIR

Speaks just enough of the protocol itself (uncompressed v4, stream 0):
OPTIONS, STARTUP, SASL PLAIN, then queries whose answers cover every type,
paging, a prepared statement, warnings and errors. Not run by the tests."""
import socket
import struct
import sys

host, port, user, pw, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
sock = socket.create_connection((host, port))


def frame(op, body=b""):
    sock.sendall(struct.pack(">BBhBI", 4, 0, 0, op, len(body)) + body)
    hdr = b""
    while len(hdr) < 9:
        hdr += sock.recv(9 - len(hdr))
    n = struct.unpack(">I", hdr[5:])[0]
    body = b""
    while len(body) < n:
        body += sock.recv(n - len(body))
    return hdr + body


def string(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def query(q, page_size=None, paging=None, values=None, op=7, qid=None):
    flags = (4 if page_size else 0) | (8 if paging else 0) | (1 if values else 0)
    head = struct.pack(">H", len(qid)) + qid if qid else struct.pack(">I", len(q.encode())) + q.encode()
    body = head + struct.pack(">HB", 1, flags)
    if values:
        body += struct.pack(">H", len(values)) + b"".join(struct.pack(">i", len(v)) + v for v in values)
    if page_size:
        body += struct.pack(">i", page_size)
    if paging:
        body += struct.pack(">i", len(paging)) + paging
    return frame(op, body)


seeds = {}
seeds["supported"] = frame(5)
seeds["authenticate"] = frame(1, struct.pack(">H", 1) + string("CQL_VERSION") + string("3.0.0"))
tok = b"\0" + user.encode() + b"\0" + pw.encode()
seeds["auth_success"] = frame(0x0F, struct.pack(">i", len(tok)) + tok)
ks = "etlc_fuzz_seed"
for q in [f"CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}",
          f"CREATE TYPE IF NOT EXISTS {ks}.addr (street text, zip int)",
          f"""CREATE TABLE IF NOT EXISTS {ks}.t (id int PRIMARY KEY, a ascii, t text, bi bigint, si smallint,
              ti tinyint, vi varint, de decimal, d double, f float, b boolean, ts timestamp, dt date, tm time,
              u uuid, tu timeuuid, ip inet, bl blob, du duration, li list<int>, se set<text>,
              ma map<text, int>, tup tuple<int, text>, ad frozen<addr>, nested map<text, frozen<list<int>>>)""",
          f"""INSERT INTO {ks}.t (id, a, t, bi, si, ti, vi, de, d, f, b, ts, dt, tm, u, tu, ip, bl, du, li, se, ma,
              tup, ad, nested) VALUES (1, 'x', 'tëxt', -5, 7, -3, -123456789012345678901234567890, -1.50,
              1.5, 0.25, true, '2024-02-29 12:34:56.789Z', '1969-07-20', '12:34:56.123456789',
              12345678-1234-5678-9abc-def012345678, now(), '::1', 0x00ff, 1mo2d3ns, [3, 1], {{'a', 'b'}},
              {{'k': 1}}, (7, 'seven'), {{street: 'Main', zip: 1}}, {{'n': [1, 2]}})""",
          f"INSERT INTO {ks}.t (id) VALUES (2)",
          f"INSERT INTO {ks}.t (id, ip) VALUES (3, '10.0.0.1')"]:
    query(q)
seeds["rows_alltypes"] = query(f"SELECT * FROM {ks}.t")
seeds["rows_paged"] = query(f"SELECT id, t FROM {ks}.t", page_size=1)
seeds["rows_system"] = query("SELECT * FROM system.local")
seeds["void"] = query(f"INSERT INTO {ks}.t (id) VALUES (4)")
seeds["set_keyspace"] = query(f"USE {ks}")
seeds["error_syntax"] = query("SELEKT 1")
seeds["error_invalid"] = query("SELECT * FROM no_such_table")
prep = frame(9, struct.pack(">I", len(f"SELECT * FROM {ks}.t WHERE id = ?")) + f"SELECT * FROM {ks}.t WHERE id = ?".encode())
seeds["prepared"] = prep
qid = prep[9 + 4 + 2: 9 + 4 + 2 + struct.unpack(">H", prep[13:15])[0]]
seeds["rows_execute"] = query(None, values=[struct.pack(">i", 1)], op=10, qid=qid)
seeds["error_unprepared"] = query(None, values=[struct.pack(">i", 1)], op=10, qid=b"\x01" * 16)
seeds["rows_warning"] = query(f"SELECT * FROM {ks}.t WHERE t = 'x' ALLOW FILTERING")
for name, data in seeds.items():
    open(f"{out}/seed-{name}", "wb").write(data)
    print(name, len(data), "bytes, opcode", data[4])
