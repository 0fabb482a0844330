package kvstore.clienttest;

import static kvstore.clienttest.Check.equal;
import static kvstore.clienttest.Check.raises;
import static kvstore.clienttest.Check.that;

import io.grpc.Status;
import kvstore.client.AuthException;
import kvstore.client.ClientOptions;
import kvstore.client.KvClient;
import kvstore.client.Retry;
import kvstore.client.Watch;
import kvstore.client.WatchOptions;

/**
 * JWT bearer tokens through the API key option, against a server with a JWT secret: {@code JwtTest ADDR
 * ADMIN_JWT READONLY_JWT EXPIRED_JWT} (tokens signed by the driver).
 */
public final class JwtTest {
  private JwtTest() {}

  public static void main(String[] args) {
    ClientOptions base =
        ClientOptions.defaults()
            .withEndpoints(args[0])
            .withTimeout(java.time.Duration.ofSeconds(15))
            .withRetry(new Retry(1, 10, 10));
    Check.run(
        "an admin JWT: calls and a watch",
        () -> {
          try (KvClient kv = KvClient.connect(base.withApiKey(args[1]))) {
            long rev = kv.set("j/k", "v").revision();
            try (Watch w = kv.watch(WatchOptions.key("j/k").withStartRevision(rev))) {
              equal(rev, w.next().revision(), "the watch with a JWT");
            }
          }
        });
    Check.run(
        "a readonly JWT reads, and a write is AuthException PERMISSION_DENIED",
        () -> {
          try (KvClient kv = KvClient.connect(base.withApiKey(args[2]))) {
            equal("v", kv.get("j/k").orElseThrow().valueUtf8(), "read");
            AuthException e = raises(AuthException.class, () -> kv.set("j/k", "w"), "a write");
            equal(Status.Code.PERMISSION_DENIED, e.code(), "code");
          }
        });
    Check.run(
        "an expired JWT is AuthException UNAUTHENTICATED saying so",
        () -> {
          try (KvClient kv = KvClient.connect(base.withApiKey(args[3]))) {
            AuthException e = raises(AuthException.class, () -> kv.get("j/k"), "expired");
            equal(Status.Code.UNAUTHENTICATED, e.code(), "code");
            that(e.getMessage().contains("expired"), e.getMessage());
          }
        });
    Check.exit();
  }
}
