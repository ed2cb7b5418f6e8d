"""fetch_arrow equals pyarrow reading our Parquet output, value by value and
type by type, across every type incl. NULLs, int64 extremes, decimals,
timestamps and unicode; fetch_arrow_batches keeps memory bounded.
shared-service: postgres"""
import json
import logging
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import etlconn

PG_TYPES = """
CREATE TABLE alltypes(id int primary key, i bigint, s smallint, b boolean, d double precision,
  n numeric(38,10), n2 numeric(10,2), nu numeric, t text, u varchar(20), dt date, ts timestamptz,
  tsl timestamp, j jsonb, by bytea);
INSERT INTO alltypes VALUES
 (1, 9223372036854775807, 32767, true, 1.5, 1234567890123456789012345678.0123456789, 99999999.99,
  3.14159265358979323846264338327950288419, 'héllo ✓ 𝄞 日本語', 'x', '2024-02-29',
  '2024-01-31 12:34:56.123456+00', '2024-01-31 12:34:56', '{"a": [1, "ü"]}', '\\x00ff'),
 (2, -9223372036854775808, -32768, false, -0.0, -0.0000000001, -0.01, -1e-20, '', '', '1900-01-01',
  '1970-01-01 00:00:00+00', '1969-12-31 23:59:59.999999', '[]', ''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 0, 0, true, 'Infinity', 0, 0, 0, repeat('z', 5000), 'y', '9999-12-31', '2262-04-11 23:47:16.854775+00',
  '0001-01-01 00:00:00', 'null', repeat('a', 300)::bytea);
"""


def _landed(conn, query, tmp_path, **kw):
    r = conn.fetch_data(query, lake=tmp_path / "lake", format="parquet", **kw)
    assert len(r.items) == 1
    return pq.read_table(r.items[0].path)


def _assert_same(arrow_table, parquet_table):
    assert arrow_table.column_names == parquet_table.column_names
    assert arrow_table.num_rows == parquet_table.num_rows
    for name in arrow_table.column_names:
        a, p = arrow_table.schema.field(name).type, parquet_table.schema.field(name).type
        if isinstance(a, pa.ExtensionType):  # json: arrow.json over utf8 (Parquet reads plain string)
            assert a.extension_name == "arrow.json" and a.storage_type == pa.string()
            if isinstance(p, pa.ExtensionType):
                p = p.storage_type
            a = a.storage_type
        assert a == p, f"{name}: {a} != {p}"
        assert arrow_table.column(name).to_pylist() == parquet_table.column(name).to_pylist(), name


def test_sqlite_arrow_equals_parquet(types_db, tmp_path):
    c = etlconn.get_sqlite_engine(types_db)
    q = "select * from t order by id"
    t = c.fetch_arrow(q)
    assert t.schema.field("n").type == pa.decimal128(20, 4)
    assert t.schema.field("ts").type == pa.timestamp("us", tz="UTC")
    assert t.schema.field("d").type == pa.date32()
    assert t.column("i").to_pylist()[:3] == [2**63 - 1, -2**63, None]
    _assert_same(t, _landed(c, q, tmp_path))


def test_postgres_arrow_equals_parquet(pg, tmp_path):
    pg.psql(PG_TYPES)
    c = etlconn.get_postgres_engine(**pg.options)
    q = "SELECT * FROM alltypes ORDER BY id"
    t = c.fetch_arrow(q)
    assert t.schema.field("i").type == pa.int64()
    assert t.schema.field("n").type == pa.decimal128(38, 10)
    assert t.schema.field("ts").type == pa.timestamp("us", tz="UTC")
    assert t.schema.field("dt").type == pa.date32()
    assert t.schema.field("by").type == pa.binary()
    assert t.column("t").to_pylist()[0] == "héllo ✓ 𝄞 日本語"
    _assert_same(t, _landed(c, q, tmp_path))
    # small batches: the same table from many batches
    _assert_same(c.fetch_arrow(q, batch_rows=1), t)



def test_postgres_scan_partitions_give_the_same_rows(pg, caplog):
    """scan_partitions=2 reads a plain table as 2 heap-block ranges in one
    snapshot: the same rows as one stream, as a multiset (no order is promised)."""
    pg.psql("""
CREATE TABLE scan_py(id int, i bigint, s smallint, b boolean, d double precision, n numeric(38,10), t text,
  dt date, ts timestamptz, tsl timestamp, j jsonb, by bytea);
INSERT INTO scan_py SELECT g, g * 3, g % 30000, g % 2 = 0, g / 7.0, g / 3.0, CASE WHEN g % 9 > 0 THEN 'r' || g END,
  date '2000-01-01' + g % 9000, timestamptz '2020-01-01 00:00:00+00' + g * interval '1 s',
  timestamp '2001-01-01' - g * interval '1 min', jsonb_build_object('g', g), int4send(g)
  FROM generate_series(1, 40000) g;""")
    q = "SELECT * FROM scan_py"
    one = etlconn.get_postgres_engine(**pg.options, reuse=False).fetch_arrow(q)
    etlconn.set_log_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="etlconn")
    try:
        two = etlconn.get_postgres_engine(**pg.options, reuse=False, scan_partitions=2).fetch_arrow(q)
    finally:
        etlconn.set_log_level(logging.WARNING)
    assert any("in 2 ranges over its" in r.getMessage() for r in caplog.records), "no parallel scan was logged"
    assert one.num_rows == two.num_rows == 40000
    assert one.schema == two.schema
    by_id = lambda t: sorted(t.to_pylist(), key=lambda r: r["id"])  # noqa: E731
    assert by_id(one) == by_id(two)

def test_batches_and_bounded_memory(pg):
    c = etlconn.get_postgres_engine(**pg.options)
    q = "SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 200000) g"
    n, batches = 0, 0
    for b in c.fetch_arrow_batches(q, batch_rows=10000):
        assert isinstance(b, pa.RecordBatch) and b.num_rows <= 10000
        n += b.num_rows
        batches += 1
    assert n == 200000 and batches >= 20
    # leaving early ends the fetch; the connector stays usable
    it = c.fetch_arrow_batches(q, batch_rows=1000)
    assert next(it).num_rows == 1000
    it.close()
    assert c.fetch_arrow("SELECT 1 AS x").num_rows == 1


_RSS_CHILD = """
import json, resource, sys, etlconn
opts, rows = json.loads(sys.argv[1]), int(sys.argv[2])
c = etlconn.get_postgres_engine(**opts)
q = "SELECT g AS id, repeat('x', 120) || g AS h FROM generate_series(1, %d) g" % rows
c.fetch_arrow("SELECT 1")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
n = sum(b.num_rows for b in c.fetch_arrow_batches(q, batch_rows=5000))
assert n == rows, n
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)
"""


def _rss_growth_kib(pg, rows):
    out = subprocess.run([sys.executable, "-c", _RSS_CHILD, json.dumps(pg.options), str(rows)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip())


def test_batches_memory_does_not_grow_with_rows(pg):
    # 400k rows of ~135 bytes are ~50 MiB when held (fetch_arrow: +60 MiB);
    # batches of 5000 are ~0.7 MiB each
    small, large = _rss_growth_kib(pg, 40000), _rss_growth_kib(pg, 400000)
    assert large - small < 16 * 1024, f"peak RSS grew {small} KiB -> {large} KiB"


def test_without_pyarrow_says_how(types_db):
    code = ("import sys; sys.modules['pyarrow'] = None\n"
            "import etlconn\n"
            f"c = etlconn.get_sqlite_engine({types_db!r})\n"
            "try:\n    c.fetch_arrow('select 1')\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install pyarrow" in out


def test_arrow_errors_are_etlconn_errors(types_db):
    c = etlconn.get_sqlite_engine(types_db)
    with pytest.raises(etlconn.ProtocolError):
        c.fetch_arrow("select * from nope")
    with pytest.raises(etlconn.UsageError):  # file-shaped sources land files, they have no records
        etlconn.get_file_engine(root="/tmp").fetch_arrow("*.csv")
