package kvstore.clienttest;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import kvstore.client.ClientOptions;
import kvstore.client.DeadlineExceededException;
import kvstore.client.KvClient;
import kvstore.client.KvException;
import kvstore.client.Retry;
import kvstore.client.Watch;
import kvstore.client.WatchEvent;
import kvstore.client.WatchOptions;

/**
 * A server that stops answering (the driver SIGSTOPs it after "first"): the watch gives up on the silent
 * stream after three progress intervals, and resumes once the server answers again (SIGCONT, "continued"),
 * with nothing lost or repeated. {@code WatchSilenceTest ADDR}.
 */
public final class WatchSilenceTest {
  private WatchSilenceTest() {}

  public static void main(String[] args) {
    ClientOptions options =
        ClientOptions.defaults()
            .withEndpoints(args[0])
            .withTimeout(Duration.ofSeconds(15))
            .withRetry(new Retry(5, 10, 200));
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    List<String> reasons = new CopyOnWriteArrayList<>();
    AtomicReference<KvException> failure = new AtomicReference<>();
    try (KvClient kv = KvClient.connect(options)) {
      long first = kv.set("s/0", "x").revision();
      Watch watch =
          kv.watch(
              WatchOptions.prefix("s/")
                  .withStartRevision(first)
                  .withProgressInterval(Duration.ofMillis(300))
                  .withBackoff(new Retry(1, 20, 200))
                  .withOnReconnect((error, endpoint, resume) -> reasons.add(error.getMessage())));
      watch.listen(events::add, failure::set);
      Check.run("the first event", () -> Check.waitFor("the first event", () -> events.size() == 1, 30_000));
      Driver.say("first");
      Driver.await("stopped");
      Check.run(
          "a silent server is given up on after three progress intervals",
          () -> {
            try (KvClient quick =
                KvClient.connect(options.withTimeout(Duration.ofMillis(300)).withRetry(new Retry(1, 1, 1)))) {
              Check.raises(
                  DeadlineExceededException.class, () -> quick.get("s/0"), "a get to a stopped server");
            }
            Check.waitFor(
                "the watch to give up on the silent stream",
                () -> reasons.stream().anyMatch(r -> r.contains("no message from")),
                30_000);
          });
      Driver.say("gave-up");
      Driver.await("continued");
      Check.run(
          "the watch resumes after the pause: nothing lost, nothing repeated",
          () -> {
            long last = kv.set("s/1", "y").revision();
            Check.waitFor(
                "the event after the pause", () -> events.get(events.size() - 1).revision() == last, 30_000);
            List<Long> revisions = events.stream().map(WatchEvent::revision).toList();
            Check.equal(List.of(first, last), revisions, "revisions");
            Check.equal(null, failure.get(), "no error");
          });
      watch.close();
    }
    Check.exit();
  }
}
