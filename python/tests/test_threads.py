"""4 Python threads fetching at once finish in well under 4x one fetch:
the GIL is released while libetlconn waits on the server and encodes.
shared-service: postgres"""
import threading
import time

import etlconn

# The server spends ~1 s per query (pg_sleep), the client decodes 30k rows: with
# the GIL held during the wait, four would take 4x one.
Q = "SELECT g AS id, md5(g::text) AS h FROM pg_sleep(1.0), generate_series(1, 30000) g"


def _fetch(eng, out, i):
    out[i] = eng.fetch_arrow(Q).num_rows


def test_four_threads_in_parallel(pg):
    eng = etlconn.get_postgres_engine(**pg.options, pool_max=4)
    eng.fetch_arrow("SELECT 1")  # warm: the pool's first session
    t0 = time.monotonic()
    one = [0]
    _fetch(eng, one, 0)
    single = time.monotonic() - t0
    out = [0] * 4
    threads = [threading.Thread(target=_fetch, args=(eng, out, i)) for i in range(4)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    four = time.monotonic() - t0
    assert one == [30000] and out == [30000] * 4
    print(f"one fetch {single:.2f}s, four in parallel {four:.2f}s ({four / single:.2f}x)")
    assert four < 2.2 * single, f"4 threads took {four:.2f}s vs {single:.2f}s for one"


def test_fetch_data_threads_share_the_cache(types_db, tmp_path):
    errors = []

    def run(i):
        try:
            r = etlconn.get_sqlite_engine(types_db).fetch_data("select * from t", lake=tmp_path / f"l{i}")
            assert r.record_count == 4
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and etlconn.cache_size() == 1
