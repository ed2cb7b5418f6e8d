"""What each connector can do (capabilities), and the calls that follow
from it without a server of their own: a file source's fetch with parse and
keep_raw, consume() and load() refused by connectors without the stream or
load capability, and argument checks made before any connection."""
import os

import pyarrow.parquet as pq
import pytest

import etlconn


def test_registry_lists_capabilities():
    caps = {p["name"]: p["capabilities"] for p in etlconn.protocols() if p["built_in"]}
    want = {"sqlite": ["fetch", "sql"], "file": ["bytes"], "dw": ["load"], "http": ["records", "bytes"],
            "kafka": ["stream"], "amqp": ["stream"], "nats": ["stream"], "ftp": ["bytes"]}
    for name, c in want.items():  # those of them this build has (a -DETLCONN_WITH_<X>=OFF build lacks some)
        assert caps.get(name, c) == c, (name, caps.get(name))
    assert {n for n, c in caps.items() if "stream" in c} <= {"kafka", "amqp", "nats"}
    assert all(c for c in caps.values()), "every built-in protocol can do something"
    # aliases resolve to the same answer
    if "dw" in caps:
        assert etlconn.create_connector({"protocol": "warehouse"}).capabilities() == ["load"]


@pytest.fixture
def csv_root(tmp_path):
    root = tmp_path / "src"
    root.mkdir()
    (root / "people.csv").write_text("id,name\n1,Ada\n2,Grace\n3,Zoë\n", encoding="utf-8")
    return root


def test_file_fetch_parse_and_keep_raw(csv_root, tmp_path):
    with etlconn.FileConnector(root=str(csv_root)) as c:
        raw = c.fetch_data("people.csv", lake=tmp_path / "raw")
        assert [i.format for i in raw.items] != ["parquet"]
        assert open(raw.items[0].path, "rb").read() == (csv_root / "people.csv").read_bytes()
        parsed = c.fetch_data("people.csv", lake=tmp_path / "parsed", parse="csv")
        assert parsed.record_count == 3 and [i.format for i in parsed.items] == ["parquet"]
        table = pq.read_table(parsed.items[0].path)
        assert table.column("name").to_pylist() == ["Ada", "Grace", "Zoë"]
        # the raw file is removed after parsing unless keep_raw
        files = lambda d: sorted(f for _, _, fs in os.walk(d) for f in fs)  # noqa: E731
        assert not any(f.endswith(".csv") for f in files(tmp_path / "parsed"))
        kept = c.fetch_data("people.csv", lake=tmp_path / "kept", parse="csv", keep_raw=True)
        assert kept.record_count == 3 and any(f.endswith(".csv") for f in files(tmp_path / "kept"))
        with pytest.raises(etlconn.EtlconnError) as e:
            c.fetch_data("people.csv", lake=tmp_path / "bad", parse="xml")
        assert "xml" in e.value.message


def test_consume_and_load_need_their_capability(types_db, tmp_path):
    with etlconn.SQLiteConnector(database_path=types_db) as c:
        with pytest.raises(etlconn.UsageError) as e:
            c.consume("anything", lake=tmp_path / "lake")
        assert e.value.name == "UNSUPPORTED" and "stream" in e.value.message
        with pytest.raises(etlconn.UsageError) as e:
            c.load(str(tmp_path), "t")
        assert e.value.name == "UNSUPPORTED"
        with pytest.raises(ValueError):
            c.fetch_data("select 1", lake=tmp_path / "lake", batch_rows=-1)


@pytest.mark.skipif(not {"kafka", "dw"} <= {p["name"] for p in etlconn.protocols() if p["built_in"]},
                    reason="kafka or dw compiled out of this build")
def test_stream_and_load_arguments_checked_before_connecting():
    # no broker at this address: the checks come first, so no connect error
    k = etlconn.KafkaConnector(bootstrap_servers="127.0.0.1:9", topic="t")
    with pytest.raises(TypeError) as e:
        k.fetch_data("t", params=[1])
    assert "params" in str(e.value) and "max_messages" in str(e.value)
    with pytest.raises(ValueError) as e:
        k.consume("t", max_messages=-5)
    assert "max_messages" in str(e.value)
    assert not k.connected
    dw = etlconn.DWConnector(host="127.0.0.1", port=9, database="d", username="u", password="p")
    with pytest.raises(ValueError):
        dw.load([], "t")
    with pytest.raises(ValueError):
        dw.load("x.parquet", "t", batch_rows=-1)
    assert not dw.connected
