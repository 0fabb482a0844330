package kvstore.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import kvstore.v1.AdminGrpc;
import kvstore.v1.KVGrpc;

/**
 * The endpoints of one client: one channel per endpoint, connected when first used. Calls go to the
 * current endpoint; a connection failure or an UNAVAILABLE answer moves on to the next one.
 */
final class Transport implements AutoCloseable {
  /** How a call may be retried (docs: "Retries"). */
  enum Kind {
    /** Reads and other calls with no effect: retried on UNAVAILABLE, on any endpoint. */
    IDEMPOTENT,
    /** Writes: retried only when the request provably never reached a server. */
    WRITE
  }

  /** One server: its address and its channel. */
  static final class Endpoint {
    final String addr;
    final ManagedChannel channel;

    Endpoint(String addr, ManagedChannel channel) {
      this.addr = addr;
      this.channel = channel;
    }

    KVGrpc.KVBlockingStub kv() {
      return KVGrpc.newBlockingStub(channel);
    }

    AdminGrpc.AdminBlockingStub admin() {
      return AdminGrpc.newBlockingStub(channel);
    }
  }

  /** One attempt of a call on an endpoint, with its deadline in milliseconds. */
  @FunctionalInterface
  interface Attempt<T> {
    T run(Endpoint endpoint, long timeoutMs);
  }

  private final List<Endpoint> endpoints = new ArrayList<>();
  private final ClientOptions options;
  private int current;
  private volatile boolean closed;

  Transport(ClientOptions options) {
    this.options = options;
    SslContext ssl = options.tls() == null ? null : sslContext(options.tls());
    for (String addr : options.endpoints()) {
      int colon = addr.lastIndexOf(':');
      int port = Integer.parseInt(addr.substring(colon + 1));
      NettyChannelBuilder b =
          NettyChannelBuilder.forAddress(addr.substring(0, colon), port)
              .maxInboundMessageSize(Integer.MAX_VALUE)
              // One retry policy, the client's own (below); grpc-java's would be a second one.
              .disableRetry();
      if (ssl == null) b.usePlaintext();
      else b.sslContext(ssl);
      if (options.apiKey() != null) b.intercept(bearer(options.apiKey()));
      endpoints.add(new Endpoint(addr, b.build()));
    }
  }

  private static SslContext sslContext(TlsOptions tls) {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient();
      if (tls.ca() != null) b.trustManager(tls.ca().toFile());
      if (tls.cert() != null) b.keyManager(tls.cert().toFile(), tls.key().toFile());
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("connect: tls: " + e.getMessage(), e);
    } catch (UnsupportedOperationException e) {
      // Debian's Netty cannot do ALPN over the JDK's TLS: OpenSSL (netty-tcnative) is needed.
      throw new IllegalStateException(
          "connect: tls needs netty-tcnative (OpenSSL) with this Netty: " + e.getMessage()
              + " (clients/java/README.md, TLS)",
          e);
    }
  }

  private static ClientInterceptor bearer(String apiKey) {
    Metadata.Key<String> authorization = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    String value = "Bearer " + apiKey;
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(
          MethodDescriptor<Q, A> method, CallOptions callOptions, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
          @Override
          public void start(Listener<A> listener, Metadata headers) {
            headers.put(authorization, value);
            super.start(listener, headers);
          }
        };
      }
    };
  }

  /** The endpoint calls go to now. */
  synchronized Endpoint current() {
    if (closed) throw Errors.cancelled("the client is closed", endpoints.get(current).addr);
    return endpoints.get(current);
  }

  int size() {
    return endpoints.size();
  }

  /** Moves on from {@code endpoint} (when it is still the current one) to the next. */
  synchronized void failover(Endpoint endpoint) {
    // grpc-java waits up to minutes between reconnections of a failed channel: the next use tries at once.
    endpoint.channel.resetConnectBackoff();
    if (endpoints.get(current) == endpoint) current = (current + 1) % endpoints.size();
  }

  /** One unary call with the retry policy of {@code kind}, each attempt on the current endpoint. */
  <T> T unary(Kind kind, long timeoutMs, Attempt<T> attempt) {
    int maxAttempts = options.retry().maxAttempts();
    for (int n = 0; ; n++) {
      Endpoint endpoint = current();
      try {
        return attempt.run(endpoint, timeoutMs);
      } catch (StatusRuntimeException e) {
        KvException error = Errors.from(e, endpoint.addr, kind == Kind.WRITE);
        if (!(error instanceof UnavailableException)) throw error;
        failover(endpoint);
        boolean mayRetry = kind == Kind.IDEMPOTENT || Errors.neverSent(e);
        if (!mayRetry || n + 1 >= maxAttempts || closed) throw error;
        sleep(options.retry().delayMs(n));
      }
    }
  }

  long timeoutMs() {
    return options.timeout().toMillis();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.cancelled("interrupted", "");
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Endpoint e : endpoints) e.channel.shutdownNow();
    for (Endpoint e : endpoints) {
      try {
        e.channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
