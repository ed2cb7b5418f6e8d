"""Connectors: one class per protocol in libetlconn's registry (generated,
so a new C connector or a plugin appears here without Python changes),
and create_connector({"protocol": ...})."""
from __future__ import annotations

import json
import os
import signal
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Dict, Iterator, List, Mapping, Optional, Sequence, Type

from . import _etlconn, arrow
from .errors import ConfigError, EtlconnError, RegistryError, UsageError
from .result import IngestionResult

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

_FETCH_KEYS = ("params", "lake", "format", "batch_rows", "path_template", "parse", "keep_raw")
_CONSUME_KEYS = ("max_messages", "max_bytes", "max_ms", "max_batches", "until_idle", "follow", "lake", "format",
                 "path_template")


@dataclass
class ConnectionTest:
    """What test_connection found. Truthy when healthy."""
    protocol: str
    healthy: bool
    latency_ms: float = 0.0
    server_version: str = ""
    detail: str = ""
    error: Optional[EtlconnError] = None

    def __bool__(self) -> bool:
        return self.healthy


def _layers(options: Dict[str, Any]) -> Dict[str, Any]:
    """Split façade keywords: file_path, env_prefix, config, overrides; the
    other keywords are explicit overrides (the highest layer)."""
    file_path = options.pop("file_path", None)
    env_prefix = options.pop("env_prefix", None)
    config = dict(options.pop("config", None) or {})
    overrides = dict(options.pop("overrides", None) or {})
    overrides.update({k: v for k, v in options.items() if v is not None})
    from .config import _pairs
    return {"file": _path(file_path), "env_prefix": env_prefix,
            "dict": _pairs(config), "overrides": _pairs(overrides)}


class Connector:
    """A connection to one source. Use as a context manager, or call
    close(). ``reuse=True`` shares libetlconn's cached connector for the
    same protocol and configuration; the default here is a fresh one."""

    protocol: ClassVar[Optional[str]] = None

    def __init__(self, config: Optional[Mapping[str, Any]] = None, *, reuse: bool = False, **options: Any) -> None:
        cfg = dict(config or {})
        proto = cfg.pop("protocol", None) or options.pop("protocol", None) or type(self).protocol
        if proto is None:
            raise ConfigError("no protocol given: use a protocol's class or set 'protocol'", 101,
                              "CONFIG_MISSING_KEY")
        self._protocol: str = str(proto)
        self._reuse = reuse
        merged = dict(options.pop("config", None) or {})
        merged.update(cfg)
        options["config"] = merged
        self._layers = _layers(options)
        self._ext: Any = None

    @classmethod
    def _wrap(cls, ext: Any, protocol: str, layers: Dict[str, Any], reuse: bool) -> "Connector":
        """Around a connector the façade made (connect() after close() makes it again)."""
        self = cls.__new__(cls)
        self._protocol, self._reuse, self._layers, self._ext = protocol, reuse, layers, ext
        return self

    # ---- lifecycle ----
    def connect(self) -> "Connector":
        if self._ext is None or self._ext.closed():
            L = self._layers
            self._ext = _etlconn.get_connection(self._protocol, L["file"], L["env_prefix"], L["dict"],
                                                L["overrides"], not self._reuse)
            self._protocol = self._ext.protocol()
        return self

    def close(self) -> None:
        if self._ext is not None:
            self._ext.release()
            self._ext = None

    @property
    def connected(self) -> bool:
        return self._ext is not None and not self._ext.closed()

    def __enter__(self) -> "Connector":
        return self.connect()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:  # never the configuration: it may hold secrets
        return f"<{type(self).__name__} protocol={self._protocol!r} connected={self.connected}>"

    # ---- work ----
    def test_connection(self) -> ConnectionTest:
        """Connect if needed and health-check. As etlconn.test_connection: a
        connection or login failure is an unhealthy result carrying the
        (redacted) error; bad configuration raises."""
        try:
            h = self.connect()._ext.test()
        except (ConfigError, RegistryError, UsageError):
            raise
        except EtlconnError as e:
            return ConnectionTest(self._protocol, False, detail=e.message, error=e)
        return ConnectionTest(self._protocol, **h)

    def fetch_data(self, query: Optional[str] = None, **params: Any) -> IngestionResult:
        """Fetch and land in the lake; the IngestionResult lists the files.
        Keywords: params (bound in order), lake (root, default ./lake),
        format (parquet, jsonl, csv), batch_rows, path_template; for file
        sources (file, ftp, ssh, webdav, http without records_path) parse
        ("csv", "jsonl", "parquet": read the landed file as records) and
        keep_raw. A stream (kafka, amqp, nats) is consumed until a window
        brings nothing: see consume(); query is then the topic, queue or
        subject."""
        caps = self.capabilities()
        if "stream" in caps and "fetch" not in caps:
            bad = set(params) - set(_CONSUME_KEYS)
            if bad:
                raise TypeError(f"fetch_data() of a stream got unexpected keyword(s) {sorted(bad)}; "
                                f"known: {list(_CONSUME_KEYS)}")
            return self.consume(query, **dict({"until_idle": not params.get("follow")}, **params))
        unknown = set(params) - set(_FETCH_KEYS)
        if unknown:
            raise TypeError(f"fetch_data() got unexpected keyword(s) {sorted(unknown)}; known: {list(_FETCH_KEYS)}")
        lake = params.get("lake")
        rows = _count("batch_rows", params.get("batch_rows"))
        text = self.connect()._ext.fetch(query, list(params.get("params") or ()), _path(lake), params.get("format"),
                                         rows, params.get("path_template"), params.get("parse"),
                                         bool(params.get("keep_raw")), _interruptible())
        return IngestionResult.from_dict(json.loads(text))

    def consume(self, resource: Optional[str] = None, *, max_messages: int = 0, max_bytes: int = 0,
                max_ms: int = 0, max_batches: Optional[int] = None, until_idle: bool = False,
                follow: bool = False, lake: Any = None, format: Optional[str] = None,
                path_template: Optional[str] = None) -> IngestionResult:
        """Consume a stream (kafka, amqp, nats) in micro-batches, one file
        each (max_messages, max_bytes of payload or a max_ms window, 0: the
        defaults 10000 / 64 MiB / 5000 ms); positions are checkpointed and
        acknowledged only after each file is durable. Stops as `etlconn
        consume` does: after one file by default, after max_batches files,
        at the first empty window when until_idle, and with follow only when
        interrupted. Ctrl-C (from the main thread) stops any of them
        cleanly and raises KeyboardInterrupt: what was landed stays
        acknowledged, the batch in progress comes again next time.
        resource: the topic, queue or subject (None: the configured one)."""
        if follow and (until_idle or max_batches):
            raise ValueError("follow runs until interrupted: drop until_idle and max_batches")
        if max_batches is None:
            max_batches = 0 if follow or until_idle else 1
        limits = [_count(k, v) for k, v in (("max_messages", max_messages), ("max_bytes", max_bytes),
                                            ("max_ms", max_ms), ("max_batches", max_batches))]
        text = self.connect()._ext.consume(resource, *limits, bool(until_idle), _path(lake), format, path_template,
                                           _interruptible())
        return IngestionResult.from_dict(json.loads(text))

    def load(self, sources: Any, target: str, *, mode: Optional[str] = None, keys: Sequence[str] = (),
             batch_rows: int = 0, force: bool = False) -> Dict[str, Any]:
        """Load lake files into a destination (dw): sources is a path or
        URI, or a list of them (a .parquet/.jsonl/.csv file, a directory, an
        IngestionResult .json, "s3://bucket/prefix/"); mode "append"
        (default), "replace", "merge" (with keys) or as the destination
        documents. Returns the destination's load result (docs/dw.md)."""
        if isinstance(sources, (str, os.PathLike)):
            sources = [sources]
        srcs = [os.fspath(x) for x in sources]
        if not srcs:
            raise ValueError("load() needs at least one source")
        rows = _count("batch_rows", batch_rows)
        text = self.connect()._ext.load(srcs, os.fspath(target), mode, [str(k) for k in keys], rows, bool(force),
                                        _interruptible())
        return json.loads(text)

    def capabilities(self) -> List[str]:
        """What this connector can do: fetch, sql, records, bytes, stream, load."""
        return capabilities_of(self._protocol)

    def fetch_arrow(self, query: Optional[str] = None, params: Sequence[Any] = (), *,
                    batch_rows: int = 0) -> "pa.Table":
        """The result as a pyarrow.Table, nothing landed (Arrow C Data Interface)."""
        return arrow.fetch_table(self.connect()._ext, query, params, batch_rows)

    def fetch_arrow_batches(self, query: Optional[str] = None, params: Sequence[Any] = (), *,
                            batch_rows: int = 0, max_queued: int = 2) -> Iterator["pa.RecordBatch"]:
        """pyarrow.RecordBatches as they come; memory bounded by
        batch_rows x (max_queued + 2) rows."""
        return arrow.iter_batches(self.connect()._ext, query, params, batch_rows, max_queued)


# Spellings for class names; others are Capitalized + "Connector".
_SPELLING = {"sqlite": "SQLite", "postgres": "Postgres", "mysql": "MySQL", "mssql": "MSSQL", "oracle": "Oracle",
             "http": "HTTP", "soap": "SOAP", "webdav": "WebDAV", "gsheets": "GSheets", "ftp": "FTP", "ssh": "SSH",
             "dw": "DW", "mongodb": "MongoDB", "amqp": "AMQP", "nats": "NATS", "neo4j": "Neo4j"}

_classes: Dict[str, Type[Connector]] = {}


def class_name(protocol: str) -> str:
    base = _SPELLING.get(protocol) or "".join(p.capitalize() for p in protocol.replace("-", "_").split("_"))
    return base + "Connector"


def _interruptible() -> bool:
    """Whether Ctrl-C may stop a call: Python's main thread, with Python's
    default SIGINT handler (a program's own handler is left alone)."""
    return (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler)


def _count(name: str, value: Any) -> int:
    n = int(value or 0)
    if n < 0:
        raise ValueError(f"{name} must be >= 0 (0: the default), got {n}")
    return n


def _path(value: Any) -> Optional[str]:
    return os.fspath(value) if value is not None else None


def _registry_entry(protocol: str) -> Optional[Dict[str, Any]]:
    """The registry's entry for a protocol name or alias (None: unknown)."""
    for p in _etlconn.protocols():
        if protocol.lower() == p["name"] or protocol.lower() in p["aliases"]:
            return p
    return None


def capabilities_of(protocol: str) -> List[str]:
    p = _registry_entry(protocol)
    return list(p["capabilities"]) if p else []


def protocols() -> List[Dict[str, Any]]:
    """libetlconn's registry: name, aliases, description, built_in, kind,
    capabilities, env_prefix, options."""
    return _etlconn.protocols()


def connector_class(protocol: str) -> Type[Connector]:
    """The class for a protocol name or alias (made on first use)."""
    p = _registry_entry(protocol)
    if p:
        name = p["name"]
        if name not in _classes:
            _classes[name] = type(class_name(name), (Connector,), {
                "protocol": name, "__doc__": f"{p['description']} (protocol '{name}').",
                "__module__": "etlconn"})
        return _classes[name]
    # libetlconn words the error (did you mean ..., not built in ...)
    _etlconn.load_config(protocol, None, "", [], [], True)
    raise RegistryError(f"unknown protocol '{protocol}'", 700, "UNKNOWN_PROTOCOL")


def classes_by_name() -> Dict[str, str]:
    """Class name -> protocol for every protocol in the registry."""
    return {class_name(p["name"]): p["name"] for p in _etlconn.protocols()}


def create_connector(config: Mapping[str, Any], *, reuse: bool = False, **options: Any) -> Connector:
    """A connector of the class named by config["protocol"] (not yet
    connected: connect(), a ``with`` block or the first fetch does)."""
    proto = config.get("protocol") or options.get("protocol")
    if not proto:
        raise ConfigError("create_connector needs a 'protocol' key in the config", 101, "CONFIG_MISSING_KEY")
    return connector_class(str(proto))(config, reuse=reuse, **options)
