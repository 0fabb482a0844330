"""A watch as an iterator that resumes after each break: no gap, no duplicate, strictly in order."""
import collections
import threading
import time

import grpc

from .errors import CancelledError, KvError, UnavailableError, from_rpc_error
from .types import WatchEvent, from_wire_kv
from .v1 import kvstore_pb2 as pb

_TYPES = {pb.Event.PUT: "put", pb.Event.DELETE: "delete", pb.Event.EXPIRE: "expire"}


class Watch:
    """An iterator of WatchEvent in revision order, each revision exactly once, across reconnections.

    When the stream breaks (the connection drops, the server restarts or is killed, it says it is shutting
    down, or it stays silent for three progress intervals) the watch reconnects with backoff (to the next
    endpoint when this one failed) and asks for the revision after the last one it received (an event or a
    progress message); the server never splits a revision across messages. A watch without
    ``start_revision`` first pins "now" to a revision (a status call), so a break before the first event
    loses nothing either. Raises CompactedError (with ``compact_revision``) when the resume point was
    compacted, or the server's error for a bad request; ends (StopIteration) after close().
    """

    def __init__(self, client, sel, start_revision, prev_kv, no_put, no_delete, progress_interval,
                 backoff, on_reconnect):
        self._client = client
        self._sel = sel
        self._next_revision = start_revision or 0
        self._options = dict(prev_kv=prev_kv, no_put=no_put, no_delete=no_delete)
        self._interval = progress_interval
        self._backoff = backoff
        self._on_reconnect = on_reconnect
        self._pending = collections.deque()
        self._lock = threading.Lock()
        self._call = None
        self._conn = None
        self._done = False
        self._failure = None
        self._attempt = 0
        self._received = 0
        self._last_heard = time.monotonic()
        self._silent = False
        self._stop = threading.Event()
        self._watchdog = None
        if self._next_revision == 0:
            # "From now" means from this call, and must survive a reconnect: pin now to a revision.
            self._next_revision = self._pin_now() + 1

    @property
    def revision(self):
        """The newest revision received so far (events or progress), 0 before any."""
        return self._received

    def close(self):
        """Ends the watch: iteration stops (from any thread)."""
        with self._lock:
            if self._done:
                return
            self._done = True
            call = self._call
        self._stop.set()
        if call is not None:
            call.cancel()
        self._client._forget_watch(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self._pending:
                return self._pending.popleft()
            if self._done:
                if self._failure is not None:
                    failure, self._failure = self._failure, None
                    raise failure
                raise StopIteration
            self._step()

    # -- internals ----------------------------------------------------------------------------------

    def _fail(self, error):
        self._failure = error
        self.close()

    def _step(self):
        """Receives the next message, or handles the stream's end (reconnecting or failing)."""
        try:
            if self._call is None:
                self._open()
            message = next(self._call)
        except StopIteration:
            self._broken(UnavailableError(grpc.StatusCode.UNAVAILABLE, "the server ended the watch",
                                          self._conn.addr if self._conn else ""))
            return
        except grpc.RpcError as err:
            if self._done:
                return
            conn = self._conn
            if self._silent:
                error = UnavailableError(grpc.StatusCode.UNAVAILABLE, "no message from %s in %.1f s"
                                         % (conn.addr, 3 * self._interval), conn.addr, answered=False)
            else:
                error = from_rpc_error(err, conn.addr if conn else "")
            if isinstance(error, UnavailableError):
                if conn is not None:
                    self._client._failover(conn)
                self._broken(error)
            elif isinstance(error, CancelledError) and self._done:
                return
            else:
                self._fail(error)
            return
        except KvError as error:
            if self._done:
                return
            if isinstance(error, UnavailableError):
                self._broken(error)
            else:
                self._fail(error)
            return
        self._deliver(message)

    def _pin_now(self):
        """The store's current revision, retried while no server answers."""
        attempt = 0
        while True:
            try:
                return self._client.status().header.revision
            except UnavailableError:
                if self._done:
                    raise CancelledError(grpc.StatusCode.CANCELLED, "the watch is closed") from None
                self._sleep(attempt)
                attempt += 1

    def _open(self):
        conn = self._client._conn()
        request = pb.WatchRequest(
            start_revision=self._next_revision,
            progress_interval_ms=int(self._interval * 1000),
            **self._options,
            **self._sel,
        )
        call = conn.kv.Watch(request, metadata=self._client.metadata)
        with self._lock:
            if self._done:
                call.cancel()
                return
            self._conn = conn
            self._call = call
            self._silent = False
            self._last_heard = time.monotonic()
        self._start_watchdog()

    def _start_watchdog(self):
        if self._watchdog is not None:
            return

        def run():
            while not self._stop.wait(self._interval):
                with self._lock:
                    call = self._call
                    silent = time.monotonic() - self._last_heard > 3 * self._interval
                    if call is not None and silent:
                        self._silent = True
                if call is not None and silent:
                    call.cancel()

        self._watchdog = threading.Thread(target=run, name="kvstore-watchdog", daemon=True)
        self._watchdog.start()

    def _broken(self, error):
        """The stream broke: back off, then the next _step opens it again after the last revision."""
        with self._lock:
            call, self._call = self._call, None
        if call is not None:
            call.cancel()
        if self._on_reconnect is not None:
            self._on_reconnect(error, self._client.endpoint, self._next_revision)
        self._sleep(self._attempt)
        self._attempt += 1

    def _sleep(self, attempt):
        from .client import backoff_delay

        self._stop.wait(backoff_delay(attempt, self._backoff))

    def _deliver(self, message):
        self._last_heard = time.monotonic()
        self._attempt = 0
        last = message.header.revision
        for e in message.events:
            kv = from_wire_kv(e.kv)
            # The server never repeats a revision, but a resumed stream must not either.
            if kv.mod_revision < self._next_revision:
                continue
            prev = from_wire_kv(e.prev_kv) if e.HasField("prev_kv") else None
            self._pending.append(WatchEvent(_TYPES.get(e.type, "put"), kv.key, kv.mod_revision, kv, prev))
            last = max(last, kv.mod_revision)
        # Every change up to the header's revision has been received (a message never splits a revision).
        if last >= self._next_revision:
            self._next_revision = last + 1
            self._received = last
