"""The soap connector's lifecycle through the Python API against the run's
shared spyne service (shared-service: soap; tests/services/soap, SOAP 1.1
document/literal wrapped), as tests/integration/test_cli_soap.sh and
test_soap.c drive it: the health check lists the operations, GetOrders'
rows land typed from the XSD and equal to the service's own rule
(order_row, loaded from tests/services/soap), a scalar response as one row
and as the XML itself, a Fault, wrong parameters, HTTP basic auth with a
canary password shown nowhere.

The service computes its answer from the call (orders 1..customer_id), so
this test's own data is its own customer_id; there is nothing to seed.
"""
import importlib.machinery
import importlib.util
import logging
import os

import pyarrow.parquet as pq
import pytest

import etlconn
from conftest import text_of

CANARY = "Canary-soap-pw-8b2e71"  # a wrong password
CUSTOMER = 2345  # orders 1..2345: three batches of 1000


@pytest.fixture(scope="module")
def svc():
    path = os.path.join(os.environ.get("ETLCONN_SOURCE_DIR") or
                        os.path.join(os.path.dirname(__file__), "..", "..", ".."), "tests", "services", "soap")
    loader = importlib.machinery.SourceFileLoader("soap_service", path)
    mod = importlib.util.module_from_spec(importlib.util.spec_from_loader("soap_service", loader))
    loader.exec_module(mod)
    return mod


@pytest.fixture
def env(service):
    return service("soap")


def _want(svc, first, last):
    """order_row(i) as the landed columns read back (Decimal amount -> float)."""
    rows = []
    for i in range(first, last + 1):
        w = dict(svc.order_row(i))
        w["amount"] = float(w["amount"])
        rows.append(w)
    return rows


def _norm(rows):
    # pyarrow gives zoneinfo UTC, the service datetime.timezone.utc: compare instants
    return [dict(r, placed=r["placed"].timestamp()) for r in rows]


def test_health_rows_landed_equal_to_the_service(env, svc, tmp_path, landed):
    c = etlconn.SOAPConnector(wsdl_url=env["SOAP_TEST_WSDL"], source="spyne", proxy="")
    assert not c.connected and set(c.capabilities()) >= {"records", "bytes"}
    h = c.test_connection()
    assert h.healthy and h.error is None and "WSDL" in h.server_version, h
    assert "operations: GetOrders, GetTotals, Explode" in h.detail, h
    r = c.fetch_data("GetOrders", params=[f"customer_id={CUSTOMER}"], lake=tmp_path / "lake", batch_rows=1000)
    landed(r)
    assert r.protocol == "soap" and r.source == "spyne" and r.record_count == CUSTOMER
    assert r.items[0].metadata["columns"] == "id:int64,amount:double,placed:timestamp,paid:bool,note:text"
    rows = []
    for it in r.items:
        t = pq.read_table(it.path)
        assert [str(f.type) for f in t.schema] == ["int64", "double", "timestamp[us, tz=UTC]", "bool", "string"]
        rows += t.to_pylist()
    assert _norm(rows) == _norm(_want(svc, 1, CUSTOMER))
    assert rows[4]["note"] is None and rows[0]["note"] == "order <1> & co"  # NULLs, XML escapes undone
    # a dateTime parameter, parameters as JSON after the operation's name
    r = c.fetch_data('GetOrders {"customer_id": 50}', params=["since=2026-01-02T00:00:00Z"],
                     lake=tmp_path / "since")
    assert [x["id"] for it in r.items for x in pq.read_table(it.path).to_pylist()] == list(range(24, 51))
    c.close()


def test_fetch_arrow_batches_scalar_and_bytes(env, svc, tmp_path, landed):
    c = etlconn.SOAPConnector(wsdl_url=env["SOAP_TEST_WSDL"], proxy="")
    t = c.fetch_arrow("GetOrders", params=["customer_id=5"])
    assert _norm(t.to_pylist()) == _norm(_want(svc, 1, 5))
    batches = list(c.fetch_arrow_batches("GetOrders", params=[f"customer_id={CUSTOMER}"], batch_rows=1000))
    assert [b.num_rows for b in batches] == [1000, 1000, 345]
    assert [i for b in batches for i in b.column("id").to_pylist()] == list(range(1, CUSTOMER + 1))
    # a scalar response is one row
    assert c.fetch_arrow("GetTotals", params=["customer_id=4"]).to_pylist() == [
        {"count": 4, "total": 12.5, "name": "customer 4"}]
    # output=bytes: the response XML itself lands
    b = etlconn.SOAPConnector(wsdl_url=env["SOAP_TEST_WSDL"], output="bytes", proxy="")
    r = b.fetch_data('GetTotals {"customer_id": 4}', lake=tmp_path / "bytes")
    landed(r)
    (it,) = r.items
    assert it.format == "bytes" and it.name == "GetTotals.xml" and it.content_type == "text/xml", it
    body = open(it.path).read()
    assert "GetTotalsResponse" in body and "<tns:total>12.50</tns:total>" in body, body


def test_fault_and_wrong_calls(env, tmp_path):
    c = etlconn.SOAPConnector(wsdl_url=env["SOAP_TEST_WSDL"], proxy="")
    with pytest.raises(etlconn.ProtocolError) as e:
        c.fetch_data("Explode", params=["reason=tank empty"], lake=tmp_path / "fault")
    assert e.value.name == "QUERY" and e.value.native_state == "SOAP"
    assert e.value.message == "SOAP Fault soap11env:Client.Exploded: tank empty"
    assert not list((tmp_path / "fault").rglob("*.parquet"))  # nothing landed
    with pytest.raises(etlconn.UsageError) as e:
        c.fetch_data("GetNothing", lake=tmp_path / "bad")
    assert "the port has: GetOrders, GetTotals, Explode" in e.value.message
    with pytest.raises(etlconn.UsageError) as e:
        c.fetch_arrow("GetOrders", params=["customer=1"])
    assert "it takes: customer_id, since" in e.value.message
    with pytest.raises(etlconn.UsageError) as e:
        c.fetch_arrow("GetOrders", params=["customer_id=many"])
    assert "xsd:int" in e.value.message
    # an unreachable WSDL: unhealthy, and a fetch raises ConnectError
    down = etlconn.SOAPConnector(wsdl_url="http://127.0.0.1:1/?wsdl", retry_max=0, proxy="")
    h = down.test_connection()
    assert not h.healthy and "connect" in h.detail.lower(), h
    with pytest.raises(etlconn.ConnectError) as e:
        down.fetch_data("GetOrders", lake=tmp_path / "down")
    assert e.value.name == "CONNECT_REFUSED"


def test_basic_auth_and_the_canary(env, svc, tmp_path, caplog):
    auth = dict(wsdl_url=env["SOAP_TEST_AUTH_WSDL"], username=env["SOAP_TEST_USER"], proxy="")
    etlconn.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="etlconn")
    try:
        good = etlconn.SOAPConnector(password=env["SOAP_TEST_PASSWORD"], ws_security="username_token", **auth)
        assert good.test_connection().healthy
        assert _norm(good.fetch_arrow("GetOrders", params=["customer_id=3"]).to_pylist()) == _norm(_want(svc, 1, 3))

        bad = etlconn.SOAPConnector(password=CANARY, **auth)
        assert CANARY not in repr(bad)
        h = bad.test_connection()
        # The soap health check reports the 401 as unhealthy with the status in
        # the detail and no error object (error is None).
        assert not h.healthy and "401" in h.detail and h.error is None and CANARY not in repr(h), h
        with pytest.raises(etlconn.AuthError) as e:
            bad.fetch_data("GetOrders", params=["customer_id=2"], lake=tmp_path / "denied")
        assert e.value.name == "AUTH" and "401" in e.value.message and CANARY not in text_of(e.value)
        t = etlconn.test_connection("soap", password=CANARY, **auth)
        assert not t.healthy and CANARY not in repr(t)
        # credentials inside the URL are refused without being repeated
        url = env["SOAP_TEST_WSDL"].replace("http://", f"http://u:{CANARY}@")
        t = None
        try:
            t = etlconn.test_connection("soap", wsdl_url=url, proxy="")
        except etlconn.EtlconnError as err:
            assert CANARY not in text_of(err)
        else:
            assert not t.healthy and CANARY not in repr(t)
    finally:
        etlconn.set_log_level(logging.WARNING)
    assert caplog.records, "the library logged nothing at DEBUG"
    for rec in caplog.records:
        msg = rec.getMessage()
        assert CANARY not in msg and env["SOAP_TEST_PASSWORD"] not in msg, msg


def test_close_reconnect_and_with(env, tmp_path):
    c = etlconn.SOAPConnector(wsdl_url=env["SOAP_TEST_WSDL"], proxy="").connect()
    assert c.connected
    c.close()
    c.close()  # twice is fine
    assert not c.connected
    assert c.connect().fetch_arrow("GetTotals", params=["customer_id=2"]).column("count").to_pylist() == [2]
    c.close()
    with etlconn.create_connector({"protocol": "soap", "wsdl_url": env["SOAP_TEST_WSDL"], "proxy": ""}) as w:
        assert w.connected and w.fetch_data("GetOrders", params=["customer_id=4"],
                                            lake=tmp_path / "w").record_count == 4
    assert not w.connected
