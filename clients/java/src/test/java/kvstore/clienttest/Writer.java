package kvstore.clienttest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import kvstore.client.KvClient;
import kvstore.client.KvException;

/**
 * Writes w/0, w/1, ... until halted, saying "acked N" every 10 acknowledged writes; a failed write (the
 * server is down) is skipped, never resent.
 */
final class Writer extends Thread {
  final List<Long> revisions = new CopyOnWriteArrayList<>();
  private final KvClient kv;
  private volatile boolean running = true;

  Writer(KvClient kv) {
    super("writer");
    this.kv = kv;
  }

  @Override
  public void run() {
    for (int i = 0; running; i++) {
      try {
        revisions.add(kv.set("w/" + i, "value-" + i).revision());
        if (revisions.size() % 10 == 0) Driver.say("acked " + revisions.size());
      } catch (KvException e) {
        try {
          Thread.sleep(5);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  void halt() throws InterruptedException {
    running = false;
    join(30_000);
  }
}
