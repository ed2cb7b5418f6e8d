#!/usr/bin/env python3
"""Precomputed pages for bench/rest_paged_parquet.sh: N records split in
pages of P, written as static files a web server serves as they are:

    rest_pages.py N P WWW_DIR EXPECTED_PARQUET

WWW_DIR/pages/K.json = {"data": [records...], "next": "/pages/K+1.json"}
(no "next" on the last page). Record i (1-based): id, name, amount (a
number with a fraction), active (bool), note (text, null every 7th).
EXPECTED_PARQUET holds the same records written from here (not through
HTTP), for the fingerprint every client's output must match.
"""
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def record(i):
    return {"id": i, "name": f"customer {i}", "amount": i * 1.25 + 0.01,
            "active": i % 3 == 0, "note": None if i % 7 == 0 else f"note <{i}> & \"co\""}


def main():
    n, size, www, expected = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    os.makedirs(os.path.join(www, "pages"), exist_ok=True)
    schema = pa.schema([("id", pa.int64()), ("name", pa.string()), ("amount", pa.float64()),
                        ("active", pa.bool_()), ("note", pa.string())])
    pages = max(1, (n + size - 1) // size)
    with pq.ParquetWriter(expected, schema, compression="zstd") as w:
        for k in range(1, pages + 1):
            recs = [record(i) for i in range((k - 1) * size + 1, min(n, k * size) + 1)]
            body = {"data": recs}
            if k < pages:
                body["next"] = f"/pages/{k + 1}.json"
            with open(os.path.join(www, "pages", f"{k}.json"), "w") as f:
                json.dump(body, f, separators=(",", ":"))
            w.write_table(pa.Table.from_pylist(recs, schema=schema))


if __name__ == "__main__":
    main()
