"""A distributed mutex on CAS + TTL + watch (etcd's concurrency recipe), over a Session."""
import threading
import time

__all__ = ["Mutex", "wait_for_turn", "queue"]


def queue(client, prefix):
    """The keys under ``prefix`` (metadata only) and the revision they were read at."""
    kvs, revision = [], 0
    for page in client.list(prefix=prefix, keys_only=True):
        kvs.extend(page.kvs)
        revision = max(revision, page.revision)
    return kvs, revision


def _stopped(session, deadline, prefix):
    if session.lost.is_set():
        raise session.error
    if session.done:
        raise ValueError("session %s is closed" % session.id)
    if deadline is not None and time.monotonic() >= deadline:
        raise TimeoutError("gave up waiting for %s's turn (timeout)" % prefix)


def wait_for_turn(client, session, prefix, my_key, my_revision, deadline=None):
    """Waits until ``my_key`` (create revision ``my_revision``) is the oldest key under ``prefix``.

    Each waiter watches only the key just before its own (no thundering herd), from the revision of the
    list it read, so a deletion between the list and the watch is not missed. Raises the session's
    SessionLostError when it is lost, TimeoutError at ``deadline`` (time.monotonic()).
    """
    while True:
        _stopped(session, deadline, prefix)
        kvs, revision = queue(client, prefix)
        if not any(k.key == my_key and k.create_revision == my_revision for k in kvs):
            if session.lost.is_set():
                raise session.error
            raise RuntimeError("%s vanished while waiting (its session expired?)" % my_key)
        before = [k for k in kvs if k.create_revision < my_revision]
        if not before:
            return
        predecessor = max(before, key=lambda k: k.create_revision)
        # Ends at the predecessor's delete or EXPIRE event, or once its expiry time has passed: reads treat
        # an expired key as gone at once, while the EXPIRE event follows when the server's sweeper runs.
        expires = None
        if predecessor.expires_at_ms:
            expires = time.monotonic() + (predecessor.expires_at_ms / 1000 - time.time()) + 0.005
        watch = client.watch(key=predecessor.key, start_revision=revision + 1, no_put=True)
        stop = threading.Event()

        def guard(watch=watch, expires=expires):
            while not stop.wait(0.05):
                now = time.monotonic()
                if (session.done or (deadline is not None and now >= deadline)
                        or (expires is not None and now >= expires)):
                    watch.close()
                    return

        threading.Thread(target=guard, daemon=True).start()
        try:
            for _event in watch:
                break
        finally:
            stop.set()
            watch.close()


class Mutex:
    """A distributed mutex, as the TypeScript client's (src/client/recipes/mutex.ts).

    ``lock()`` creates the session's key under ``prefix`` and waits until it is the oldest there;
    ``unlock()`` deletes it. When the holder dies its key expires after the session's TTL and the next
    waiter takes over. ``fencing_token`` (the key's create revision) grows with every acquisition: pass it
    to what you guard, so that a holder that lost its session (a long pause) can be refused.

        with kvstore.Session(kv, ttl_ms=10_000) as session:
            with kvstore.Mutex(session, "locks/report"):
                ...   # one process at a time
    """

    def __init__(self, session, prefix):
        self.session = session
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self.key = self.prefix + session.id
        self._revision = 0

    @property
    def fencing_token(self):
        """The create revision of the held lock key (0 when not held)."""
        return self._revision

    def lock(self, timeout=None):
        """Waits until the lock is held; after ``timeout`` seconds TimeoutError; SessionLostError."""
        if self._revision:
            raise RuntimeError("%s: already locked by this session" % self.key)
        deadline = None if timeout is None else time.monotonic() + timeout
        meta = self.session.create(self.key, self.session.id)
        try:
            wait_for_turn(self.session.client, self.session, self.prefix, self.key, meta.create_revision,
                          deadline)
        except BaseException:
            try:
                self.session.release(self.key)
            except Exception:  # noqa: BLE001 - the key expires with the session anyway
                pass
            raise
        self._revision = meta.create_revision

    def try_lock(self):
        """Takes the lock only if nobody holds it or waits for it; True when taken."""
        if self._revision:
            raise RuntimeError("%s: already locked by this session" % self.key)
        meta = self.session.create(self.key, self.session.id)
        kvs, _ = queue(self.session.client, self.prefix)
        if any(k.create_revision < meta.create_revision for k in kvs):
            self.session.release(self.key)
            return False
        self._revision = meta.create_revision
        return True

    def unlock(self):
        self._revision = 0
        self.session.release(self.key)

    def __enter__(self):
        self.lock()
        return self

    def __exit__(self, *exc):
        self.unlock()
