package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/**
 * What every failed call of the client throws: the gRPC code, the server's message and its trailers. The
 * subclasses name the codes a program acts on (as src/client/errors.ts and the Python client's errors).
 */
public class KvException extends RuntimeException {
  private final Status.Code code;
  private final String details;
  private final String endpoint;
  private final Map<String, String> trailers;
  private final boolean answered;

  public KvException(
      Status.Code code, String details, String endpoint, Map<String, String> trailers, boolean answered) {
    super(details == null || details.isEmpty() ? code.name() : details);
    this.code = code;
    this.details = details == null ? "" : details;
    this.endpoint = endpoint == null ? "" : endpoint;
    this.trailers = Map.copyOf(trailers);
    this.answered = answered;
  }

  /** The gRPC status code. */
  public Status.Code code() {
    return code;
  }

  /** The code's name, e.g. "INVALID_ARGUMENT". */
  public String codeName() {
    return code.name();
  }

  /** The status message as the server (or the connection failure) gave it. */
  public String details() {
    return details;
  }

  /** The request field the server named (trailer {@code field}), or null. */
  public String field() {
    return trailers.get("field");
  }

  /** The endpoint (HOST:PORT) that answered, or that could not be reached. */
  public String endpoint() {
    return endpoint;
  }

  /** Every ASCII trailer the server sent with the status. */
  public Map<String, String> trailers() {
    return trailers;
  }

  /** True when the server sent this status; false when no answer came (connection refused or lost). */
  public boolean answered() {
    return answered;
  }

  long trailerLong(String name) {
    String v = trailers.get(name);
    if (v == null) return 0;
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
