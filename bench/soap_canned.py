#!/usr/bin/env python3
"""Canned SOAP exchange for bench/soap_rows.sh, recorded once from the
spyne service of tests/services/soap so that a static server can replay it:

    soap_canned.py WSDL_URL N WWW_DIR ENDPOINT_URL EXPECTED_PARQUET

Calls GetOrders(customer_id=N, since=2000-01-01) through zeep and keeps
the raw response as WWW_DIR/soap/response.xml; saves the WSDL as
WWW_DIR/soap/service.wsdl with its soap:address set to ENDPOINT_URL (where
the static server answers any POST with response.xml). EXPECTED_PARQUET
holds the N orders computed by the service's own order_row(), not read
from any response: the fingerprint every client's output must match.
"""
import datetime
import importlib.machinery
import importlib.util
import os
import re
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import requests
import zeep

SINCE = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)


def service_module():
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "services", "soap")
    loader = importlib.machinery.SourceFileLoader("soap_service", path)
    mod = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(mod)
    return mod


def main():
    wsdl, n, www, endpoint, expected = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    os.makedirs(os.path.join(www, "soap"), exist_ok=True)
    client = zeep.Client(wsdl, settings=zeep.Settings(xml_huge_tree=True))
    with client.settings(raw_response=True):
        resp = client.service.GetOrders(customer_id=n, since=SINCE)
    resp.raise_for_status()
    with open(os.path.join(www, "soap", "response.xml"), "wb") as f:
        f.write(resp.content)
    text = requests.get(wsdl).text
    text, k = re.subn(r'(<[A-Za-z0-9]*:address\s+location=")[^"]*(")', r"\g<1>" + endpoint + r"\g<2>", text)
    if k != 1:
        sys.exit(f"soap_canned.py: {k} soap:address elements in the WSDL, expected 1")
    with open(os.path.join(www, "soap", "service.wsdl"), "w") as f:
        f.write(text)
    rows = [service_module().order_row(i) for i in range(1, n + 1)]
    table = pa.table({"id": [r["id"] for r in rows], "amount": [float(r["amount"]) for r in rows],
                      "placed": pa.array([r["placed"] for r in rows], pa.timestamp("us", tz="UTC")),
                      "paid": [r["paid"] for r in rows], "note": [r["note"] for r in rows]})
    pq.write_table(table, expected, compression="zstd")


if __name__ == "__main__":
    main()
