package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/**
 * OUT_OF_RANGE: a revision (a watch's resume point, a backup's start) older than the compaction. Read the
 * state again ({@code list}) and watch from its revision + 1.
 */
public class CompactedException extends KvException {
  public CompactedException(
      Status.Code code, String details, String endpoint, Map<String, String> trailers, boolean answered) {
    super(code, details, endpoint, trailers, answered);
  }

  /** The oldest revision still kept (trailer {@code compact-revision}). */
  public long compactRevision() {
    return trailerLong("compact-revision");
  }
}
