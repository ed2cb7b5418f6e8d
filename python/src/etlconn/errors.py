"""One exception class per etlconn error area (the hundreds of the C codes).

Every exception carries the code number, its name (``"QUERY"``), whether a
retry may succeed, the driver's own code and state (SQLSTATE, errno, ...),
and the message, which libetlconn redacted before Python ever saw it.
"""
from __future__ import annotations

from typing import Dict, Optional, Type

from . import _etlconn


class EtlconnError(Exception):
    """Base of every etlconn error."""

    code: int
    name: str
    retryable: bool
    message: str
    native_code: int
    native_state: str

    def __init__(self, message: str, code: int = 903, name: str = "INTERNAL", retryable: bool = False,
                 native_code: int = 0, native_state: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.name = name
        self.retryable = retryable
        self.native_code = native_code
        self.native_state = native_state

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, name={self.name!r}, retryable={self.retryable}, message={self.message!r})"


class ConfigError(EtlconnError):
    """1xx: invalid, missing, unknown or malformed configuration."""


class ConnectError(EtlconnError):
    """2xx: cannot connect, timed out, refused, not found, unhealthy."""


class AuthError(EtlconnError):
    """3xx: authentication failed or permission denied."""


class ProtocolError(EtlconnError):
    """4xx: protocol errors, failed queries, busy, timeouts, cancellation."""


class EtlconnIOError(EtlconnError):
    """5xx: file and object input/output."""


class DataError(EtlconnError):
    """6xx: values, schemas and the data contract."""


class RegistryError(EtlconnError):
    """7xx: unknown protocol, not built in, plugins."""


class UnknownProtocolError(RegistryError):
    """700: no connector by that name (the message suggests the closest)."""


class NotBuiltInError(RegistryError):
    """701: a known protocol compiled out of this libetlconn."""


class UsageError(EtlconnError):
    """9xx: invalid arguments, out of memory, unsupported operations, internal errors."""


_AREAS: Dict[int, Type[EtlconnError]] = {1: ConfigError, 2: ConnectError, 3: AuthError, 4: ProtocolError,
                                        5: EtlconnIOError, 6: DataError, 7: RegistryError, 9: UsageError}
_EXACT: Dict[int, Type[EtlconnError]] = {700: UnknownProtocolError, 701: NotBuiltInError}


def error_class(code: int) -> Type[EtlconnError]:
    """The class raised for an etlconn code."""
    return _EXACT.get(code) or _AREAS.get(code // 100, EtlconnError)


def _from_code(code: int, name: str, retryable: int, message: str, native_code: int,
               native_state: Optional[str]) -> EtlconnError:
    return error_class(code)(message, code, name, bool(retryable), native_code, native_state or "")


def make_error(code: int, message: str) -> EtlconnError:
    """An error raised by the Python layer itself (message redacted here too)."""
    names = {c: n for c, n, _ in _etlconn.codes()}
    return _from_code(code, names.get(code, "INTERNAL"), 0, _etlconn.redact(message), 0, "")


_etlconn.set_error_factory(_from_code)
