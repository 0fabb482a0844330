"""The client: connect(endpoints=[...], timeout=..., retry=...) -> Client."""
import random
import re
import threading
import time
from dataclasses import dataclass

import grpc

from .errors import CancelledError, UnavailableError, from_rpc_error
from .security import auth_metadata, channel_credentials
from .txn import TxnBuilder, from_wire_txn, is_read_only
from .types import (
    DeleteManyResult,
    DeleteRangeResult,
    DeleteResult,
    GetManyResult,
    ListPage,
    SetManyResult,
    WriteResult,
    condition,
    from_wire_kv,
    selector,
    to_bytes,
)
from .v1 import kvstore_pb2 as pb
from .v1 import kvstore_pb2_grpc as pb_grpc

__all__ = ["Retry", "Client", "connect", "backoff_delay"]


@dataclass(frozen=True)
class Retry:
    """When an idempotent call is tried again (docs: clients/python/README.md, "Retries").

    max_attempts: attempts in all, the first included (1 = never retry).
    initial / maximum: backoff in seconds, full jitter: a random delay in
    [0, min(maximum, initial * 2**attempt)].
    """

    max_attempts: int = 5
    initial: float = 0.05
    maximum: float = 2.0


def backoff_delay(attempt, retry=Retry()):
    """The delay (seconds) after failed attempt ``attempt`` (0-based), with full jitter."""
    return random.random() * min(retry.maximum, retry.initial * (2 ** min(attempt, 30)))


# A restarted server should be found again quickly (grpcio's default reconnect backoff grows to 120 s).
_CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
    # After a failed connection grpc core asks for the name again, by default at most every 30 s, and waits
    # for the answer before the next attempt.
    ("grpc.dns_min_time_between_resolutions_ms", 1000),
    # grpcio shares connections between channels to one address by default: a new client would inherit
    # another's reconnect backoff to a server that was down. Each client keeps its own.
    ("grpc.use_local_subchannel_pool", 1),
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", -1),
]


def _channel_options(connect_timeout):
    # grpc core (1.51) takes grpc.min_reconnect_backoff_ms both as the least time between two connection
    # attempts and as the time one attempt may take (20 s by default): with the default a client found a
    # restarted server only 8.5 s after it was back (measured), at 100 ms a busy server that was slow to send
    # its HTTP/2 SETTINGS was reported unreachable. connect_timeout sets it.
    return _CHANNEL_OPTIONS + [("grpc.min_reconnect_backoff_ms", int(connect_timeout * 1000))]


_ENDPOINT = re.compile(r"^[^\s/]+:\d{1,5}$")


class _Endpoint:
    def __init__(self, addr, tls, connect_timeout):
        self.addr = addr
        options = _channel_options(connect_timeout)
        if tls is None:
            self.channel = grpc.insecure_channel(addr, options=options)
        else:
            creds, extra = channel_credentials(tls)
            self.channel = grpc.secure_channel(addr, creds, options=options + extra)
        self.kv = pb_grpc.KVStub(self.channel)
        self.admin = pb_grpc.AdminStub(self.channel)


def connect(endpoints=("127.0.0.1:50051",), timeout=5.0, retry=None, api_key=None, tls=None,
            connect_timeout=2.0):
    """A client of the kvstore servers at ``endpoints`` (HOST:PORT; cluster nodes, tried in turn).

    timeout: seconds one attempt of a call may take (DeadlineExceededError after), per call ``timeout=``.
    retry: a Retry, a dict of its fields, or None for the defaults.
    api_key: sent as ``authorization: Bearer <key>`` with every call (server: security.apiKeysFile).
    tls: a kvstore.Tls (CA, client certificate and key, server name), True (system roots) or None (plaintext).
    connect_timeout: seconds one connection attempt may take, also the least time between two attempts to
    reach a server that is down (so a restarted server is found again within about this long).
    """
    if isinstance(endpoints, str):
        endpoints = [endpoints]
    if isinstance(retry, dict):
        retry = Retry(**retry)
    return Client(list(endpoints), timeout, retry or Retry(), api_key=api_key, tls=tls,
                  connect_timeout=connect_timeout)


class Client:
    """Typed calls over kvstore.v1; use as a context manager or call close()."""

    def __init__(self, endpoints, timeout=5.0, retry=Retry(), api_key=None, tls=None, connect_timeout=2.0):
        if not endpoints:
            raise ValueError("connect: at least one endpoint is needed")
        number = isinstance(connect_timeout, (int, float)) and not isinstance(connect_timeout, bool)
        if not number or connect_timeout <= 0:
            raise ValueError("connect: connect_timeout must be more than 0 seconds, got %r" % (connect_timeout,))
        for e in endpoints:
            if not _ENDPOINT.match(e):
                raise ValueError('connect: endpoint "%s" is not HOST:PORT' % e)
        self.metadata = auth_metadata(api_key)
        if tls is not None:
            channel_credentials(tls)  # a bad option fails here, not on the first call
        self._tls = tls
        self._connect_timeout = connect_timeout
        self.endpoints = list(endpoints)
        self.timeout = timeout
        self.retry = retry
        self._lock = threading.Lock()
        self._conns = [None] * len(endpoints)
        self._current = 0
        self._closed = False
        self._watches = set()

    # -- connections -------------------------------------------------------------------------------

    @property
    def endpoint(self):
        """The endpoint calls go to now."""
        return self.endpoints[self._current]

    def _conn(self):
        with self._lock:
            if self._closed:
                raise CancelledError(grpc.StatusCode.CANCELLED, "the client is closed", self.endpoint)
            i = self._current
            if self._conns[i] is None:
                self._conns[i] = _Endpoint(self.endpoints[i], self._tls, self._connect_timeout)
            return self._conns[i]

    def _failover(self, conn):
        """Moves on from ``conn`` (when it is still the current endpoint) to the next one."""
        with self._lock:
            if self._conns[self._current] is conn:
                self._current = (self._current + 1) % len(self.endpoints)

    def close(self):
        """Ends the connections and every watch."""
        with self._lock:
            self._closed = True
            watches = list(self._watches)
            conns = [c for c in self._conns if c is not None]
        for w in watches:
            w.close()
        for c in conns:
            c.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _unary(self, stub, method, request, write, timeout=None):
        """One call with the retry policy: reads retried on UNAVAILABLE; writes only if never sent."""
        timeout = self.timeout if timeout is None else timeout
        attempts = max(1, self.retry.max_attempts)
        for attempt in range(attempts):
            conn = self._conn()
            try:
                return getattr(getattr(conn, stub), method)(request, timeout=timeout, metadata=self.metadata)
            except grpc.RpcError as err:
                error = from_rpc_error(err, conn.addr, write)
                if not isinstance(error, UnavailableError):
                    raise error from None
                self._failover(conn)
                may_retry = not write or not error.outcome_unknown
                if not may_retry or attempt + 1 >= attempts or self._closed:
                    raise error from None
                time.sleep(backoff_delay(attempt, self.retry))
        raise AssertionError("unreachable")

    # -- calls ---------------------------------------------------------------------------------------

    def get(self, key, serializable=False, timeout=None):
        """The key's KeyValue, or None when it does not exist."""
        r = self._unary("kv", "Get", pb.GetRequest(key=key, serializable=serializable), False, timeout)
        return from_wire_kv(r.kv) if r.found else None

    def set(self, key, value, ttl_ms=None, timeout=None, **cond):
        """Writes a key; ``if_absent``/``if_version``/``if_mod_revision``/``if_value``: at most one condition.

        Returns WriteResult(revision, kv) (kv without its value). A failed condition raises
        ConditionFailedError with current_mod_revision and current_version.
        """
        req = pb.SetRequest(key=key, value=to_bytes(value))
        if ttl_ms is not None:
            req.ttl_ms = ttl_ms
        c = condition(**cond)
        if c is not None:
            req.condition.CopyFrom(c)
        r = self._unary("kv", "Set", req, True, timeout)
        return WriteResult(r.header.revision, from_wire_kv(r.kv))

    def delete(self, key, timeout=None, **cond):
        """Deletes a key (deleted False when it was absent: nothing written); conditions as set()."""
        req = pb.DeleteRequest(key=key)
        c = condition(**cond)
        if c is not None:
            req.condition.CopyFrom(c)
        r = self._unary("kv", "Delete", req, True, timeout)
        return DeleteResult(r.header.revision, r.deleted)

    def list(self, prefix=None, start=None, end=None, pattern=None, page_size=0, keys_only=False,
             serializable=False, count=False, timeout=None):
        """An iterator over ListPage: one request per page (each page retried on its own)."""
        sel = selector(prefix=prefix, start=start, end=end, pattern=pattern)
        if not sel:
            sel = {"prefix": ""}
        token = ""
        while True:
            req = pb.ListRequest(limit=page_size, page_token=token, keys_only=keys_only,
                                 serializable=serializable, count=count, **sel)
            r = self._unary("kv", "List", req, False, timeout)
            yield ListPage(r.header.revision, [from_wire_kv(k) for k in r.kvs], r.more,
                           r.count if count else None)
            token = r.next_page_token
            if not r.more or not token:
                return

    def list_all(self, **kwargs):
        """Every KeyValue of every page of list(**kwargs)."""
        return [kv for page in self.list(**kwargs) for kv in page.kvs]

    def set_many(self, items, timeout=None):
        """Writes several distinct keys atomically, one revision.

        items: (key, value) or (key, value, ttl_ms) tuples, or dicts with key, value, ttl_ms.
        """
        wire = []
        for item in items:
            if isinstance(item, dict):
                key, value, ttl = item["key"], item["value"], item.get("ttl_ms")
            else:
                key, value, ttl = (tuple(item) + (None,))[:3]
            it = pb.SetItem(key=key, value=to_bytes(value))
            if ttl is not None:
                it.ttl_ms = ttl
            wire.append(it)
        r = self._unary("kv", "SetMany", pb.SetManyRequest(items=wire), True, timeout)
        return SetManyResult(r.header.revision, [from_wire_kv(k) for k in r.kvs])

    def get_many(self, keys, serializable=False, timeout=None):
        """Several keys at one revision, in request order (None for an absent key)."""
        r = self._unary("kv", "GetMany", pb.GetManyRequest(keys=list(keys), serializable=serializable),
                        False, timeout)
        return GetManyResult(r.header.revision, [from_wire_kv(x.kv) if x.found else None for x in r.results])

    def delete_many(self, keys, timeout=None):
        r = self._unary("kv", "DeleteMany", pb.DeleteManyRequest(keys=list(keys)), True, timeout)
        return DeleteManyResult(r.header.revision, list(r.deleted))

    def delete_range(self, prefix=None, start=None, end=None, pattern=None, prev_kv=False, timeout=None):
        """Deletes every key of a prefix, range or pattern as one revision."""
        sel = selector(prefix=prefix, start=start, end=end, pattern=pattern)
        r = self._unary("kv", "DeleteRange", pb.DeleteRangeRequest(prev_kv=prev_kv, **sel), True, timeout)
        return DeleteRangeResult(r.header.revision, r.deleted, [from_wire_kv(k) for k in r.prev_kvs])

    def txn(self):
        """``client.txn().if_(compare...).on_success(op...).on_failure(op...).commit()``."""

        def run(request, timeout):
            r = self._unary("kv", "Txn", request, not is_read_only(request), timeout)
            return from_wire_txn(r)

        return TxnBuilder(run)

    def status(self, timeout=None):
        """The server's StatusResponse message (version, revision in header, compact_revision, keys...)."""
        return self._unary("admin", "Status", pb.StatusRequest(), False, timeout)

    def hash_kv(self, revision=0, timeout=None):
        return self._unary("admin", "HashKV", pb.HashKVRequest(revision=revision), False, timeout)

    def compact(self, revision, timeout=None):
        r = self._unary("admin", "Compact", pb.CompactRequest(revision=revision), True, timeout)
        return r.compact_revision

    def watch(self, key=None, prefix=None, start=None, end=None, pattern=None, start_revision=None,
              prev_kv=False, no_put=False, no_delete=False, progress_interval=2.0, backoff=None,
              on_reconnect=None):
        """A Watch: an iterator of WatchEvent that resumes after each break (see kvstore.watch)."""
        from .watch import Watch

        sel = selector(key=key, prefix=prefix, start=start, end=end, pattern=pattern, allow_key=True)
        w = Watch(self, sel, start_revision, prev_kv, no_put, no_delete, progress_interval,
                  backoff or Retry(), on_reconnect)
        with self._lock:
            self._watches.add(w)
        return w

    def _forget_watch(self, w):
        with self._lock:
            self._watches.discard(w)
