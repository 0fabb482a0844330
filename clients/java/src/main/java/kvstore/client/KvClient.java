package kvstore.client;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import kvstore.v1.Kvstore;

/**
 * The Java client of kvstore's gRPC API kvstore.v1: typed calls, typed errors ({@link KvException} and its
 * subclasses), several endpoints with failover, retries of UNAVAILABLE for idempotent calls only, and a
 * resumable {@link Watch}. Thread-safe: one client may be shared by threads. Close it to end its
 * connections and watches.
 *
 * <p>Retried on UNAVAILABLE (with the backoff of {@link ClientOptions#retry()}, moving to the next endpoint):
 * get, getMany, list (each page), status and a transaction of only gets and ranges. Writes (set, setMany,
 * delete, deleteRange, compact, a transaction with a write) are resent only when the request provably never
 * reached a server; otherwise {@link UnavailableException#outcomeUnknown()} is true and the write is not
 * resent.
 */
public final class KvClient implements AutoCloseable {
  private final Transport transport;
  private final ScheduledExecutorService timer;
  private final Set<Watch> watches = ConcurrentHashMap.newKeySet();

  private KvClient(ClientOptions options) {
    this.transport = new Transport(options);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kvstore-watchdog");
              t.setDaemon(true);
              return t;
            });
  }

  /** A client of these endpoints (HOST:PORT) with the default options. */
  public static KvClient connect(String... endpoints) {
    return connect(ClientOptions.defaults().withEndpoints(endpoints));
  }

  /** A client with these options; connections open on the first call. */
  public static KvClient connect(ClientOptions options) {
    return new KvClient(options);
  }

  /** The endpoint calls go to now. */
  public String endpoint() {
    return transport.current().addr;
  }

  /** The key at the store's current revision, or empty when it does not exist. */
  public Optional<KeyValue> get(String key) {
    return get(key, false);
  }

  /** As {@link #get(String)}; {@code serializable}: answer from the node's own state (cluster only). */
  public Optional<KeyValue> get(String key, boolean serializable) {
    Kvstore.GetRequest request =
        Kvstore.GetRequest.newBuilder().setKey(key).setSerializable(serializable).build();
    Kvstore.GetResponse r =
        transport.unary(
            Transport.Kind.IDEMPOTENT,
            transport.timeoutMs(),
            (ep, ms) -> ep.kv().withDeadlineAfter(ms, TimeUnit.MILLISECONDS).get(request));
    return r.getFound() ? Optional.of(KeyValue.fromWire(r.getKv())) : Optional.empty();
  }

  public WriteResult set(String key, String value) {
    return set(key, value.getBytes(StandardCharsets.UTF_8), SetOptions.NONE);
  }

  public WriteResult set(String key, String value, SetOptions options) {
    return set(key, value.getBytes(StandardCharsets.UTF_8), options);
  }

  /**
   * Sets a key; answers once the write is durable. With a condition that does not hold: {@link
   * ConditionFailedException} with the key's current mod revision and version.
   */
  public WriteResult set(String key, byte[] value, SetOptions options) {
    Kvstore.SetRequest request = setRequest(key, value, options);
    Kvstore.SetResponse r =
        transport.unary(
            Transport.Kind.WRITE,
            transport.timeoutMs(),
            (ep, ms) -> ep.kv().withDeadlineAfter(ms, TimeUnit.MILLISECONDS).set(request));
    return new WriteResult(r.getHeader().getRevision(), KeyValue.fromWire(r.getKv()));
  }

  static Kvstore.SetRequest setRequest(String key, byte[] value, SetOptions options) {
    Kvstore.SetRequest.Builder b =
        Kvstore.SetRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(value));
    if (options.ttlMs() > 0) b.setTtlMs(options.ttlMs());
    if (options.condition() != null) b.setCondition(options.condition().wire);
    return b.build();
  }

  /** Deletes a key; deleting an absent key writes nothing ({@code deleted} false). */
  public DeleteResult delete(String key) {
    return delete(key, null);
  }

  /** Deletes a key only if {@code condition} holds (null: unconditionally). */
  public DeleteResult delete(String key, Condition condition) {
    Kvstore.DeleteRequest.Builder b = Kvstore.DeleteRequest.newBuilder().setKey(key);
    if (condition != null) b.setCondition(condition.wire);
    Kvstore.DeleteRequest request = b.build();
    Kvstore.DeleteResponse r =
        transport.unary(
            Transport.Kind.WRITE,
            transport.timeoutMs(),
            (ep, ms) -> ep.kv().withDeadlineAfter(ms, TimeUnit.MILLISECONDS).delete(request));
    return new DeleteResult(r.getHeader().getRevision(), r.getDeleted());
  }

  /**
   * The keys of a prefix, range or pattern, one page per request as the iteration goes (each page retried
   * on its own). Pages after the first read the store at their own revision, as the server's page tokens do.
   */
  public Iterable<ListPage> list(ListOptions options) {
    return () ->
        new Iterator<>() {
          private String token = "";
          private boolean done;

          @Override
          public boolean hasNext() {
            return !done;
          }

          @Override
          public ListPage next() {
            if (done) throw new NoSuchElementException();
            Kvstore.ListResponse r = listPage(options, token);
            token = r.getNextPageToken();
            done = token.isEmpty();
            List<KeyValue> kvs = r.getKvsList().stream().map(KeyValue::fromWire).toList();
            return new ListPage(r.getHeader().getRevision(), kvs, r.getMore(), r.getCount());
          }
        };
  }

  /** Every key of a prefix, range or pattern, gathered from all pages. */
  public List<KeyValue> listAll(ListOptions options) {
    List<KeyValue> all = new ArrayList<>();
    for (ListPage page : list(options)) all.addAll(page.kvs());
    return all;
  }

  private Kvstore.ListResponse listPage(ListOptions o, String token) {
    Selector s = o.selector();
    Kvstore.ListRequest request =
        Kvstore.ListRequest.newBuilder()
            .setPrefix(s.prefix())
            .setStart(s.start())
            .setEnd(s.end())
            .setPattern(s.pattern())
            .setLimit(o.pageSize())
            .setKeysOnly(o.keysOnly())
            .setCount(o.count())
            .setSerializable(o.serializable())
            .setPageToken(token)
            .build();
    return transport.unary(
        Transport.Kind.IDEMPOTENT,
        transport.timeoutMs(),
        (ep, ms) -> ep.kv().withDeadlineAfter(ms, TimeUnit.MILLISECONDS).list(request));
  }

  /** Several keys read at one revision (retried like a read). */
  public GetManyResult getMany(List<String> keys) {
    Kvstore.GetManyRequest request = Kvstore.GetManyRequest.newBuilder().addAllKeys(keys).build();
    Kvstore.GetManyResponse r =
        transport.unary(
            Transport.Kind.IDEMPOTENT,
            transport.timeoutMs(),
            (ep, ms) -> ep.kv().withDeadlineAfter(ms, TimeUnit.MILLISECONDS).getMany(request));
    List<Optional<KeyValue>> kvs =
        r.getResultsList().stream()
            .map(g -> g.getFound() ? Optional.of(KeyValue.fromWire(g.getKv())) : Optional.<KeyValue>empty())
            .toList();
    return new GetManyResult(r.getHeader().getRevision(), kvs);
  }

  /**
   * Sets several distinct keys atomically, as one revision, in the map's iteration order (use a
   * LinkedHashMap to choose it); {@code ttlMs} 0 = never expire. A write: never resent once it may have
   * reached a server.
   */
  public SetManyResult setMany(Map<String, String> items, long ttlMs) {
    if (ttlMs < 0) throw new IllegalArgumentException("setMany: ttlMs must not be negative");
    Kvstore.SetManyRequest.Builder b = Kvstore.SetManyRequest.newBuilder();
    items.forEach(
        (key, value) -> {
          Kvstore.SetItem.Builder item =
              Kvstore.SetItem.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value));
          if (ttlMs > 0) item.setTtlMs(ttlMs);
          b.addItems(item);
        });
    Kvstore.SetManyRequest request = b.build();
    Kvstore.SetManyResponse r =
        transport.unary(
            Transport.Kind.WRITE,
            transport.timeoutMs(),
            (ep, ms) -> ep.kv().withDeadlineAfter(ms, TimeUnit.MILLISECONDS).setMany(request));
    return new SetManyResult(
        r.getHeader().getRevision(), r.getKvsList().stream().map(KeyValue::fromWire).toList());
  }

  /** Deletes every key of a prefix, range or pattern as one revision (a write: never resent once sent). */
  public DeleteRangeResult deleteRange(Selector selector) {
    if (!selector.key().isEmpty()) throw new IllegalArgumentException("deleteRange: a key is not a span");
    Kvstore.DeleteRangeRequest request =
        Kvstore.DeleteRangeRequest.newBuilder()
            .setPrefix(selector.prefix())
            .setStart(selector.start())
            .setEnd(selector.end())
            .setPattern(selector.pattern())
            .build();
    Kvstore.DeleteRangeResponse r =
        transport.unary(
            Transport.Kind.WRITE,
            transport.timeoutMs(),
            (ep, ms) -> ep.kv().withDeadlineAfter(ms, TimeUnit.MILLISECONDS).deleteRange(request));
    return new DeleteRangeResult(r.getHeader().getRevision(), r.getDeleted());
  }

  /** A transaction builder: {@code txn().when(...).onSuccess(...).onFailure(...).commit()}. */
  public Txn txn() {
    return new Txn(
        t -> {
          Kvstore.TxnRequest request = t.toWire();
          Transport.Kind kind = t.readOnly() ? Transport.Kind.IDEMPOTENT : Transport.Kind.WRITE;
          Kvstore.TxnResponse r =
              transport.unary(
                  kind,
                  transport.timeoutMs(),
                  (ep, ms) -> ep.kv().withDeadlineAfter(ms, TimeUnit.MILLISECONDS).txn(request));
          return Txn.fromWire(r);
        });
  }

  /** Version, revisions, key count, backend, limits and uptime of the current endpoint's server. */
  public Kvstore.StatusResponse status() {
    return transport.unary(
        Transport.Kind.IDEMPOTENT,
        transport.timeoutMs(),
        (ep, ms) ->
            ep.admin()
                .withDeadlineAfter(ms, TimeUnit.MILLISECONDS)
                .status(Kvstore.StatusRequest.getDefaultInstance()));
  }

  /** Drops the log history before {@code revision}; returns the new compact revision. */
  public long compact(long revision) {
    Kvstore.CompactRequest request = Kvstore.CompactRequest.newBuilder().setRevision(revision).build();
    return transport
        .unary(
            Transport.Kind.WRITE,
            transport.timeoutMs(),
            (ep, ms) -> ep.admin().withDeadlineAfter(ms, TimeUnit.MILLISECONDS).compact(request))
        .getCompactRevision();
  }

  /**
   * A resumable watch (see {@link Watch}). Without a start revision it first pins "now" (a status call,
   * retried while no server answers).
   */
  public Watch watch(WatchOptions options) {
    Watch w = new Watch(transport, options, timer, watches::remove);
    watches.add(w);
    return w;
  }

  /** Ends every watch and connection of this client. */
  @Override
  public void close() {
    for (Watch w : List.copyOf(watches)) w.close();
    timer.shutdownNow();
    transport.close();
  }
}
