package kvstore.clienttest;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import kvstore.client.ClientOptions;
import kvstore.client.KvClient;
import kvstore.client.Retry;
import kvstore.client.UnavailableException;

/**
 * A write whose server dies before answering is never resent and says its outcome is unknown: {@code
 * LostWriteTest ADDR}. The driver SIGSTOPs the server ("connected" -> "stopped"), this sends a Set ("sent"),
 * the driver SIGKILLs the server ("killed").
 */
public final class LostWriteTest {
  private LostWriteTest() {}

  public static void main(String[] args) throws InterruptedException {
    ClientOptions options =
        ClientOptions.defaults()
            .withEndpoints(args[0])
            .withTimeout(Duration.ofSeconds(60))
            .withRetry(new Retry(5, 10, 50));
    try (KvClient kv = KvClient.connect(options)) {
      kv.get("lost/k");
      Driver.say("connected");
      Driver.await("stopped");
      AtomicReference<Throwable> outcome = new AtomicReference<>();
      Thread writer =
          new Thread(
              () -> {
                try {
                  kv.set("lost/k", "v");
                  outcome.set(new AssertionError("the set succeeded on a stopped server"));
                } catch (Throwable t) {
                  outcome.set(t);
                }
              });
      writer.start();
      Driver.say("sent");
      Driver.await("killed");
      writer.join(30_000);
      Check.run(
          "a write lost with its server is UnavailableException, outcome unknown, not resent",
          () -> {
            Throwable t = outcome.get();
            Check.that(t instanceof UnavailableException, "UnavailableException, not " + t);
            UnavailableException e = (UnavailableException) t;
            // A resend would have met a refused connection and said the outcome is known.
            Check.that(e.outcomeUnknown(), "outcome unknown: " + e.getMessage());
            Check.that(!e.answered(), "no answer came");
          });
    }
    Check.exit();
  }
}
