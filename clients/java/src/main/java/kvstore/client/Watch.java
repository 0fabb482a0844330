package kvstore.client;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import kvstore.v1.Kvstore;

/**
 * A watch: a blocking iterator of events, strictly in revision order, each revision exactly once, across
 * reconnections. When the stream breaks (the connection drops, the server restarts or is killed, it says it
 * is shutting down, or it stays silent for three progress intervals) the watch reconnects with backoff (to
 * the next endpoint when this one failed) and asks for the revision after the last one it received (an
 * event or a progress message); the server never splits a revision across messages, so nothing is lost and
 * nothing repeated. A watch without a start revision first pins "now" to a revision (a status call), so a
 * break before the first event loses nothing either.
 *
 * <p>{@code hasNext()} blocks; it throws {@link CompactedException} (with the compact revision) when the
 * resume point was compacted, or the server's error for a bad request; it returns false after
 * {@link #close()} (callable from any thread). Iterate from one thread, or use {@link #listen}.
 */
public final class Watch implements Iterator<WatchEvent>, Iterable<WatchEvent>, AutoCloseable {
  private final Transport transport;
  private final WatchOptions options;
  private final long intervalMs;
  private final Consumer<Watch> onClose;
  private final ArrayDeque<WatchEvent> pending = new ArrayDeque<>();
  private final CountDownLatch closedLatch = new CountDownLatch(1);
  private final ScheduledFuture<?> watchdog;
  private volatile boolean closed;
  private KvException failure;
  private long nextRevision;
  private volatile long received;
  private int attempt;
  private boolean iterated;
  private volatile Context.CancellableContext context;
  private Iterator<Kvstore.WatchResponse> stream;
  private Transport.Endpoint endpoint;
  private volatile boolean silent;
  private volatile long waitingSince;
  private volatile long lastHeard;

  Watch(Transport transport, WatchOptions options, ScheduledExecutorService timer, Consumer<Watch> onClose) {
    this.transport = transport;
    this.options = options;
    this.intervalMs = options.progressInterval().toMillis();
    this.onClose = onClose;
    this.nextRevision = options.startRevision();
    this.watchdog =
        timer.scheduleAtFixedRate(this::checkSilence, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    if (nextRevision == 0) {
      try {
        // "From now" means from this call, and must survive a reconnect: pin now to a revision.
        nextRevision = pinNow() + 1;
      } catch (KvException e) {
        close();
        throw e;
      }
    }
  }

  /** The newest revision received so far (events or progress), 0 before any. */
  public long revision() {
    return received;
  }

  /** Ends the watch: a blocked {@code hasNext()} returns false (from any thread). */
  @Override
  public void close() {
    Context.CancellableContext ctx;
    synchronized (this) {
      if (closed) return;
      closed = true;
      ctx = context;
    }
    if (ctx != null) ctx.cancel(null);
    closedLatch.countDown();
    watchdog.cancel(false);
    onClose.accept(this);
  }

  /**
   * Delivers the events to {@code onEvent} on a daemon thread of its own until the watch is closed; an
   * error that ends it (e.g. {@link CompactedException}) goes to {@code onError}; an exception thrown by
   * {@code onEvent} ends the watch too. Returns this watch.
   */
  public Watch listen(Consumer<WatchEvent> onEvent, Consumer<KvException> onError) {
    Thread t =
        new Thread(
            () -> {
              try {
                while (hasNext()) onEvent.accept(next());
              } catch (KvException e) {
                onError.accept(e);
              } finally {
                // Also when onEvent throws: a watch nobody reads any more must not hold its stream.
                close();
              }
            },
            "kvstore-watch");
    t.setDaemon(true);
    t.start();
    return this;
  }

  @Override
  public Iterator<WatchEvent> iterator() {
    if (iterated) throw new IllegalStateException("a watch can be iterated once");
    iterated = true;
    return this;
  }

  @Override
  public boolean hasNext() {
    while (pending.isEmpty()) {
      if (closed) {
        if (failure != null) {
          KvException f = failure;
          failure = null;
          throw f;
        }
        return false;
      }
      step();
    }
    return true;
  }

  @Override
  public WatchEvent next() {
    if (!hasNext()) throw new NoSuchElementException("the watch is closed");
    return pending.poll();
  }

  private void fail(KvException error) {
    failure = error;
    close();
  }

  /** Receives the next message, or handles the stream's end (reconnecting or failing). */
  private void step() {
    if (stream == null && !open()) return;
    String addr = endpoint.addr;
    try {
      waitingSince = System.currentTimeMillis();
      boolean more = stream.hasNext();
      waitingSince = 0;
      if (!more) {
        broken(Errors.unavailable("the server ended the watch", addr));
        return;
      }
      deliver(stream.next());
    } catch (StatusRuntimeException e) {
      waitingSince = 0;
      if (closed) return;
      KvException error =
          silent
              ? Errors.unavailable("no message from " + addr + " in " + 3 * intervalMs + " ms", addr)
              : Errors.from(e, addr, false);
      if (!(error instanceof UnavailableException)) {
        fail(error);
        return;
      }
      transport.failover(endpoint);
      broken(error);
    }
  }

  private boolean open() {
    Transport.Endpoint ep;
    try {
      ep = transport.current();
    } catch (KvException e) {
      fail(e);
      return false;
    }
    Selector s = options.selector();
    Kvstore.WatchRequest request =
        Kvstore.WatchRequest.newBuilder()
            .setKey(s.key())
            .setPrefix(s.prefix())
            .setStart(s.start())
            .setEnd(s.end())
            .setPattern(s.pattern())
            .setStartRevision(nextRevision)
            .setPrevKv(options.prevKv())
            .setNoPut(options.noPut())
            .setNoDelete(options.noDelete())
            .setProgressIntervalMs(intervalMs)
            .build();
    Context.CancellableContext ctx = Context.current().withCancellation();
    synchronized (this) {
      if (closed) return false;
      context = ctx;
    }
    silent = false;
    lastHeard = System.currentTimeMillis();
    endpoint = ep;
    // The call belongs to ctx: close() and the watchdog end it by cancelling ctx from another thread.
    Context previous = ctx.attach();
    try {
      stream = ep.kv().watch(request);
    } finally {
      ctx.detach(previous);
    }
    return true;
  }

  /** A stream the consumer has waited on for three progress intervals is given up on. */
  private void checkSilence() {
    Context.CancellableContext ctx = context;
    long since = waitingSince;
    if (ctx == null || since == 0) return;
    if (System.currentTimeMillis() - Math.max(since, lastHeard) > 3 * intervalMs) {
      silent = true;
      ctx.cancel(null);
    }
  }

  /** The stream broke: back off, then the next step opens it again after the last revision. */
  private void broken(KvException error) {
    Context.CancellableContext ctx = context;
    context = null;
    stream = null;
    if (ctx != null) ctx.cancel(null);
    if (closed) return;
    if (options.onReconnect() != null) {
      options.onReconnect().reconnecting(error, transport.current().addr, nextRevision);
    }
    pause(options.backoff().delayMs(attempt++));
  }

  private void pause(long ms) {
    try {
      closedLatch.await(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
    }
  }

  private long pinNow() {
    for (int n = 0; ; n++) {
      try {
        return transport.unary(
                Transport.Kind.IDEMPOTENT,
                transport.timeoutMs(),
                (ep, timeoutMs) ->
                    ep.admin()
                        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                        .status(Kvstore.StatusRequest.getDefaultInstance()))
            .getHeader()
            .getRevision();
      } catch (UnavailableException e) {
        if (closed) throw Errors.cancelled("the watch is closed", e.endpoint());
        pause(options.backoff().delayMs(n));
      }
    }
  }

  private void deliver(Kvstore.WatchResponse message) {
    lastHeard = System.currentTimeMillis();
    attempt = 0;
    long last = message.getHeader().getRevision();
    for (Kvstore.Event e : message.getEventsList()) {
      KeyValue kv = KeyValue.fromWire(e.getKv());
      // The server never repeats a revision, but a resumed stream must not either.
      if (kv.modRevision() < nextRevision) continue;
      KeyValue prev = e.hasPrevKv() ? KeyValue.fromWire(e.getPrevKv()) : null;
      WatchEvent.Type type =
          switch (e.getType()) {
            case DELETE -> WatchEvent.Type.DELETE;
            case EXPIRE -> WatchEvent.Type.EXPIRE;
            default -> WatchEvent.Type.PUT;
          };
      pending.add(new WatchEvent(type, kv.key(), kv.modRevision(), kv, prev));
      last = Math.max(last, kv.modRevision());
    }
    // Every change up to the header's revision has been received (a message never splits a revision).
    if (last >= nextRevision) {
      nextRevision = last + 1;
      received = last;
    }
  }
}
