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
 * A watch through server restarts while a writer runs: {@code WatchRestartTest ADDR}. The driver
 * (test/clients/java.test.ts) restarts the server on ADDR while this runs: it reads "acked N" lines (every
 * 10 acknowledged writes) to know the writer is progressing, and writes "stop" on stdin when done. Then
 * this checks that the watch saw every revision from its start to the store's last exactly once, in order.
 */
public final class WatchRestartTest {
  private WatchRestartTest() {}

  public static void main(String[] args) throws InterruptedException {
    String addr = args[0];
    ClientOptions options =
        ClientOptions.defaults()
            .withEndpoints(addr)
            .withTimeout(Duration.ofSeconds(15))
            .withRetry(new Retry(5, 10, 200));
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    List<Long> reconnects = new CopyOnWriteArrayList<>();
    AtomicReference<KvException> failure = new AtomicReference<>();
    try (KvClient kv = KvClient.connect(options);
        KvClient writerClient =
            KvClient.connect(
                options.withTimeout(Duration.ofSeconds(2)).withRetry(new Retry(1, 10, 10)))) {
      long first = kv.set("w/start", "x").revision();
      Watch watch =
          kv.watch(
              WatchOptions.prefix("w/")
                  .withStartRevision(first)
                  .withProgressInterval(Duration.ofMillis(500))
                  .withBackoff(new Retry(1, 20, 300))
                  .withOnReconnect(
                      (error, endpoint, resume) -> {
                        reconnects.add(resume);
                        Driver.say("reconnect " + resume + " " + error.codeName());
                      }));
      watch.listen(events::add, failure::set);
      Writer writer = new Writer(writerClient);
      writer.start();
      Driver.say("ready " + first);
      Driver.await("stop");
      writer.halt();
      long last = kv.status().getHeader().getRevision();
      Check.run(
          "the watch sees every revision once, in order, through the restarts",
          () -> {
            Check.waitFor(
                "the watch to reach revision " + last,
                () -> !events.isEmpty() && events.get(events.size() - 1).revision() >= last,
                60_000);
            Check.equal(null, failure.get(), "the watch ended with no error");
            Check.that(reconnects.size() >= 2, "reconnected at least twice: " + reconnects);
            List<Long> revisions = events.stream().map(WatchEvent::revision).toList();
            Check.equal(
                LongStream.rangeClosed(first, last).boxed().toList(), revisions, "revisions first..last");
            Check.that(
                new HashSet<>(revisions).containsAll(writer.revisions),
                "every acknowledged write was seen");
            Check.that(
                events.stream().allMatch(e -> e.type() == WatchEvent.Type.PUT && e.key().startsWith("w/")),
                "only the writer's puts");
            System.out.printf(
                "summary first=%d last=%d events=%d acked=%d reconnects=%d%n",
                first, last, events.size(), writer.revisions.size(), reconnects.size());
          });
      watch.close();
    }
    Check.exit();
  }
}
