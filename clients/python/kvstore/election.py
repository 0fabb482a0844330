"""Leader election on CAS + TTL + watch (etcd's concurrency recipe), over a Session."""
import time
from dataclasses import dataclass

from .mutex import wait_for_turn

__all__ = ["Election", "Leader", "LeaderWatch"]


@dataclass(frozen=True)
class Leader:
    """The leader of an election: its key, announced value, and the create revision of its key (a
    fencing token: it grows with every new leader)."""

    key: str
    value: bytes
    revision: int


def _leader_of(kvs):
    best = min(kvs, key=lambda k: k.create_revision, default=None)
    return None if best is None else Leader(best.key, best.value, best.create_revision)


class Election:
    """Candidates queue under ``prefix`` by create revision and the oldest leads; a leader that dies loses
    its key when its session's TTL runs out, and the next takes over. As src/client/recipes/election.ts."""

    def __init__(self, session, prefix):
        self.session = session
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self.key = self.prefix + session.id
        self._revision = 0

    def campaign(self, value, timeout=None):
        """Waits until this candidate leads, announcing ``value``."""
        if self._revision:
            raise RuntimeError("%s: already campaigning" % self.key)
        deadline = None if timeout is None else time.monotonic() + timeout
        meta = self.session.create(self.key, value)
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

    def proclaim(self, value):
        """Changes the leader's announced value (only while it leads)."""
        if not self._revision:
            raise RuntimeError("%s: not the leader" % self.key)
        self.session.put(self.key, value)

    def resign(self):
        """Steps down (the next candidate takes over at once)."""
        self._revision = 0
        self.session.release(self.key)

    def leader(self):
        """The current Leader, or None when nobody campaigns."""
        return _leader_of(self.session.client.list_all(prefix=self.prefix))

    def observe(self):
        """A LeaderWatch: iterate it for the leader now, then each change of leader (or of its value);
        None while there is none. ``close()`` from any thread ends it."""
        return LeaderWatch(self.session.client, self.prefix)


class LeaderWatch:
    """The leader under a prefix and each change of it, from one list and one (resuming) watch."""

    def __init__(self, client, prefix):
        self._candidates, revision = {}, 0
        for page in client.list(prefix=prefix):
            for kv in page.kvs:
                self._candidates[kv.key] = kv
            revision = max(revision, page.revision)
        self._watch = client.watch(prefix=prefix, start_revision=revision + 1)

    def close(self):
        self._watch.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        last = _leader_of(self._candidates.values())
        yield last
        for event in self._watch:
            if event.type == "put":
                self._candidates[event.key] = event.kv
            else:
                self._candidates.pop(event.key, None)
            now = _leader_of(self._candidates.values())
            if now != last:
                last = now
                yield now
