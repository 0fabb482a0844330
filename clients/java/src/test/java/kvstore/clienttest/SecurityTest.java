package kvstore.clienttest;

import static kvstore.clienttest.Check.equal;
import static kvstore.clienttest.Check.raises;
import static kvstore.clienttest.Check.that;

import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import kvstore.client.AuthException;
import kvstore.client.ClientOptions;
import kvstore.client.KvClient;
import kvstore.client.Retry;
import kvstore.client.TlsOptions;
import kvstore.client.UnavailableException;
import kvstore.client.Watch;
import kvstore.client.WatchEvent;
import kvstore.client.WatchOptions;

/**
 * API key and TLS options against a server with mTLS and an API keys file: {@code SecurityTest ADDR KEY DIR},
 * DIR holding ca.crt, client.crt, client.key and stranger-ca.crt (made by openssl in the driver).
 */
public final class SecurityTest {
  private SecurityTest() {}

  public static void main(String[] args) {
    String addr = args[0];
    String key = args[1];
    Path dir = Path.of(args[2]);
    Path cert = dir.resolve("client.crt");
    Path key2 = dir.resolve("client.key");
    TlsOptions mtls = new TlsOptions(dir.resolve("ca.crt"), cert, key2);
    ClientOptions base =
        ClientOptions.defaults()
            .withEndpoints(addr)
            .withTimeout(Duration.ofSeconds(15))
            .withRetry(new Retry(1, 10, 10));
    Check.run(
        "TLS with a client certificate and the API key: calls and a watch",
        () -> {
          try (KvClient kv = KvClient.connect(base.withTls(mtls).withApiKey(key))) {
            long rev = kv.set("s/k", "v").revision();
            equal("v", kv.get("s/k").orElseThrow().valueUtf8(), "read back");
            try (Watch w = kv.watch(WatchOptions.key("s/k").withStartRevision(rev))) {
              WatchEvent e = w.next();
              equal(rev, e.revision(), "the watch over TLS");
            }
          }
        });
    Check.run(
        "no API key: AuthException UNAUTHENTICATED",
        () -> {
          try (KvClient kv = KvClient.connect(base.withTls(mtls))) {
            AuthException e = raises(AuthException.class, () -> kv.get("s/k"), "no key");
            equal(Status.Code.UNAUTHENTICATED, e.code(), "code");
            that(e.getMessage().contains("authorization: Bearer"), e.getMessage());
          }
        });
    Check.run(
        "a wrong API key is refused",
        () -> {
          try (KvClient kv = KvClient.connect(base.withTls(mtls).withApiKey("kvs_not-a-key"))) {
            AuthException e = raises(AuthException.class, () -> kv.get("s/k"), "bad key");
            equal(Status.Code.UNAUTHENTICATED, e.code(), "code");
          }
        });
    Check.run(
        "plaintext to a TLS server is UNAVAILABLE",
        () -> {
          try (KvClient kv = KvClient.connect(base.withApiKey(key))) {
            raises(UnavailableException.class, () -> kv.get("s/k"), "plaintext");
          }
        });
    Check.run(
        "a server certificate from an untrusted CA is refused",
        () -> {
          TlsOptions stranger =
              new TlsOptions(dir.resolve("stranger-ca.crt"), cert, key2);
          try (KvClient kv = KvClient.connect(base.withTls(stranger).withApiKey(key))) {
            raises(UnavailableException.class, () -> kv.get("s/k"), "untrusted");
          }
        });
    Check.run(
        "mTLS: no client certificate is refused",
        () -> {
          TlsOptions noCert = TlsOptions.trusting(dir.resolve("ca.crt"));
          try (KvClient kv = KvClient.connect(base.withTls(noCert).withApiKey(key))) {
            raises(UnavailableException.class, () -> kv.get("s/k"), "no client certificate");
          }
        });
    Check.exit();
  }
}
