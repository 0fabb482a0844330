"""Typed errors, as src/client/errors.ts: every failed call raises a KvError (or a subclass)."""
import grpc

__all__ = [
    "KvError",
    "InvalidArgumentError",
    "ConditionFailedError",
    "CompactedError",
    "ResourceExhaustedError",
    "UnavailableError",
    "DeadlineExceededError",
    "AuthError",
    "AbortedError",
    "CancelledError",
    "NotFoundError",
]


class KvError(Exception):
    """A failed call: the gRPC code, the server's message and its trailers.

    Attributes:
        code: the grpc.StatusCode.
        code_name: its name, e.g. "INVALID_ARGUMENT".
        details: the status message (the server's words, naming the field and the limit).
        field: the request field the server named (trailer ``field``), or None.
        endpoint: the HOST:PORT that answered, or that could not be reached.
        trailers: every trailer the server sent with the status, as a dict of str.
        answered: True when the server sent this status; False when no answer came.
    """

    def __init__(self, code, details, endpoint="", trailers=None, answered=True):
        self.code = code
        self.code_name = code.name if isinstance(code, grpc.StatusCode) else str(code)
        self.details = details or ""
        self.endpoint = endpoint
        self.trailers = dict(trailers or {})
        self.field = self.trailers.get("field")
        self.answered = answered
        super().__init__(self.details or self.code_name)


class InvalidArgumentError(KvError):
    """INVALID_ARGUMENT: a bad key, value, TTL, range, pattern or page token; ``field`` names it."""


class ConditionFailedError(KvError):
    """FAILED_PRECONDITION: the condition of a conditional write did not hold; nothing was written.

    ``current_mod_revision`` and ``current_version`` are the key's when the condition was checked
    (0 = the key was absent), from the trailers current-mod-revision and current-version.
    """

    def __init__(self, code, details, endpoint="", trailers=None, answered=True):
        super().__init__(code, details, endpoint, trailers, answered)
        self.current_mod_revision = int(self.trailers.get("current-mod-revision", 0))
        self.current_version = int(self.trailers.get("current-version", 0))


class CompactedError(KvError):
    """OUT_OF_RANGE: a revision (a watch's resume point, a backup's start) older than the compaction.

    ``compact_revision`` (trailer compact-revision) is the oldest revision still kept: read the state
    again and watch from its revision + 1.
    """

    def __init__(self, code, details, endpoint="", trailers=None, answered=True):
        super().__init__(code, details, endpoint, trailers, answered)
        self.compact_revision = int(self.trailers.get("compact-revision", 0))


class ResourceExhaustedError(KvError):
    """RESOURCE_EXHAUSTED: a message or response over a limit, a quota or a rate limit."""


class UnavailableError(KvError):
    """UNAVAILABLE: no endpoint could be reached, or the server cannot serve; also the end of retries.

    ``outcome_unknown`` is True when a write reached a server that gave no answer: it may have been
    applied. Read the key to learn the outcome; the client never resends such a write.
    """

    def __init__(self, code, details, endpoint="", trailers=None, answered=True, outcome_unknown=False):
        super().__init__(code, details, endpoint, trailers, answered)
        self.outcome_unknown = outcome_unknown


class DeadlineExceededError(KvError):
    """DEADLINE_EXCEEDED: no answer within the call's timeout; a write's outcome is unknown."""


class AuthError(KvError):
    """UNAUTHENTICATED or PERMISSION_DENIED."""


class AbortedError(KvError):
    """ABORTED: the server gave up on a conflicting operation (e.g. a compaction while a backup reads)."""


class CancelledError(KvError):
    """CANCELLED: the call was cancelled (the client or the watch was closed)."""


class NotFoundError(KvError):
    """NOT_FOUND."""


_CLASSES = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.FAILED_PRECONDITION: ConditionFailedError,
    grpc.StatusCode.OUT_OF_RANGE: CompactedError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.UNAUTHENTICATED: AuthError,
    grpc.StatusCode.PERMISSION_DENIED: AuthError,
    grpc.StatusCode.ABORTED: AbortedError,
    grpc.StatusCode.CANCELLED: CancelledError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
}

# What grpcio says when the call never left the client: no connection could be made.
_NOT_SENT_MARKERS = (
    "failed to connect to all addresses",
    "connection refused",
    "dns resolution failed",
    "name resolution failure",
)


def never_sent(err):
    """True when an UNAVAILABLE grpc.RpcError provably never reached a server (no connection was made)."""
    text = (_details(err) + " " + _debug(err)).lower()
    return any(marker in text for marker in _NOT_SENT_MARKERS) and _trailers(err) == {}


def from_rpc_error(err, endpoint, write=False):
    """The typed KvError for a grpc.RpcError; ``write`` says whether the call was a write."""
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    details = _details(err)
    trailers = _trailers(err)
    if code == grpc.StatusCode.UNAVAILABLE:
        unsent = never_sent(err)
        answered = bool(trailers) or not _looks_like_transport(details)
        if not answered:
            details = "cannot reach kvstore at %s: %s" % (endpoint, details)
        return UnavailableError(code, details, endpoint, trailers, answered, write and not unsent)
    cls = _CLASSES.get(code, KvError)
    return cls(code, details, endpoint, trailers)


def _looks_like_transport(details):
    d = details.lower()
    return any(
        m in d
        for m in _NOT_SENT_MARKERS + ("socket closed", "connection reset", "goaway", "broken pipe", "eof")
    )


def _details(err):
    try:
        return err.details() or ""
    except Exception:  # noqa: BLE001 - a bare RpcError may have no details()
        return str(err)


def _debug(err):
    try:
        return err.debug_error_string() or ""
    except Exception:  # noqa: BLE001
        return ""


def _trailers(err):
    try:
        md = err.trailing_metadata() or ()
    except Exception:  # noqa: BLE001
        return {}
    out = {}
    for key, value in md:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        out[key] = value
    return out
