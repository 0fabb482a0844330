"""etcd's transaction: ``client.txn().if_(...).on_success(...).on_failure(...).commit()``."""
from dataclasses import dataclass, field
from typing import List, Optional

from .types import KeyValue, condition, from_wire_kv, selector, to_bytes
from .v1 import kvstore_pb2 as pb

_RESULT = {
    "=": pb.Compare.EQUAL,
    "!=": pb.Compare.NOT_EQUAL,
    ">": pb.Compare.GREATER,
    "<": pb.Compare.LESS,
}


def _result(op):
    try:
        return _RESULT[op]
    except KeyError:
        raise ValueError("a compare operator is one of =, !=, >, <; not %r" % (op,)) from None


class compare:  # noqa: N801 - a namespace, used as compare.version(...)
    """Compares for TxnBuilder.if_. An absent key has version, create and mod revision 0 and no value."""

    @staticmethod
    def version(key, op, version):
        return pb.Compare(key=key, result=_result(op), version=version)

    @staticmethod
    def create_revision(key, op, revision):
        return pb.Compare(key=key, result=_result(op), create_revision=revision)

    @staticmethod
    def mod_revision(key, op, revision):
        return pb.Compare(key=key, result=_result(op), mod_revision=revision)

    @staticmethod
    def value(key, op, value):
        return pb.Compare(key=key, result=_result(op), value=to_bytes(value))

    @staticmethod
    def absent(key):
        """The key does not exist (version = 0)."""
        return pb.Compare(key=key, result=pb.Compare.EQUAL, version=0)


class op:  # noqa: N801 - a namespace, used as op.set(...)
    """Operations for TxnBuilder.on_success / on_failure."""

    @staticmethod
    def get(key):
        return pb.RequestOp(get=pb.GetRequest(key=key))

    @staticmethod
    def range(prefix=None, start=None, end=None, pattern=None, limit=0, keys_only=False):
        sel = selector(prefix=prefix, start=start, end=end, pattern=pattern)
        return pb.RequestOp(range=pb.RangeRequest(limit=limit, keys_only=keys_only, **sel))

    @staticmethod
    def set(key, value, ttl_ms=None, **cond):
        req = pb.SetRequest(key=key, value=to_bytes(value))
        if ttl_ms is not None:
            req.ttl_ms = ttl_ms
        c = condition(**cond)
        if c is not None:
            req.condition.CopyFrom(c)
        return pb.RequestOp(set=req)

    @staticmethod
    def delete(key, **cond):
        req = pb.DeleteRequest(key=key)
        c = condition(**cond)
        if c is not None:
            req.condition.CopyFrom(c)
        return pb.RequestOp(delete=req)

    @staticmethod
    def delete_range(prefix=None, start=None, end=None, pattern=None, prev_kv=False):
        sel = selector(prefix=prefix, start=start, end=end, pattern=pattern)
        return pb.RequestOp(delete_range=pb.DeleteRangeRequest(prev_kv=prev_kv, **sel))


@dataclass(frozen=True)
class TxnOpResult:
    """One operation's result: ``type`` is get, range, set, delete or delete_range."""

    type: str
    kv: Optional[KeyValue] = None
    kvs: List[KeyValue] = field(default_factory=list)
    more: bool = False
    deleted: object = None
    prev_kvs: List[KeyValue] = field(default_factory=list)


@dataclass(frozen=True)
class TxnResult:
    #: Whether every compare held (on_success ran) or not (on_failure ran).
    succeeded: bool
    #: The transaction's revision when it wrote, else the revision it read at.
    revision: int
    results: List[TxnOpResult]


def _from_wire_op(r):
    kind = r.WhichOneof("response")
    if kind == "get":
        return TxnOpResult("get", kv=from_wire_kv(r.get.kv) if r.get.found else None)
    if kind == "range":
        return TxnOpResult("range", kvs=[from_wire_kv(k) for k in r.range.kvs], more=r.range.more)
    if kind == "set":
        return TxnOpResult("set", kv=from_wire_kv(r.set.kv))
    if kind == "delete":
        return TxnOpResult("delete", deleted=r.delete.deleted)
    if kind == "delete_range":
        return TxnOpResult(
            "delete_range",
            deleted=r.delete_range.deleted,
            prev_kvs=[from_wire_kv(k) for k in r.delete_range.prev_kvs],
        )
    raise ValueError("transaction response with an unknown operation")


def from_wire_txn(r):
    return TxnResult(r.succeeded, r.header.revision, [_from_wire_op(x) for x in r.responses])


def is_read_only(request):
    """A txn whose operations are all get/range may be retried like a read."""
    return all(o.WhichOneof("request") in ("get", "range") for o in list(request.success) + list(request.failure))


class TxnBuilder:
    def __init__(self, run):
        self._run = run
        self._compares = []
        self._success = []
        self._failure = []

    def if_(self, *compares):
        """Compares that must all hold for on_success to run (etcd's "if")."""
        self._compares.extend(compares)
        return self

    def on_success(self, *ops):
        """Operations run when every compare holds (etcd's "then")."""
        self._success.extend(ops)
        return self

    def on_failure(self, *ops):
        """Operations run when a compare does not hold (etcd's "else")."""
        self._failure.extend(ops)
        return self

    def commit(self, timeout=None):
        """Sends the transaction: retried on UNAVAILABLE only when read-only or never sent."""
        request = pb.TxnRequest(compare=self._compares, success=self._success, failure=self._failure)
        return self._run(request, timeout)
