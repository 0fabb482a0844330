package kvstore.client;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Options of {@link KvClient#connect(ClientOptions)}; every one has a default. Immutable: each {@code with}
 * method returns a copy.
 *
 * @param endpoints servers as HOST:PORT, tried in order; a failure moves to the next
 * @param timeout how long one attempt of a call may take
 * @param retry retries of UNAVAILABLE for idempotent calls
 * @param apiKey sent as {@code authorization: Bearer <key>} with every call, or null
 * @param tls TLS to the servers, or null for plaintext
 */
public record ClientOptions(
    List<String> endpoints, Duration timeout, Retry retry, String apiKey, TlsOptions tls) {
  private static final Pattern ENDPOINT = Pattern.compile("^[^\\s/]+:\\d{1,5}$");
  private static final Pattern PRINTABLE = Pattern.compile("^[\\x21-\\x7e]+$");

  /** 127.0.0.1:50051, 5 s per attempt, {@link Retry#DEFAULT}, no API key, plaintext. */
  public static ClientOptions defaults() {
    return new ClientOptions(List.of("127.0.0.1:50051"), Duration.ofSeconds(5), Retry.DEFAULT, null, null);
  }

  public ClientOptions {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) throw new IllegalArgumentException("connect: at least one endpoint is needed");
    for (String e : endpoints) {
      if (!ENDPOINT.matcher(e).matches()) {
        throw new IllegalArgumentException("connect: endpoint \"" + e + "\" is not HOST:PORT");
      }
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("connect: timeout must be positive");
    }
    if (retry == null) retry = Retry.DEFAULT;
    if (apiKey != null && !PRINTABLE.matcher(apiKey).matches()) {
      throw new IllegalArgumentException("connect: apiKey must be printable ASCII without spaces");
    }
  }

  public ClientOptions withEndpoints(String... endpoints) {
    return new ClientOptions(List.of(endpoints), timeout, retry, apiKey, tls);
  }

  public ClientOptions withTimeout(Duration timeout) {
    return new ClientOptions(endpoints, timeout, retry, apiKey, tls);
  }

  public ClientOptions withRetry(Retry retry) {
    return new ClientOptions(endpoints, timeout, retry, apiKey, tls);
  }

  public ClientOptions withApiKey(String apiKey) {
    return new ClientOptions(endpoints, timeout, retry, apiKey, tls);
  }

  public ClientOptions withTls(TlsOptions tls) {
    return new ClientOptions(endpoints, timeout, retry, apiKey, tls);
  }
}
