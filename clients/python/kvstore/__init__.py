"""The Python client of kvstore (gRPC API kvstore.v1).

    import kvstore
    with kvstore.connect(endpoints=["127.0.0.1:50051"]) as kv:
        kv.set("config/x", "on")
        print(kv.get("config/x").value)
        for event in kv.watch(prefix="config/"):
            print(event.revision, event.type, event.key)
"""
from .client import Client, Retry, backoff_delay, connect
from .errors import (
    AbortedError,
    AuthError,
    CancelledError,
    CompactedError,
    ConditionFailedError,
    DeadlineExceededError,
    InvalidArgumentError,
    KvError,
    NotFoundError,
    ResourceExhaustedError,
    UnavailableError,
)
from .election import Election, Leader, LeaderWatch
from .mutex import Mutex
from .recipes import UNCHANGED, UpdateConflictError, update
from .security import Tls
from .session import Session, SessionLostError
from .txn import TxnBuilder, TxnOpResult, TxnResult, compare, op
from .types import (
    DeleteManyResult,
    DeleteRangeResult,
    DeleteResult,
    GetManyResult,
    KeyValue,
    ListPage,
    SetManyResult,
    WatchEvent,
    WriteResult,
)
from .watch import Watch

__version__ = "0.1.0"

__all__ = [
    "connect", "Client", "Retry", "backoff_delay", "Watch", "Tls", "update", "UNCHANGED", "UpdateConflictError",
    "Session", "SessionLostError", "Mutex", "Election", "Leader", "LeaderWatch",
    "compare", "op", "TxnBuilder", "TxnResult", "TxnOpResult",
    "KeyValue", "WriteResult", "DeleteResult", "ListPage", "SetManyResult", "GetManyResult",
    "DeleteManyResult", "DeleteRangeResult", "WatchEvent",
    "KvError", "InvalidArgumentError", "ConditionFailedError", "CompactedError", "ResourceExhaustedError",
    "UnavailableError", "DeadlineExceededError", "AuthError", "AbortedError", "CancelledError",
    "NotFoundError",
]
