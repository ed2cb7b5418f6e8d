"""IngestionResult / IngestedItem: the data contract (docs/data-contract.md)
as dataclasses, with ``to_dict()`` / ``to_json()``. When pydantic is
installed, results are also validated by pydantic models of the same shape
(as the seed package's models were)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class IngestedItem:
    name: str
    path: str
    format: str
    content_type: Optional[str]
    record_count: int
    byte_count: int
    sha256: str
    fetched_at: str
    metadata: Dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def to_json(self, indent: Optional[int] = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)


@dataclass
class ResultError:
    code: str
    message: str


@dataclass
class IngestionResult:
    protocol: str
    source: Optional[str]
    query: Optional[str]
    status: str
    started_at: Optional[str]
    finished_at: Optional[str]
    record_count: int
    byte_count: int
    items: List[IngestedItem] = field(default_factory=list)
    errors: List[ResultError] = field(default_factory=list)
    metadata: Dict[str, str] = field(default_factory=dict)
    contract_version: int = 1

    @property
    def success(self) -> bool:
        return self.status == "success"

    def to_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        # the contract's field order: contract_version first
        return {"contract_version": d.pop("contract_version"), **d}

    def to_json(self, indent: Optional[int] = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "IngestionResult":
        if d.get("contract_version", 1) != 1:
            raise ValueError(f"unsupported contract_version {d.get('contract_version')!r}")
        _validate(d)
        items = [IngestedItem(**{k: it.get(k) for k in _ITEM_FIELDS}) for it in d.get("items", [])]
        for it in items:
            it.metadata = dict(it.metadata or {})
        errors = [ResultError(e["code"], e["message"]) for e in d.get("errors", [])]
        return cls(protocol=d["protocol"], source=d.get("source"), query=d.get("query"), status=d["status"],
                   started_at=d.get("started_at"), finished_at=d.get("finished_at"),
                   record_count=d["record_count"], byte_count=d["byte_count"], items=items, errors=errors,
                   metadata=dict(d.get("metadata") or {}))

    @classmethod
    def from_json(cls, text: str) -> "IngestionResult":
        return cls.from_dict(json.loads(text))


_ITEM_FIELDS = ("name", "path", "format", "content_type", "record_count", "byte_count", "sha256", "fetched_at",
                "metadata")

_MODELS: Any = None


def pydantic_models() -> Any:
    """(IngestionResultModel, IngestedItemModel, ResultErrorModel) when
    pydantic >= 2 is installed, else None. Built on first use: importing
    pydantic costs a few hundred milliseconds that a job which never makes
    a result should not pay."""
    global _MODELS
    if _MODELS is None:
        try:
            import pydantic
        except ImportError:
            _MODELS = False
            return None
        from typing import Literal

        class IngestedItemModel(pydantic.BaseModel):
            name: str
            path: str
            format: str
            content_type: Optional[str] = None
            record_count: int = pydantic.Field(ge=-1)
            byte_count: int = pydantic.Field(ge=0)
            sha256: str = pydantic.Field(pattern=r"^[0-9a-f]{64}$")
            fetched_at: str
            metadata: Dict[str, str] = {}

        class ResultErrorModel(pydantic.BaseModel):
            code: str
            message: str

        class IngestionResultModel(pydantic.BaseModel):
            contract_version: Literal[1] = 1
            protocol: str = pydantic.Field(min_length=1)
            source: Optional[str] = None
            query: Optional[str] = None
            status: Literal["success", "partial", "failed"]
            started_at: Optional[str] = None
            finished_at: Optional[str] = None
            record_count: int
            byte_count: int
            items: List[IngestedItemModel] = []
            errors: List[ResultErrorModel] = []
            metadata: Dict[str, str] = {}

        _MODELS = (IngestionResultModel, IngestedItemModel, ResultErrorModel)
    return _MODELS or None


def _validate(d: Dict[str, Any]) -> None:
    models = pydantic_models()
    if models is not None:
        models[0].model_validate(d)
        return
    for key in ("protocol", "status", "record_count", "byte_count"):
        if key not in d:
            raise ValueError(f"IngestionResult: '{key}' missing")
