#!/usr/bin/env python3
"""Arrow IPC files for the Python Arrow benchmarks (python_arrow.sh,
sqlite_arrow.sh). Imported by each tool's script: save(table, path) writes
the table as an uncompressed IPC file. Run as
`arrow_ipc.py FILE.arrow` (the --verify step): the file into Parquet beside
it, then its bench/fingerprint.py --duckdb line."""
import os
import subprocess
import sys

import pyarrow as pa


def save(table, path):
    with pa.OSFile(path, "wb") as f, pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table)


if __name__ == "__main__":
    import pyarrow.parquet as pq
    t = pa.ipc.open_file(sys.argv[1]).read_all()
    pq.write_table(t, sys.argv[1] + ".parquet", compression="none")
    fp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fingerprint.py")
    print(subprocess.run([sys.executable, fp, "--duckdb", sys.argv[1] + ".parquet"],
                         capture_output=True, text=True, check=True).stdout.strip())
