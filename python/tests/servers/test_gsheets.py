"""The gsheets connector's lifecycle through the Python API against the
run's shared Sheets stand-in (shared-service: gsheets; tests/services/gsheets:
a LOCAL STAND-IN for the Sheets API v4 and Google's JWT-bearer token
endpoint, which verifies the RS256 signature; no Sheets emulator exists, so
this is not Google's server), as tests/integration/test_cli_gsheets.sh and
test_gsheets.c drive it.

The stand-in's spreadsheets are fixed at its start (it has no write API):
this test reads them and compares what lands with the stand-in's own cells
(SPREADSHEETS, loaded from tests/services/gsheets), converted by the
documented rules (header row names, serial-number dates as UTC timestamps,
empty cells NULL).
"""
import datetime
import importlib.machinery
import importlib.util
import json
import logging
import os

import pyarrow.parquet as pq
import pytest

import etlconn
from conftest import text_of

API_KEY_CANARY = "Canary-gsheets-apikey-2f9d04"  # an API key the stand-in does not know
UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def standin():
    path = os.path.join(os.environ.get("ETLCONN_SOURCE_DIR") or
                        os.path.join(os.path.dirname(__file__), "..", "..", ".."), "tests", "services", "gsheets")
    loader = importlib.machinery.SourceFileLoader("gsheets_standin", path)
    mod = importlib.util.module_from_spec(importlib.util.spec_from_loader("gsheets_standin", loader))
    loader.exec_module(mod)
    return mod


@pytest.fixture
def env(service):
    return service("gsheets")


def _opts(env, **more):
    return dict(dict(spreadsheet_id="typed-sheet", credentials_file=env["ETLC_TEST_GSHEETS_KEY_FILE"],
                     api_base_url=env["ETLC_TEST_GSHEETS_URL"], proxy=""), **more)


def _sheet(standin, spreadsheet, title):
    return next(s for s in standin.SPREADSHEETS[spreadsheet]["sheets"] if s["title"] == title)


def _expected_data(standin):
    """Data!A1:H as the docs say it lands: the header names by the
    column-name rule, the DATE_TIME column as timestamps, empty cells NULL."""
    sheet = _sheet(standin, "typed-sheet", "Data")
    names = ["id", "name", "price", "active", "joined", "note", "column_7", "id_2"]
    assert len(sheet["rows"][0]) == len(names)
    rows = []
    for cells in sheet["rows"][1:]:
        cells = list(cells) + [None] * (len(names) - len(cells))
        row = {n: (None if v == "" else v) for n, v in zip(names, cells)}
        row["joined"] = datetime.datetime(1899, 12, 30, tzinfo=UTC) + datetime.timedelta(days=row["joined"])
        row["price"] = float(row["price"])
        rows.append(row)
    return rows


def test_health_range_landed_equal_to_the_sheet(env, standin, tmp_path, landed):
    c = etlconn.GSheetsConnector(**_opts(env))
    assert not c.connected and c.capabilities() == ["records"]
    h = c.test_connection()
    assert h.healthy and h.error is None and h.server_version == "Google Sheets API v4", h
    assert "Typed stand-in sheet" in h.detail and "service account" in h.detail, h
    r = c.fetch_data("Data!A1:H", lake=tmp_path / "lake")
    landed(r)
    assert r.protocol == "gsheets" and r.source == "typed-sheet" and r.record_count == 4
    (it,) = r.items
    t = pq.read_table(it.path)
    assert {f.name: str(f.type) for f in t.schema} == {
        "id": "int64", "name": "string", "price": "double", "active": "bool", "joined": "timestamp[us, tz=UTC]",
        "note": "string", "column_7": "string", "id_2": "int64"}
    want = _expected_data(standin)
    assert want[0]["joined"] == datetime.datetime(2025, 1, 1, tzinfo=UTC)  # the rule itself, checked once
    assert t.to_pylist() == want
    assert c.fetch_arrow("Data!A1:H").to_pylist() == want


def test_configured_ranges_as_batches_and_api_key(env, standin, tmp_path, landed):
    c = etlconn.GSheetsConnector(**_opts(env, range=["Data!A1:B", "Other"]))
    # an empty query reads the configured ranges: one batch (and one file) per range
    batches = list(c.fetch_arrow_batches(""))
    assert [(b.num_rows, b.schema.names) for b in batches] == [(4, ["id", "name"]), (3, ["k", "v"])]
    other = _sheet(standin, "typed-sheet", "Other")["rows"]
    assert batches[1].to_pylist() == [dict(zip(other[0], r)) for r in other[1:]]
    r = c.fetch_data("", lake=tmp_path / "ranges")
    landed(r)
    assert [i.record_count for i in r.items] == [4, 3]
    assert pq.read_table(r.items[1].path).column("v").to_pylist() == [1, 2, 3]
    # an API key reads the public sheet
    cities = _sheet(standin, "public-sheet", "Cities")["rows"]
    k = etlconn.GSheetsConnector(spreadsheet_id="public-sheet", api_key=env["ETLC_TEST_GSHEETS_API_KEY"],
                                 api_base_url=env["ETLC_TEST_GSHEETS_URL"], proxy="")
    assert k.test_connection().healthy
    assert k.fetch_arrow("Cities").to_pylist() == [dict(zip(cities[0], r)) for r in cities[1:]]


def test_missing_sheet_range_and_spreadsheet(env, tmp_path):
    c = etlconn.GSheetsConnector(**_opts(env))
    # the stand-in answers a sheet that does not exist as Google does: 400 "Unable to parse range"
    with pytest.raises(etlconn.ProtocolError) as e:
        c.fetch_data("Nope!A1:B", lake=tmp_path / "nope")
    assert "gsheets: values.get: HTTP 400" in e.value.message and "Unable to parse range: Nope!A1:B" in e.value.message
    assert not list((tmp_path / "nope").rglob("*.parquet"))
    with pytest.raises(etlconn.ProtocolError) as e:
        c.fetch_arrow("Data!ZZZ")
    assert "Unable to parse range: Data!ZZZ" in e.value.message
    # no range at all: a configuration error that says what to set
    with pytest.raises(etlconn.ConfigError) as e:
        c.fetch_arrow("")
    assert e.value.name == "CONFIG_MISSING_KEY" and "set `range`" in e.value.message
    # a spreadsheet that does not exist: unhealthy, and a fetch raises IO_NOT_FOUND
    missing = etlconn.GSheetsConnector(**_opts(env, spreadsheet_id="no-such-sheet"))
    h = missing.test_connection()
    assert not h.healthy and "404" in h.detail, h
    with pytest.raises(etlconn.EtlconnIOError) as e:
        missing.fetch_arrow("Data")
    assert e.value.name == "IO_NOT_FOUND" and e.value.native_code == 404
    # unreachable: unhealthy (the token request fails first), a fetch raises ConnectError
    url = "http://127.0.0.1:1"
    down = etlconn.GSheetsConnector(**_opts(env, api_base_url=url, token_uri=url + "/token", retry_max=0))
    h = down.test_connection()
    assert not h.healthy and "token request" in h.detail and "connect" in h.detail.lower(), h
    with pytest.raises(etlconn.ConnectError) as e:
        down.fetch_data("Data", lake=tmp_path / "down")
    assert e.value.name == "CONNECT_REFUSED"


def test_wrong_key_and_canaries(env, tmp_path, caplog):
    wrong_pem = json.load(open(env["ETLC_TEST_GSHEETS_WRONG_KEY_FILE"]))["private_key"]
    good_pem = json.load(open(env["ETLC_TEST_GSHEETS_KEY_FILE"]))["private_key"]
    canaries = [wrong_pem.splitlines()[5], good_pem.splitlines()[5], API_KEY_CANARY,
                env["ETLC_TEST_GSHEETS_API_KEY"], "ya29.standin", "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"]
    texts = []
    etlconn.set_log_level(5)  # trace: request headers are logged (masked)
    caplog.set_level(5, logger="etlconn")
    try:
        # the key's fields as options (private_key is a secret), the wrong key's
        w = etlconn.GSheetsConnector(**_opts(env, credentials_file=None, private_key=wrong_pem,
                                             client_email="py-wrong@standin.iam.gserviceaccount.com",
                                             token_uri=env["ETLC_TEST_GSHEETS_TOKEN_URI"]))
        texts.append(repr(w))
        h = w.test_connection()
        texts.append(repr(h))
        assert not h.healthy and "Invalid JWT Signature" in h.detail, h
        # A key the token endpoint refuses (OAuth's 400 invalid_grant) is an
        # AuthError, not retryable: the credentials are wrong, not the request
        with pytest.raises(etlconn.AuthError) as e:
            w.fetch_data("Data", lake=tmp_path / "wrong")
        texts.append(text_of(e.value))
        assert "gsheets: token request" in e.value.message and "invalid_grant" in e.value.message
        assert e.value.name == "AUTH" and not e.value.retryable
        # an API key the stand-in does not know: 400 "API key not valid", the key not repeated
        k = etlconn.GSheetsConnector(spreadsheet_id="public-sheet", api_key=API_KEY_CANARY,
                                     api_base_url=env["ETLC_TEST_GSHEETS_URL"], proxy="")
        texts.append(repr(k))
        with pytest.raises(etlconn.ProtocolError) as e:
            k.fetch_arrow("Cities")
        texts.append(text_of(e.value))
        assert "API key not valid" in e.value.message
        # the right API key on a private sheet: 403 -> AuthError AUTH_DENIED
        p = etlconn.GSheetsConnector(spreadsheet_id="typed-sheet", api_key=env["ETLC_TEST_GSHEETS_API_KEY"],
                                     api_base_url=env["ETLC_TEST_GSHEETS_URL"], proxy="")
        with pytest.raises(etlconn.AuthError) as e:
            p.fetch_arrow("Data")
        texts.append(text_of(e.value))
        assert "does not have permission" in e.value.message
        # a good fetch with the good key: its token and JWT must not show either
        r = etlconn.GSheetsConnector(**_opts(env)).fetch_data("Other", lake=tmp_path / "ok")
        texts.append(r.to_json())
    finally:
        etlconn.set_log_level(logging.WARNING)
    logs = [rec.getMessage() for rec in caplog.records]
    assert any("Authorization: ***" in m for m in logs), "no masked request headers at trace"
    assert any("key=" in m for m in logs), "the API key requests were not logged"
    for c in canaries:
        for t in texts + logs:
            assert c not in t, (c, t)


def test_close_reconnect_and_with(env, tmp_path):
    c = etlconn.GSheetsConnector(**_opts(env)).connect()
    assert c.connected
    c.close()
    c.close()  # twice is fine
    assert not c.connected
    assert c.connect().fetch_arrow("Other").column("k").to_pylist() == ["a", "b", "c"]
    c.close()
    with etlconn.create_connector(dict(_opts(env), protocol="gsheets")) as w:
        assert w.connected and w.fetch_data("Other", lake=tmp_path / "w").record_count == 3
    assert not w.connected
