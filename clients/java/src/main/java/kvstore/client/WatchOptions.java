package kvstore.client;

import java.time.Duration;

/**
 * What and how to watch. Immutable: each {@code with} method returns a copy.
 *
 * @param selector one key, a prefix, a range or a pattern
 * @param startRevision first revision to deliver (inclusive); 0 = the changes after watch() is called
 * @param prevKv include each changed key's previous value
 * @param progressInterval the server sends a progress message after this long without events; a stream
 *     silent for three of these is taken as broken and resumed (on the next endpoint)
 * @param backoff the delays between reconnections (its maxAttempts is not used: a watch retries until
 *     closed)
 * @param onReconnect called on each reconnection with why the stream broke and where it resumes; or null
 */
public record WatchOptions(
    Selector selector,
    long startRevision,
    boolean prevKv,
    boolean noPut,
    boolean noDelete,
    Duration progressInterval,
    Retry backoff,
    ReconnectListener onReconnect) {
  /** Told of each reconnection of a watch. */
  @FunctionalInterface
  public interface ReconnectListener {
    void reconnecting(KvException error, String endpoint, long resumeRevision);
  }

  public static WatchOptions of(Selector selector) {
    return new WatchOptions(
        selector, 0, false, false, false, Duration.ofSeconds(2), Retry.DEFAULT, null);
  }

  public static WatchOptions prefix(String prefix) {
    return of(Selector.prefix(prefix));
  }

  public static WatchOptions key(String key) {
    return of(Selector.key(key));
  }

  public WatchOptions {
    if (selector == null) throw new IllegalArgumentException("watch: a selector is needed");
    if (startRevision < 0) throw new IllegalArgumentException("watch: startRevision must not be negative");
    if (progressInterval == null || progressInterval.toMillis() < 1) {
      throw new IllegalArgumentException("watch: progressInterval must be at least 1 ms");
    }
    if (backoff == null) backoff = Retry.DEFAULT;
  }

  public WatchOptions withStartRevision(long revision) {
    return new WatchOptions(
        selector, revision, prevKv, noPut, noDelete,
        progressInterval, backoff, onReconnect);
  }

  public WatchOptions withPrevKv() {
    return new WatchOptions(
        selector, startRevision, true, noPut, noDelete,
        progressInterval, backoff, onReconnect);
  }

  public WatchOptions withNoPut() {
    return new WatchOptions(
        selector, startRevision, prevKv, true, noDelete,
        progressInterval, backoff, onReconnect);
  }

  public WatchOptions withNoDelete() {
    return new WatchOptions(
        selector, startRevision, prevKv, noPut, true,
        progressInterval, backoff, onReconnect);
  }

  public WatchOptions withProgressInterval(Duration interval) {
    return new WatchOptions(
        selector, startRevision, prevKv, noPut, noDelete,
        interval, backoff, onReconnect);
  }

  public WatchOptions withBackoff(Retry backoff) {
    return new WatchOptions(
        selector, startRevision, prevKv, noPut, noDelete,
        progressInterval, backoff, onReconnect);
  }

  public WatchOptions withOnReconnect(ReconnectListener listener) {
    return new WatchOptions(
        selector, startRevision, prevKv, noPut, noDelete,
        progressInterval, backoff, listener);
  }
}
