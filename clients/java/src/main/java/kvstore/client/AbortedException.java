package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/** ABORTED: the server gave up on a conflicting operation (e.g. a compaction while a backup reads). */
public class AbortedException extends KvException {
  public AbortedException(
      Status.Code code, String details, String endpoint, Map<String, String> trailers, boolean answered) {
    super(code, details, endpoint, trailers, answered);
  }
}
