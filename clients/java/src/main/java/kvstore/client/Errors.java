package kvstore.client;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.util.HashMap;
import java.util.Map;

/** Turns grpc-java's StatusRuntimeException into the typed {@link KvException} of its code. */
final class Errors {
  private Errors() {}

  /** The typed error for a failed call; {@code write} says whether the call was a write. */
  static KvException from(StatusRuntimeException e, String endpoint, boolean write) {
    Status status = e.getStatus();
    Status.Code code = status.getCode();
    String details = status.getDescription() == null ? "" : status.getDescription();
    Map<String, String> trailers = trailers(e.getTrailers());
    // A status the server sent carries trailers (at least content-type); a local failure has none.
    boolean answered = !trailers.isEmpty();
    // grpc-netty reports a connection closed under a call as UNKNOWN "channel closed": the connection was
    // lost, as UNAVAILABLE says everywhere else (so a read is retried, and a write's outcome is unknown).
    if (code == Status.Code.UNKNOWN && !answered && causedBy(e, ClosedChannelException.class)) {
      code = Status.Code.UNAVAILABLE;
    }
    switch (code) {
      case UNAVAILABLE:
        {
          boolean unsent = neverSent(e);
          String message = answered ? details : "cannot reach kvstore at " + endpoint + ": " + details;
          return new UnavailableException(code, message, endpoint, trailers, answered, write && !unsent);
        }
      case INVALID_ARGUMENT:
        return new InvalidArgumentException(code, details, endpoint, trailers, answered);
      case FAILED_PRECONDITION:
        return new ConditionFailedException(code, details, endpoint, trailers, answered);
      case OUT_OF_RANGE:
        return new CompactedException(code, details, endpoint, trailers, answered);
      case RESOURCE_EXHAUSTED:
        return new ResourceExhaustedException(code, details, endpoint, trailers, answered);
      case DEADLINE_EXCEEDED:
        return new DeadlineExceededException(code, details, endpoint, trailers, answered);
      case UNAUTHENTICATED:
      case PERMISSION_DENIED:
        return new AuthException(code, details, endpoint, trailers, answered);
      case ABORTED:
        return new AbortedException(code, details, endpoint, trailers, answered);
      case CANCELLED:
        return new CancelledException(code, details, endpoint, trailers, answered);
      case NOT_FOUND:
        return new NotFoundException(code, details, endpoint, trailers, answered);
      default:
        return new KvException(code, details, endpoint, trailers, answered);
    }
  }

  /** An UNAVAILABLE the client makes itself (a silent stream, a closed client). */
  static UnavailableException unavailable(String message, String endpoint) {
    return new UnavailableException(Status.Code.UNAVAILABLE, message, endpoint, Map.of(), false, false);
  }

  static CancelledException cancelled(String message, String endpoint) {
    return new CancelledException(Status.Code.CANCELLED, message, endpoint, Map.of(), false);
  }

  /**
   * True when the request provably never left the client: no connection could be made (refused, no route
   * to the name). Only then may a write be sent again.
   */
  static boolean neverSent(StatusRuntimeException e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof UnresolvedAddressException
          || t instanceof UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (type.isInstance(t)) return true;
    }
    return false;
  }

  private static Map<String, String> trailers(Metadata md) {
    Map<String, String> out = new HashMap<>();
    if (md == null) return out;
    for (String name : md.keys()) {
      if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) continue;
      String value = md.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
      if (value != null) out.put(name, value);
    }
    return out;
  }
}
