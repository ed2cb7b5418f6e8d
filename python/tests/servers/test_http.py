"""The http (REST) connector's lifecycle through the Python API against the
run's shared json-server (shared-service: jsonserver; paged REST
collections) and the project's httpbin-style peer (shared-service: httpbin;
echo and bearer auth), as tests/integration/test_cli_http.sh and test_http.c
drive them.

json-server's collections are the service's own fixed data (its /posts and
/items are read-only for every test; /events belongs to test_cli_http): this
test writes nothing there and compares what lands with what the server
itself answers. Basic auth has no real peer here (json-server and httpbin
check none): it is covered by test_cli_http.sh against a scripted stand-in.
"""
import json
import logging
import urllib.request

import pyarrow.parquet as pq
import pytest

import etlconn
from conftest import text_of

CANARY = "Canary-http-bearer-4c1d9e"  # a bearer token the peer does not know


def _get(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return opener.open(url, timeout=10).read()


@pytest.fixture
def js(service):
    return service("jsonserver")["ETLC_TEST_JSONSERVER_URL"]


@pytest.fixture
def hb(service):
    return service("httpbin")


def _posts_connector(js, **more):
    return etlconn.HTTPConnector(base_url=js + "/", records_path="", pagination="link",
                                 params=["_page=1", "_limit=20"], proxy="", **more)


def _as_served(rows):
    """json-server's JSON records with the connector's JSON columns (author,
    tags) decoded, for comparing with what landed."""
    out = []
    for r in rows:
        r = dict(r)
        for k in ("author", "tags"):
            if r.get(k) is not None and isinstance(r[k], str):
                r[k] = json.loads(r[k])
        out.append(r)
    return out


def test_health_pages_into_parquet_equal_to_the_server(js, tmp_path, landed):
    want = json.loads(_get(js + "/posts"))
    assert len(want) == 95
    c = _posts_connector(js)
    assert not c.connected and "records" in c.capabilities()
    h = c.test_connection()
    assert h and h.healthy and h.error is None and "HTTP 200" in h.detail and h.server_version, h
    assert c.connected
    r = c.fetch_data("/posts", lake=tmp_path / "lake")
    landed(r)
    assert r.protocol == "http" and r.record_count == 95 and r.status == "success"
    assert all(i.format == "parquet" for i in r.items)
    assert r.items[0].metadata["columns"].startswith("id:int64,title:text,views:int64,score:double")
    rows = []
    for it in r.items:
        t = pq.read_table(it.path)
        types = {f.name: "json" if "json" in str(f.type) else str(f.type) for f in t.schema}
        assert types == {"id": "int64", "title": "string", "views": "int64", "score": "double",
                         "published": "bool", "author": "json", "tags": "json", "updated_at": "string"}, types
        rows += t.to_pylist()
    assert _as_served(rows) == want  # every value, every type, in the server's order


def test_fetch_arrow_and_batches(js):
    want = json.loads(_get(js + "/posts"))
    c = _posts_connector(js)
    t = c.fetch_arrow("/posts")
    assert t.num_rows == 95 and t.column("id").to_pylist() == list(range(1, 96))
    assert _as_served(t.to_pylist()) == want
    batches = list(c.fetch_arrow_batches("/posts"))
    # one batch per page of 20 (link pagination): more than one batch
    assert [b.num_rows for b in batches] == [20, 20, 20, 20, 15]
    assert [r["title"] for b in batches for r in b.to_pylist()] == [p["title"] for p in want]
    # offset pagination stopped by X-Total-Count, params given per call
    items = json.loads(_get(js + "/items"))
    o = etlconn.HTTPConnector(base_url=js, records_path="", pagination="offset", offset_param="_start",
                              limit_param="_limit", limit=15, total_header="X-Total-Count", proxy="")
    ti = o.fetch_arrow("/items")
    assert ti.to_pylist() == items and str(ti.schema.field("price").type) == "double"
    assert o.fetch_arrow("/items", params=["id_lte=3"]).column("name").to_pylist() == ["item 1", "item 2", "item 3"]
    c.close()
    o.close()


def test_raw_body_and_parse(js, hb, tmp_path, landed):
    c = etlconn.HTTPConnector(base_url=js, proxy="")
    assert "bytes" in c.capabilities()
    r = c.fetch_data("/items/3", lake=tmp_path / "raw")
    landed(r)
    (it,) = r.items
    assert it.format == "bytes" and it.content_type.startswith("application/json"), it
    body = open(it.path, "rb").read()
    assert body == _get(js + "/items/3") and json.loads(body) == {"id": 3, "name": "item 3", "price": 4.5}
    # the httpbin peer's /echo answers one JSON line: parse="jsonl" lands it as a record,
    # keep_raw keeps the body too; the POST body carries unicode through the echo
    e = etlconn.HTTPConnector(base_url=hb["ETLC_TEST_HTTPBIN_URL"], method="POST",
                              json_body=json.dumps({"word": "héllo ✓ 𝄞"}), proxy="")
    r = e.fetch_data("/echo?q=1", lake=tmp_path / "parsed", parse="jsonl", keep_raw=True)
    landed(r)
    formats = sorted(i.format for i in r.items)
    assert formats == ["bytes", "parquet"] and r.record_count == 1, r
    pq_item = next(i for i in r.items if i.format == "parquet")
    raw_item = next(i for i in r.items if i.format == "bytes")
    (row,) = pq.read_table(pq_item.path).to_pylist()
    assert row["method"] == "POST" and row["path"] == "/echo?q=1"
    assert json.loads(row["body"]) == {"word": "héllo ✓ 𝄞"}
    assert json.loads(open(raw_item.path, "rb").read())["path"] == "/echo?q=1"


def test_bearer_auth_errors_and_the_canary(js, hb, tmp_path, caplog):
    url, token = hb["ETLC_TEST_HTTPBIN_URL"], hb["ETLC_TEST_HTTPBIN_TOKEN"]
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        good = etlconn.HTTPConnector(base_url=url, auth="bearer", token=token, health_path="/auth", proxy="")
        assert good.test_connection().healthy
        r = good.fetch_data("/auth", lake=tmp_path / "auth")
        assert json.loads(open(r.items[0].path).read()) == {"authenticated": True}

        bad = etlconn.HTTPConnector(base_url=url, auth="bearer", token=CANARY, health_path="/auth", proxy="")
        assert CANARY not in repr(bad)
        h = bad.test_connection()
        # The http health check reports a 401 as unhealthy with the status in
        # the detail; it carries no error object (error is None), unlike a
        # connector whose check raises (docs/python.md promises .error).
        assert not h.healthy and "401" in h.detail and h.error is None, h
        assert CANARY not in repr(h)
        with pytest.raises(etlconn.AuthError) as e:
            bad.fetch_data("/auth", lake=tmp_path / "denied")
        assert e.value.name == "AUTH" and "401" in e.value.message and CANARY not in text_of(e.value)
        t = etlconn.test_connection("http", base_url=url, auth="bearer", token=CANARY, health_path="/auth",
                                    proxy="")
        assert not t.healthy and CANARY not in repr(t)

        # 404 -> EtlconnIOError IO_NOT_FOUND with the status and the URL
        with pytest.raises(etlconn.EtlconnIOError) as e:
            _posts_connector(js).fetch_data("/nothing-here", lake=tmp_path / "404")
        assert e.value.name == "IO_NOT_FOUND" and e.value.native_code == 404 and "/nothing-here" in e.value.message
        # a records_path that is not there -> DataError naming it
        with pytest.raises(etlconn.DataError) as e:
            etlconn.HTTPConnector(base_url=js, records_path="/nope", proxy="").fetch_arrow("/items")
        assert "records_path '/nope'" in e.value.message
        # an unreachable port: unhealthy (refused), and a fetch raises ConnectError
        down = etlconn.HTTPConnector(base_url="http://127.0.0.1:1", retry_max=0, proxy="")
        h = down.test_connection()
        assert not h.healthy and "connect" in h.detail.lower(), h
        with pytest.raises(etlconn.ConnectError) as e:
            down.fetch_data("/x", lake=tmp_path / "down")
        assert e.value.name == "CONNECT_REFUSED" and e.value.retryable
        # credentials inside base_url are refused as configuration, never repeated
        with pytest.raises(etlconn.ConfigError) as e:
            etlconn.HTTPConnector(base_url=f"http://etl:{CANARY}@127.0.0.1:1/").connect()
        assert "must not hold credentials" in e.value.message and CANARY not in text_of(e.value)
    finally:
        etlconn.set_log_level(logging.WARNING)
    assert any("Authorization" in rec.getMessage() for rec in caplog.records), "no request headers logged at DEBUG"
    for rec in caplog.records:
        assert CANARY not in rec.getMessage() and token not in rec.getMessage(), rec.getMessage()


def test_close_reconnect_and_with(js, tmp_path):
    c = _posts_connector(js).connect()
    assert c.connected
    c.close()
    assert not c.connected
    c.close()  # twice is fine
    assert c.connect().fetch_arrow("/posts").num_rows == 95  # connect() again after close
    c.close()
    with etlconn.create_connector({"protocol": "http", "base_url": js, "records_path": "",
                                   "proxy": ""}) as w:
        assert w.connected and w.fetch_data("/items", lake=tmp_path / "w").record_count == 40
    assert not w.connected
    e = etlconn.get_http_engine(base_url=js, proxy="", reuse=False)
    assert e.connected and e.test_connection().healthy
    e.close()
