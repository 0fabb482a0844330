package kvstore.clienttest;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import kvstore.client.ClientOptions;
import kvstore.client.KvClient;
import kvstore.client.KvException;
import kvstore.client.Retry;
import kvstore.client.Watch;
import kvstore.client.WatchEvent;
import kvstore.client.WatchOptions;

/**
 * A watch failing over to a second endpoint: {@code WatchFailoverTest ADDR STANDBY_ADDR}. The driver
 * SIGKILLs the server on ADDR while the writer runs, starts a standby over the same data on STANDBY_ADDR and
 * says "standby"; the watch (given both endpoints) must resume there: every revision once, in order.
 */
public final class WatchFailoverTest {
  private WatchFailoverTest() {}

  public static void main(String[] args) throws InterruptedException {
    String addr = args[0];
    String standby = args[1];
    ClientOptions options =
        ClientOptions.defaults()
            .withEndpoints(addr, standby)
            .withTimeout(Duration.ofSeconds(15))
            .withRetry(new Retry(5, 10, 200));
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    AtomicReference<KvException> failure = new AtomicReference<>();
    try (KvClient kv = KvClient.connect(options);
        KvClient writerClient =
            KvClient.connect(
                options
                    .withEndpoints(addr)
                    .withTimeout(Duration.ofSeconds(2))
                    .withRetry(new Retry(1, 10, 10)))) {
      long first = kv.set("w/start", "x").revision();
      Watch watch =
          kv.watch(
              WatchOptions.prefix("w/")
                  .withStartRevision(first)
                  .withProgressInterval(Duration.ofMillis(500))
                  .withBackoff(new Retry(1, 20, 300)));
      watch.listen(events::add, failure::set);
      Writer writer = new Writer(writerClient);
      writer.start();
      Driver.say("ready " + first);
      Driver.await("standby");
      writer.halt();
      try (KvClient more = KvClient.connect(options.withEndpoints(standby))) {
        for (int i = 0; i < 20; i++) more.set("w/after/" + i, "v");
        long last = more.status().getHeader().getRevision();
        Check.run(
            "the watch resumes on the standby endpoint: every revision once, in order",
            () -> {
              Check.waitFor(
                  "the watch to reach the standby's revision " + last,
                  () -> !events.isEmpty() && events.get(events.size() - 1).revision() >= last,
                  60_000);
              Check.equal(null, failure.get(), "no error");
              List<Long> revisions = events.stream().map(WatchEvent::revision).toList();
              Check.equal(LongStream.rangeClosed(first, last).boxed().toList(), revisions, "revisions");
              Check.that(new HashSet<>(revisions).containsAll(writer.revisions), "every acknowledged write");
              Check.equal(standby, kv.endpoint(), "the client moved to the standby");
            });
      }
      watch.close();
    }
    Check.exit();
  }
}
