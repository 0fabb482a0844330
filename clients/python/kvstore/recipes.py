"""Recipes on CAS: update(client, key, fn), read-modify-write with optimistic concurrency."""
import time

from .client import Retry, backoff_delay
from .errors import ConditionFailedError

_UNCHANGED = object()


class UpdateConflictError(Exception):
    """update() gave up: the key kept changing under it for max_attempts tries."""


def update(client, key, fn, max_attempts=32, ttl_ms=None, backoff=Retry(initial=0.01, maximum=0.5)):
    """Reads ``key``, calls ``fn(current)`` (a KeyValue, or None when absent) and writes what it returns
    only if the key's mod revision is unchanged; on a conflict reads and calls ``fn`` again.

    ``fn`` returns the new value (bytes or str), None to delete the key, or kvstore.UNCHANGED to leave it.
    ``fn`` may run several times: keep it free of side effects. Returns the KeyValue read last (when fn
    left it unchanged), or the WriteResult / DeleteResult of the write that won. A write whose outcome is
    unknown (UnavailableError with outcome_unknown) is raised, never resent.
    """
    for attempt in range(max_attempts):
        current = client.get(key)
        value = fn(current)
        if value is _UNCHANGED:
            return current
        mod = current.mod_revision if current is not None else 0
        try:
            if value is None:
                if current is None:
                    return current
                return client.delete(key, if_mod_revision=mod)
            return client.set(key, value, ttl_ms=ttl_ms, if_mod_revision=mod)
        except ConditionFailedError:
            time.sleep(backoff_delay(attempt, backoff))
    raise UpdateConflictError("update(%r): the key changed under every one of %d attempts" % (key, max_attempts))


UNCHANGED = _UNCHANGED
