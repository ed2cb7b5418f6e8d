"""A small tree of files for the file-transfer connectors' lifecycle tests
(test_ftp.py, test_ssh.py, test_webdav.py): written under a server's
served root in a directory of the test's own, then checked landed
byte-identical (sha256 of the source bytes) and parsed back as records."""
import csv
import hashlib
import io
import os
import uuid

import pyarrow.parquet as pq

from conftest import text_of  # noqa: F401 (the file-transfer tests take it from here)

CSV_TEXT = ("id,name,amount\n"
            "1,héllo wörld ✓ 𝄞,1.5\n"
            "2,,-3\n"
            "3,\"comma, and \"\"quotes\"\"\",0\n"
            "4,日本語,12345678901234.5678\n")

# relative name -> bytes; a nested csv for the glob, a binary file larger
# than one transfer buffer with every byte value, a name with a space and
# non-ASCII letters, an empty file.
FILES = {
    "data.csv": CSV_TEXT.encode(),
    "sub/more.csv": b"id,v\n10,x\n",
    "sub/deep/blob.bin": bytes(range(256)) * 512 + hashlib.sha256(b"etlconn").digest() * 4096,
    "with space/näme ✓.txt": "unicode name, unicode body: ✓ 𝄞\n".encode(),
    "empty.txt": b"",
}


def unique_dir(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def write_tree(base, owner_uid=None):
    """Write FILES under base (created); chown to owner_uid when given."""
    for rel, data in FILES.items():
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    if owner_uid is not None:
        for d, dirs, files in os.walk(base):
            for n in [d] + [os.path.join(d, x) for x in files]:
                os.chown(n, owner_uid, -1)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def by_remote_path(result):
    """{remote_path: item} of a result's landed items."""
    out = {}
    for item in result.items:
        rp = item.metadata.get("remote_path", item.name)
        assert rp not in out, f"{rp} landed twice"
        out[rp] = item
    return out


def assert_landed_identical(result, names):
    """Exactly `names` (keys of FILES) landed, each one as the source's bytes."""
    got = by_remote_path(result)
    assert sorted(got) == sorted(names), sorted(got)
    for rel in names:
        item = got[rel]
        assert item.format == "bytes", item
        assert item.sha256 == sha(FILES[rel]) and item.byte_count == len(FILES[rel]), rel
        with open(item.path, "rb") as f:
            assert f.read() == FILES[rel], rel
    assert result.byte_count == sum(len(FILES[n]) for n in names)


def csv_records(text=CSV_TEXT):
    """The CSV's rows as the parser gives them: text values, empty -> None."""
    return [{k: (v if v != "" else None) for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text))]


def parsed_records(result, remote_path):
    """Rows of the parquet items parsed from remote_path, in order."""
    parts = [i for i in result.items if i.format == "parquet" and i.metadata.get("remote_path") == remote_path]
    assert parts, result
    rows = []
    for item in sorted(parts, key=lambda i: i.path):
        rows += pq.read_table(item.path).to_pylist()
    return rows


def raw_files(lake):
    """Files in a lake that are not parquet and not bookkeeping."""
    out = []
    for d, dirs, files in os.walk(lake):
        if "_checkpoints" in d or "_partial" in d:
            continue
        out += [os.path.join(d, f) for f in files if not f.endswith(".parquet")]
    return out


def check_parse_csv(c, tmp_path, landed):
    """parse="csv": records equal to the CSV's values, the raw file gone;
    with keep_raw the raw file is landed too, byte-identical."""
    r = c.fetch_data("data.csv", lake=tmp_path / "lake", parse="csv")
    landed(r)
    assert r.record_count == 4 and all(i.format == "parquet" for i in r.items)
    assert parsed_records(r, "data.csv") == csv_records()
    assert raw_files(tmp_path / "lake") == []                   # without keep_raw the raw file goes
    r = c.fetch_data("data.csv", lake=tmp_path / "kept", parse="csv", keep_raw=True)
    landed(r)
    raw = [i for i in r.items if i.format == "bytes"]
    assert len(raw) == 1 and open(raw[0].path, "rb").read() == FILES["data.csv"]
    assert parsed_records(r, "data.csv") == csv_records()


def check_missing_names(c, tmp_path, not_found_error):
    """A glob that matches nothing lands nothing and is no error; the name of
    one file that is not there is IO_NOT_FOUND naming it."""
    r = c.fetch_data("no_such_*.csv", lake=tmp_path / "lake")
    assert r.status == "success" and r.items == [] and r.errors == []
    try:
        c.fetch_data("no_such_file.csv", lake=tmp_path / "lake")
    except not_found_error as e:
        assert e.name == "IO_NOT_FOUND" and "'no_such_file.csv'" in e.message, e.message
    else:
        raise AssertionError("a missing file by name landed nothing without an error")


def free_port():
    """A loopback port nothing listens on (bound, then closed)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
