"""A lease-like session: keys with a TTL, kept alive by a thread while the process lives."""
import secrets
import threading
import time

from .errors import ConditionFailedError, KvError, UnavailableError
from .txn import compare, op
from .types import to_bytes

__all__ = ["Session", "SessionLostError"]


class SessionLostError(Exception):
    """The session's keys expired or were taken over (or no refresh succeeded for a whole TTL)."""

    def __init__(self, message, key=""):
        super().__init__(message)
        self.key = key


class Session:
    """Keys that vanish when the process dies, as the TypeScript client's Session (src/client/recipes).

    Each key is created with the session's TTL and refreshed every ``keep_alive_ms`` by a daemon thread,
    only while it is still this session's incarnation of it (its create revision): a refresh never
    resurrects a key that was deleted or taken over. When a refresh finds the key gone, or none succeeded
    for a whole TTL, the session is lost: ``lost`` is set and ``error`` says why. ``close()`` (or leaving
    ``with``) deletes the keys; if the process dies instead, they expire after the TTL.
    """

    def __init__(self, client, ttl_ms=10_000, keep_alive_ms=None, id=None):  # noqa: A002 - as in TS
        self.client = client
        self.id = id or secrets.token_hex(8)
        self.ttl_ms = ttl_ms
        self.keep_alive_ms = keep_alive_ms or max(10, ttl_ms // 3)
        self.error = None
        self.lost = threading.Event()
        self._owned = {}  # key -> [value bytes, create_revision]
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._last_refresh = time.monotonic()
        self._thread = threading.Thread(target=self._keep_alive, name="kvstore-session", daemon=True)
        self._thread.start()

    @property
    def done(self):
        """True once the session is lost or closed: its keys are no longer kept alive."""
        return self.lost.is_set() or self._closed.is_set()

    def create_revision_of(self, key):
        """The create revision of a key this session holds, or None."""
        with self._lock:
            mine = self._owned.get(key)
        return mine[1] if mine else None

    def create(self, key, value):
        """Creates ``key`` (it must not exist: ConditionFailedError) with the session's TTL; returns its
        KeyValue (without value). An unknown outcome is settled by reading the key back: session keys carry
        the session id in their names, so a key found with our value is ours."""
        self._check_open()
        data = to_bytes(value)
        try:
            meta = self.client.set(key, data, ttl_ms=self.ttl_ms, if_absent=True).kv
        except UnavailableError as err:
            if not err.outcome_unknown:
                raise
            found = self.client.get(key)
            if found is None or found.value != data:
                raise
            meta = found
        with self._lock:
            self._owned[key] = [data, meta.create_revision]
        return meta

    def put(self, key, value):
        """Changes the value of a key this session holds (only while it is still this session's)."""
        with self._lock:
            mine = self._owned.get(key)
        if mine is None:
            raise ValueError("session %s does not hold %s" % (self.id, key))
        data = to_bytes(value)
        r = (self.client.txn().if_(compare.create_revision(key, "=", mine[1]))
             .on_success(op.set(key, data, ttl_ms=self.ttl_ms)).commit())
        if not r.succeeded:
            self._lose(SessionLostError("session %s: %s is no longer ours" % (self.id, key), key))
        else:
            mine[0] = data

    def release(self, key):
        """Deletes a key this session holds (if still its own) and stops refreshing it."""
        with self._lock:
            mine = self._owned.pop(key, None)
        if mine is None:
            return
        (self.client.txn().if_(compare.create_revision(key, "=", mine[1]))
         .on_success(op.delete(key)).commit())

    def close(self):
        """Stops the keep-alive and deletes the session's keys (their TTL removes them if this cannot)."""
        if self._closed.is_set():
            return
        self._closed.set()
        with self._lock:
            keys = list(self._owned)
        for key in keys:
            try:
                self.release(key)
            except KvError:
                pass
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _check_open(self):
        if self._closed.is_set():
            raise ValueError("session %s is closed" % self.id)
        if self.lost.is_set():
            raise self.error

    def _keep_alive(self):
        while not self._closed.wait(self.keep_alive_ms / 1000):
            if self.lost.is_set():
                return
            self._refresh()

    def _refresh(self):
        with self._lock:
            owned = list(self._owned.items())
        try:
            for key, mine in owned:
                r = (self.client.txn().if_(compare.create_revision(key, "=", mine[1]))
                     .on_success(op.set(key, mine[0], ttl_ms=self.ttl_ms))
                     .commit(timeout=self.keep_alive_ms / 1000))
                with self._lock:
                    still = self._owned.get(key) is mine
                if not r.succeeded and still:
                    self._lose(SessionLostError("session %s: %s expired or was taken over" % (self.id, key), key))
                    return
            self._last_refresh = time.monotonic()
        except KvError as err:
            # Unreachable for now: try again at the next tick, unless the keys may have expired meanwhile.
            late = (time.monotonic() - self._last_refresh) * 1000 >= self.ttl_ms
            if isinstance(err, ConditionFailedError) or late:
                key = owned[0][0] if owned else ""
                self._lose(SessionLostError(
                    "session %s: no refresh for %d ms (%s)" % (self.id, self.ttl_ms, err), key))

    def _lose(self, error):
        if self.lost.is_set():
            return
        self.error = error
        self.lost.set()
