#!/usr/bin/env bash
# Every benchmark, one after the other (about 15 minutes on 2 cores, plus
# the file transfers: BIG_MB and SMALL_FILES size them; REST_REQUESTS,
# REST_RECORDS, REST_PAGE and SOAP_ROWS size the REST and SOAP ones).
# Each prints Markdown tables; docs/benchmarks.md records a run of each.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/sqlite_export.sh "${SQLITE_ROWS:-2000000}"
bash bench/parquet_write.sh "${PARQUET_ROWS:-5000000}"
bash bench/pg_to_parquet.sh
bash bench/python_arrow.sh
bash bench/dw_load.sh "${DW_ROWS:-3000000}"
bash bench/file_transfer.sh "${BIG_MB:-1024}" "${SMALL_FILES:-10000}"
bash bench/rest_requests.sh "${REST_REQUESTS:-20000}"
bash bench/rest_paged_parquet.sh "${REST_RECORDS:-1000000}" "${REST_PAGE:-10000}"
bash bench/soap_rows.sh "${SOAP_ROWS:-100000}"
