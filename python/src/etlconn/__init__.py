"""etlconn: connections for ETL jobs over libetlconn (C), with the seed
package's names — load_connection_config, get_connection, test_connection,
get_<protocol>_engine / test_<protocol>_connection, create_connector,
close_all_connections — and Arrow results (fetch_arrow).

See docs/python.md.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from . import _etlconn
from .config import ConnectionConfig, load_connection_config
from .connectors import (ConnectionTest, Connector, connector_class, create_connector, protocols,
                         _layers)
from .errors import (AuthError, ConfigError, ConnectError, DataError, EtlconnError, EtlconnIOError,
                     NotBuiltInError, ProtocolError, RegistryError, UnknownProtocolError, UsageError,
                     error_class)
from .logs import set_log_level
from .result import IngestedItem, IngestionResult, ResultError

__version__ = _etlconn.version()

__all__ = [
    "load_connection_config", "ConnectionConfig", "get_connection", "test_connection", "close_all_connections",
    "create_connector", "Connector", "ConnectionTest", "protocols", "connector_class", "IngestionResult",
    "IngestedItem", "ResultError", "EtlconnError", "ConfigError", "ConnectError", "AuthError", "ProtocolError",
    "EtlconnIOError", "DataError", "RegistryError", "UnknownProtocolError", "NotBuiltInError", "UsageError",
    "error_class", "set_log_level", "get_sqlite_engine", "test_sqlite_connection", "get_postgres_engine",
    "test_postgres_connection", "cache_size",
]


def get_connection(protocol: str, *, reuse: bool = True, **options: Any) -> Connector:
    """A connected connector for ``protocol``: cached (the same object for
    the same protocol and configuration) unless ``reuse=False``.

    Keywords: ``file_path``, ``env_prefix``, ``config`` (dict layer),
    ``overrides``; every other keyword is an option of the protocol
    (highest precedence), e.g. ``database_path=":memory:"``."""
    layers = _layers(dict(options))
    ext = _etlconn.get_connection(protocol, layers["file"], layers["env_prefix"], layers["dict"],
                                  layers["overrides"], not reuse)
    name = ext.protocol()
    return connector_class(name)._wrap(ext, name, layers, reuse)


def test_connection(protocol: str, **options: Any) -> ConnectionTest:
    """Connect (through the cache) and health-check. A connection or login
    failure is an unhealthy result carrying the (redacted) error; bad
    configuration or an unknown protocol raises."""
    layers = _layers(dict(options))
    try:
        h = _etlconn.test_connection(protocol, layers["file"], layers["env_prefix"], layers["dict"],
                                     layers["overrides"])
    except (ConfigError, RegistryError, UsageError):
        raise
    except EtlconnError as e:
        return ConnectionTest(protocol, False, detail=e.message, error=e)
    return ConnectionTest(protocol, **h)


def close_all_connections() -> None:
    """Close every cached connector (ones still held close at their release)."""
    _etlconn.close_all_connections()


def cache_size() -> int:
    """Live entries in libetlconn's connection cache."""
    return _etlconn.cache_size()


# ---- direct builders (the seed's get_<x>_engine / test_<x>_connection) ----

def get_sqlite_engine(database_path: str, read_only: bool = True, *, reuse: bool = True, **options: Any) -> Connector:
    """A SQLite connector for ``database_path`` (":memory:" allowed);
    read-only unless ``read_only=False``, as etlc_get_sqlite_engine."""
    return get_connection("sqlite", reuse=reuse, database_path=str(database_path), read_only=read_only,
                          **options)


def test_sqlite_connection(database_path: str, **options: Any) -> ConnectionTest:
    return test_connection("sqlite", database_path=str(database_path), **options)


def get_postgres_engine(host: Optional[str] = None, port: Optional[int] = None, database: Optional[str] = None,
                        username: Optional[str] = None, password: Optional[str] = None, *, reuse: bool = True,
                        **options: Any) -> Connector:
    """A PostgreSQL connector (unset keys from PG_* and the defaults)."""
    return get_connection("postgres", reuse=reuse, host=host, port=port, database=database, username=username,
                          password=password, **options)


def test_postgres_connection(host: Optional[str] = None, port: Optional[int] = None,
                             database: Optional[str] = None, username: Optional[str] = None,
                             password: Optional[str] = None, **options: Any) -> ConnectionTest:
    return test_connection("postgres", host=host, port=port, database=database, username=username,
                           password=password, **options)


def _engine_builder(protocol: str) -> Callable[..., Connector]:
    def get_engine(*, reuse: bool = True, **options: Any) -> Connector:
        return get_connection(protocol, reuse=reuse, **options)
    get_engine.__name__ = f"get_{protocol}_engine"
    get_engine.__doc__ = f"A '{protocol}' connector (get_connection('{protocol}', ...))."
    return get_engine


def _test_builder(protocol: str) -> Callable[..., ConnectionTest]:
    def test(**options: Any) -> ConnectionTest:
        return test_connection(protocol, **options)
    test.__name__ = f"test_{protocol}_connection"
    return test


def __getattr__(name: str) -> Any:
    """Generated from the registry: <Proto>Connector classes and the
    get_<protocol>_engine / test_<protocol>_connection helpers of every
    protocol, the built-in ones and plugins alike."""
    from .connectors import classes_by_name
    by_class = classes_by_name()
    if name in by_class:
        return connector_class(by_class[name])
    names = {p["name"] for p in protocols()}
    if name.startswith("get_") and name.endswith("_engine") and name[4:-7] in names:
        return _engine_builder(name[4:-7])
    if name.startswith("test_") and name.endswith("_connection") and name[5:-11] in names:
        return _test_builder(name[5:-11])
    raise AttributeError(f"module 'etlconn' has no attribute {name!r}")
