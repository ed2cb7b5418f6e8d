"""libetlconn's log lines into Python's ``logging`` (logger ``etlconn``,
child loggers per component: ``etlconn.sqlite``, ``etlconn.config``, ...).

The lines are redacted inside the library before they reach Python. The
library's own threshold follows the ``etlconn`` logger's effective level at
import; call :func:`set_log_level` to change both.
"""
from __future__ import annotations

import atexit
import logging
from typing import Union

from . import _etlconn

logger = logging.getLogger("etlconn")

# etlc_log_level -> logging level
_TO_PY = {0: 5, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}


def _to_c(level: int) -> int:
    if level <= 5:
        return 0
    if level <= logging.DEBUG:
        return 1
    if level <= logging.INFO:
        return 2
    if level <= logging.WARNING:
        return 3
    if level <= logging.ERROR:
        return 4
    return 5


def _emit(level: int, component: str, message: str) -> None:
    logging.getLogger(f"etlconn.{component}" if component else "etlconn").log(_TO_PY.get(level, logging.INFO), message)


def set_log_level(level: Union[int, str]) -> None:
    """Set the ``etlconn`` logger's level and the library's threshold to match."""
    logger.setLevel(level)
    _etlconn.set_log_handler(_emit, _to_c(logger.getEffectiveLevel()))


def _stop() -> None:
    _etlconn.set_log_handler(None, 3)


_etlconn.set_log_handler(_emit, _to_c(logger.getEffectiveLevel()))
atexit.register(_stop)
