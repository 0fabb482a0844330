package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/** CANCELLED: the call was cancelled (the client or the watch was closed). */
public class CancelledException extends KvException {
  public CancelledException(
      Status.Code code, String details, String endpoint, Map<String, String> trailers, boolean answered) {
    super(code, details, endpoint, trailers, answered);
  }
}
