"""Plain result types and the conversions from and to the wire messages."""
from dataclasses import dataclass, field
from typing import List, Optional

from .v1 import kvstore_pb2 as pb


@dataclass(frozen=True)
class KeyValue:
    """A key with its value and metadata (``value`` is bytes; empty for a write's result)."""

    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    version: int
    #: Milliseconds since the epoch when the key expires, or None.
    expires_at_ms: Optional[int] = None


@dataclass(frozen=True)
class WriteResult:
    revision: int
    kv: KeyValue


@dataclass(frozen=True)
class DeleteResult:
    revision: int
    deleted: bool


@dataclass(frozen=True)
class ListPage:
    revision: int
    kvs: List[KeyValue]
    more: bool
    #: Every key in the span, when count=True was asked for.
    count: Optional[int] = None


@dataclass(frozen=True)
class SetManyResult:
    revision: int
    kvs: List[KeyValue]


@dataclass(frozen=True)
class GetManyResult:
    revision: int
    #: One per requested key, in request order; None for an absent key.
    kvs: List[Optional[KeyValue]]


@dataclass(frozen=True)
class DeleteManyResult:
    revision: int
    deleted: List[str]


@dataclass(frozen=True)
class DeleteRangeResult:
    revision: int
    deleted: int
    prev_kvs: List[KeyValue] = field(default_factory=list)


@dataclass(frozen=True)
class WatchEvent:
    """One change. ``type`` is "put", "delete" or "expire"; several events can share a revision."""

    type: str
    key: str
    revision: int
    kv: KeyValue
    prev_kv: Optional[KeyValue] = None


def to_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError("a value is bytes or str, not %s" % type(value).__name__)


def from_wire_kv(kv):
    return KeyValue(
        key=kv.key,
        value=bytes(kv.value),
        create_revision=kv.create_revision,
        mod_revision=kv.mod_revision,
        version=kv.version,
        expires_at_ms=kv.expires_at_ms or None,
    )


def condition(if_absent=False, if_version=None, if_mod_revision=None, if_value=None):
    """The wire Condition for at most one of the if_* options (None when none is given)."""
    given = [c for c in (if_absent or None, if_version, if_mod_revision, if_value) if c is not None]
    if len(given) > 1:
        raise ValueError("at most one of if_absent, if_version, if_mod_revision, if_value")
    if if_absent:
        return pb.Condition(absent=True)
    if if_version is not None:
        return pb.Condition(version=if_version)
    if if_mod_revision is not None:
        return pb.Condition(mod_revision=if_mod_revision)
    if if_value is not None:
        return pb.Condition(value=to_bytes(if_value))
    return None


def selector(prefix=None, start=None, end=None, pattern=None, key=None, allow_key=False):
    """The wire fields of a selector: exactly one of key (watch only), prefix, start[/end] or pattern."""
    chosen = [
        name
        for name, v in (("key", key), ("prefix", prefix), ("start", start), ("pattern", pattern))
        if v is not None
    ]
    if end is not None and start is None:
        raise ValueError("end needs start")
    if key is not None and not allow_key:
        raise ValueError("key is a watch selector; use get() for one key")
    if len(chosen) > 1:
        raise ValueError("give one of %s, not %s" % ("key, prefix, start/end, pattern", ", ".join(chosen)))
    out = {}
    if key is not None:
        out["key"] = key
    if prefix is not None:
        out["prefix"] = prefix
    if start is not None:
        out["start"] = start
        out["end"] = end or ""
    if pattern is not None:
        out["pattern"] = pattern
    return out
