"""load_connection_config: the configuration layers, later wins —
defaults < file (JSON/YAML) < environment PREFIX_KEY < config dict < overrides.

With a protocol (named, or a ``protocol`` key in a layer) the connector's
options table in libetlconn validates every value (types, ranges, unknown
keys with "did you mean", required keys) and each value keeps where it came
from. Without one the layers are merged as plain text, as the seed package
did. Secrets are masked in ``repr`` either way.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from . import _etlconn
from .errors import ConfigError, make_error

_SECRET_WORDS = ("password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "credentials")


class ConnectionConfig(dict):  # type: ignore[type-arg]
    """The merged configuration: a dict of key -> typed value.

    ``protocol`` is the canonical protocol (None for a plain merge),
    ``provenance`` maps each key to (layer, origin), ``secret_keys`` lists
    the keys masked in ``repr``/``str``."""

    protocol: Optional[str]
    provenance: Dict[str, Tuple[str, str]]
    secret_keys: frozenset

    def __init__(self, values: Mapping[str, Any], protocol: Optional[str] = None,
                 provenance: Optional[Dict[str, Tuple[str, str]]] = None, secret_keys: Iterable[str] = ()) -> None:
        super().__init__(values)
        self.protocol = protocol
        self.provenance = provenance or {}
        self.secret_keys = frozenset(secret_keys)

    def redacted(self) -> Dict[str, Any]:
        return {k: ("***" if k in self.secret_keys and v is not None else v) for k, v in self.items()}

    def __repr__(self) -> str:
        return f"ConnectionConfig({self.redacted()!r}, protocol={self.protocol!r})"

    __str__ = __repr__


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    return str(value)


def _pairs(layer: Optional[Mapping[str, Any]]) -> List[Tuple[str, str]]:
    return [(str(k), _text(v)) for k, v in (layer or {}).items() if v is not None]


def _typed(kind: str, text: str) -> Any:
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        return text.strip().lower() in ("1", "true", "yes", "on")
    if kind == "list":
        return [p.strip() for p in text.split(",") if p.strip()]
    return text


def _protocol_of(*layers: Optional[Mapping[str, Any]]) -> Optional[str]:
    for layer in layers:
        if layer and layer.get("protocol"):
            return str(layer["protocol"])
    return None


def _load_typed(protocol: Optional[str], defaults: Optional[Mapping[str, Any]], file_path: Optional[str],
                env_prefix: Optional[str], config: Optional[Mapping[str, Any]],
                overrides: Optional[Mapping[str, Any]]) -> ConnectionConfig:
    fp = os.fspath(file_path) if file_path is not None else None
    # First pass: which keys the file, environment, dict and overrides set.
    name, entries, _ = _etlconn.load_config(protocol, fp, env_prefix, _pairs(config), _pairs(overrides), True)
    if defaults:
        set_above = {e[0] for e in entries if e[5] and e[3] != "default"}
        layer = {k: v for k, v in defaults.items() if k not in set_above and k != "protocol"}
        layer.update(config or {})
        config = layer
    name, entries, _ = _etlconn.load_config(name, fp, env_prefix, _pairs(config), _pairs(overrides), False)
    values: Dict[str, Any] = {"protocol": name}
    provenance: Dict[str, Tuple[str, str]] = {}
    secrets = set()
    for key, kind, text, layer_name, origin, is_set, secret in entries:
        if secret:
            secrets.add(key)
        if is_set and text is not None:
            values[key] = _typed(kind, text)
            provenance[key] = (layer_name, origin)
    return ConnectionConfig(values, name, provenance, secrets)


def _read_file(path: str) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise make_error(106, f"config file '{path}' cannot be read: {e.strerror}") from None
    try:
        if path.endswith((".yaml", ".yml")):
            import yaml  # type: ignore[import-untyped]
            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except ImportError:
        raise make_error(105, f"config file '{path}': reading YAML without a protocol needs PyYAML "
                              "(pip install pyyaml), or set 'protocol' so libetlconn reads it") from None
    except ValueError as e:
        raise make_error(105, f"config file '{path}' is malformed: {e}") from None
    if not isinstance(data, dict):
        raise make_error(105, f"config file '{path}' must hold a mapping")
    return data


def _load_plain(defaults: Optional[Mapping[str, Any]], file_path: Optional[str], env_prefix: Optional[str],
                config: Optional[Mapping[str, Any]], overrides: Optional[Mapping[str, Any]]) -> ConnectionConfig:
    values: Dict[str, Any] = {}
    provenance: Dict[str, Tuple[str, str]] = {}

    def merge(layer: Optional[Mapping[str, Any]], name: str, origin: str) -> None:
        for k, v in (layer or {}).items():
            values[k] = v
            provenance[k] = (name, origin)

    merge(defaults, "default", "defaults")
    if file_path is not None:
        merge(_read_file(os.fspath(file_path)), "file", os.fspath(file_path))
    if env_prefix:
        pre = env_prefix.upper().rstrip("_") + "_"
        for k, v in os.environ.items():
            if k.startswith(pre) and len(k) > len(pre):
                values[k[len(pre):].lower()] = v
                provenance[k[len(pre):].lower()] = ("env", f"env {k}")
    merge(config, "dict", "dict")
    merge(overrides, "override", "override")
    secrets = {k for k in values if any(w in k.lower() for w in _SECRET_WORDS)}
    for k in secrets:
        if isinstance(values[k], str):
            _etlconn.register_secret(values[k])
    return ConnectionConfig(values, None, provenance, secrets)


def load_connection_config(defaults: Optional[Mapping[str, Any]] = None, file_path: Optional[str] = None,
                           env_prefix: Optional[str] = None, config: Optional[Mapping[str, Any]] = None,
                           overrides: Optional[Mapping[str, Any]] = None, required: Iterable[str] = (),
                           *, protocol: Optional[str] = None) -> ConnectionConfig:
    """Merge the configuration layers (later wins) and check ``required`` keys.

    Raises :class:`etlconn.ConfigError` naming the key, value (masked if
    secret) and the layer it came from."""
    protocol = protocol or _protocol_of(overrides, config, defaults)
    if protocol is not None or file_path is not None:
        try:
            cfg = _load_typed(protocol, defaults, file_path, env_prefix, config, overrides)
        except ConfigError as e:
            if protocol is not None or not e.message.startswith("no protocol given"):
                raise
            cfg = _load_plain(defaults, file_path, env_prefix, config, overrides)
    else:
        cfg = _load_plain(defaults, file_path, env_prefix, config, overrides)
    missing = [k for k in required if cfg.get(k) in (None, "")]
    if missing:
        raise make_error(101, "required configuration key(s) missing: " + ", ".join(missing))
    return cfg
