package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/**
 * UNAUTHENTICATED or PERMISSION_DENIED: no API key or JWT, a refused one, or a role that does not allow
 * the call.
 */
public class AuthException extends KvException {
  public AuthException(
      Status.Code code, String details, String endpoint, Map<String, String> trailers, boolean answered) {
    super(code, details, endpoint, trailers, answered);
  }
}
