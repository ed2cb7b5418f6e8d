#!/usr/bin/env python3
"""Capture seeds for fuzz_cassandra_frame: real CQL response frames from a
running Cassandra (tests/services/cassandra), written one per file.

  tests/fuzz/cassandra_corpus.py HOST PORT USER PASSWORD OUTDIR [--v5 [--lz4]]

Speaks just enough of the protocol itself (stream 0): OPTIONS, STARTUP, SASL
PLAIN, then queries whose answers cover every type, paging, a prepared
statement, warnings and errors. v4 seeds are whole response frames. With
--v5 the answers after STARTUP are kept as the raw v5 segments that carried
them (the Python driver's SegmentCodec frames and checks them; --lz4 with
the system liblz4), behind the fuzz target's mode byte (0x00 plain, 0x01
LZ4 segments); files are named seed-v5-* / seed-v5lz4-*. Not run by the
tests."""
import ctypes
import io
import socket
import struct
import sys

from cassandra.segment import SegmentCodec

host, port, user, pw, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
V5 = "--v5" in sys.argv
LZ4 = V5 and "--lz4" in sys.argv
VERSION = 5 if V5 else 4
sock = socket.create_connection((host, port))
codec = None  # set once STARTUP is answered (v5)


def lz4_codec():
    lib = ctypes.CDLL("liblz4.so.1")

    def comp(b):
        bound = lib.LZ4_compressBound(len(b))
        buf = ctypes.create_string_buffer(bound)
        return struct.pack(">I", len(b)) + buf.raw[:lib.LZ4_compress_default(b, buf, len(b), bound)]

    def decomp(b):
        n = struct.unpack(">I", b[:4])[0]
        buf = ctypes.create_string_buffer(max(n, 1))
        assert lib.LZ4_decompress_safe(b[4:], buf, len(b) - 4, n) == n
        return buf.raw[:n]
    return SegmentCodec(comp, decomp)


def recv_exact(n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("server closed")
        data += chunk
    return data


def read_envelope_segments():
    """Segments until one whole envelope: (raw segment bytes, envelope)."""
    raw, payload = b"", b""
    while len(payload) < 9 or len(payload) < 9 + struct.unpack(">I", payload[5:9])[0]:
        hdr = recv_exact(codec.header_length_with_crc)
        h = codec.decode_header(io.BytesIO(hdr))
        rest = recv_exact(h.payload_length + 4)
        payload += codec.decode(io.BytesIO(rest), h).payload
        raw += hdr + rest
    return raw, payload


def frame(op, body=b""):
    env = struct.pack(">BBhBI", VERSION, 0, 0, op, len(body)) + body
    if codec:
        buf = io.BytesIO()
        codec.encode(buf, env)
        sock.sendall(buf.getvalue())
        raw, _ = read_envelope_segments()
        return bytes([1 if LZ4 else 0]) + raw
    sock.sendall(env)
    hdr = recv_exact(9)
    return hdr + recv_exact(struct.unpack(">I", hdr[5:])[0])


def string(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def query(q, page_size=None, paging=None, values=None, op=7, qid=None, mdid=b""):
    flags = (4 if page_size else 0) | (8 if paging else 0) | (1 if values else 0)
    head = struct.pack(">H", len(qid)) + qid if qid else struct.pack(">I", len(q.encode())) + q.encode()
    if qid and V5:
        head += struct.pack(">H", len(mdid)) + mdid
    body = head + (struct.pack(">Hi", 1, flags) if V5 else struct.pack(">HB", 1, flags))
    if values:
        body += struct.pack(">H", len(values)) + b"".join(struct.pack(">i", len(v)) + v for v in values)
    if page_size:
        body += struct.pack(">i", page_size)
    if paging:
        body += struct.pack(">i", len(paging)) + paging
    return frame(op, body)


seeds = {}
seeds["supported"] = frame(5)
startup = [("CQL_VERSION", "3.0.0")] + ([("COMPRESSION", "lz4")] if LZ4 else [])
seeds["authenticate"] = frame(1, struct.pack(">H", len(startup)) + b"".join(string(k) + string(v) for k, v in startup))
if V5:
    codec = lz4_codec() if LZ4 else SegmentCodec()
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
pq = f"SELECT * FROM {ks}.t WHERE id = ?".encode()
prep = frame(9, struct.pack(">I", len(pq)) + pq + (struct.pack(">i", 0) if V5 else b""))
seeds["prepared"] = prep
if V5:  # the envelope inside the one segment: id, then the result metadata id
    env = prep[1 + codec.header_length_with_crc:]
    at = 9 + 4
    qid = env[at + 2: at + 2 + struct.unpack(">H", env[at:at + 2])[0]]
    at += 2 + len(qid)
    mdid = env[at + 2: at + 2 + struct.unpack(">H", env[at:at + 2])[0]]
else:
    qid, mdid = prep[9 + 4 + 2: 9 + 4 + 2 + struct.unpack(">H", prep[13:15])[0]], b""
seeds["rows_execute"] = query(None, values=[struct.pack(">i", 1)], op=10, qid=qid, mdid=mdid)
seeds["error_unprepared"] = query(None, values=[struct.pack(">i", 1)], op=10, qid=b"\x01" * 16, mdid=mdid)
seeds["rows_warning"] = query(f"SELECT * FROM {ks}.t WHERE t = 'x' ALLOW FILTERING")
prefix = "seed-v5lz4-" if LZ4 else "seed-v5-" if V5 else "seed-"
for name, data in seeds.items():
    if V5 and name in ("supported", "authenticate"):
        continue  # unframed: the same as the v4 seeds but for the version byte
    open(f"{out}/{prefix}{name}", "wb").write(data)
    print(prefix + name, len(data), "bytes")
