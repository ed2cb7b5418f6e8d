"""Arrow results: libetlconn's record batches exported through the Arrow C
Data Interface (etlc_batch_to_arrow) and imported by pyarrow without
per-value Python objects. pyarrow is optional."""
from __future__ import annotations

import queue
import threading
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional, Sequence



if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

_HOW = ("fetch_arrow needs pyarrow, which is not installed: pip install pyarrow "
        "(or pip install 'etlconn[arrow]')")


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ImportError(_HOW) from None
    return pyarrow


def _importer(pa: Any, sink: Callable[[Any], None]) -> Callable[[int, int], None]:
    def on_batch(schema_addr: int, array_addr: int) -> None:
        sink(pa.RecordBatch._import_from_c(array_addr, schema_addr))
    return on_batch


def to_table(pa: Any, batches: List[Any]) -> "pa.Table":
    """One table; a column NULL in early batches takes its later type."""
    if not batches:
        return pa.table({})
    first = batches[0].schema
    if all(b.schema.equals(first) for b in batches):
        return pa.Table.from_batches(batches, schema=first)
    return pa.concat_tables([pa.Table.from_batches([b]) for b in batches], promote_options="default")


def fetch_table(ext: Any, query: Optional[str], params: Sequence[Any], batch_rows: int) -> "pa.Table":
    pa = _pyarrow()
    batches: List[Any] = []
    from .connectors import _interruptible
    ext.fetch_arrow(query, list(params), batch_rows, _importer(pa, batches.append), _interruptible())
    return to_table(pa, batches)


class _Stop(Exception):
    """The iterator was closed: end the fetch."""


def iter_batches(ext: Any, query: Optional[str], params: Sequence[Any], batch_rows: int,
                 max_queued: int = 2) -> Iterator["pa.RecordBatch"]:
    """Batches as they are fetched; at most ``max_queued`` wait in memory
    (the fetching thread blocks until the consumer takes one)."""
    pa = _pyarrow()
    q: "queue.Queue[Any]" = queue.Queue(maxsize=max(1, max_queued))
    stop = threading.Event()
    done = object()

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Stop()

    def run() -> None:
        try:
            ext.fetch_arrow(query, list(params), batch_rows, _importer(pa, put), False)  # a worker thread
            put(done)
        except _Stop:
            pass
        except BaseException as e:  # handed to the consumer
            try:
                put(e)
            except _Stop:
                pass

    t = threading.Thread(target=run, name="etlconn-fetch-arrow", daemon=True)
    t.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        t.join()


