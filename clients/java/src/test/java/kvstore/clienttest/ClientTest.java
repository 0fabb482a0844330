package kvstore.clienttest;

import static kvstore.clienttest.Check.equal;
import static kvstore.clienttest.Check.raises;
import static kvstore.clienttest.Check.that;

import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import kvstore.client.ClientOptions;
import kvstore.client.CompactedException;
import kvstore.client.Compare;
import kvstore.client.Condition;
import kvstore.client.ConditionFailedException;
import kvstore.client.InvalidArgumentException;
import kvstore.client.KeyValue;
import kvstore.client.KvClient;
import kvstore.client.KvException;
import kvstore.client.ListOptions;
import kvstore.client.ListPage;
import kvstore.client.Op;
import kvstore.client.Retry;
import kvstore.client.SetOptions;
import kvstore.client.TxnResult;
import kvstore.client.UnavailableException;
import kvstore.client.Watch;
import kvstore.client.WatchEvent;
import kvstore.client.WatchOptions;
import kvstore.client.WriteResult;

/**
 * The client's calls against a real server: {@code ClientTest ADDR DEAD_ADDR} (DEAD_ADDR: a loopback port
 * nothing listens on). Run by test/clients/java.test.ts; exits non-zero when a case fails.
 */
public final class ClientTest {
  private ClientTest() {}

  public static void main(String[] args) {
    String addr = args[0];
    String dead = args[1];
    ClientOptions options =
        ClientOptions.defaults()
            .withEndpoints(addr)
            .withTimeout(Duration.ofSeconds(15))
            .withRetry(new Retry(5, 10, 200));
    try (KvClient kv = KvClient.connect(options)) {
      Check.run("crud", () -> crud(kv));
      Check.run("ttl", () -> ttl(kv));
      Check.run("condition failed carries the current revision", () -> conditions(kv));
      Check.run("invalid argument names the field", () -> invalidArgument(kv));
      Check.run("list pages", () -> listPages(kv));
      Check.run("txn", () -> txn(kv));
      Check.run("getMany, setMany, deleteRange", () -> many(kv));
      Check.run("update() under 4 contending threads loses no increment", () -> update(kv));
      Check.run("status", () -> equal(true, kv.status().getHeader().getRevision() > 0, "status revision"));
      Check.run("failover from a dead endpoint", () -> failover(options, addr, dead));
      Check.run("unreachable write is never sent, so it says outcome known", () -> unreachable(dead));
      Check.run("watch from now with prev kv", () -> watchFromNow(kv));
      Check.run("close from another thread ends a watch", () -> closeWatch(kv));
      Check.run("a bad watch selector is an invalid argument", () -> badWatch(kv));
      Check.run("a compacted start is a CompactedException", () -> compacted(kv));
    }
    Check.exit();
  }

  static void crud(KvClient kv) {
    WriteResult w = kv.set("a/1", "one");
    that(w.revision() > 0, "a set has a revision");
    equal(w.revision(), w.kv().modRevision(), "the set's kv mod revision");
    KeyValue got = kv.get("a/1").orElseThrow();
    equal("one", got.valueUtf8(), "value");
    equal(1L, got.version(), "version");
    equal(w.revision(), got.createRevision(), "create revision");
    WriteResult w2 = kv.set("a/1", "uno".getBytes(java.nio.charset.StandardCharsets.UTF_8), SetOptions.NONE);
    equal(2L, kv.get("a/1").orElseThrow().version(), "version after a second set");
    equal(w.revision() + 1, w2.revision(), "revisions count writes");
    that(kv.delete("a/1").deleted(), "deleted");
    that(!kv.delete("a/1").deleted(), "deleting an absent key deletes nothing");
    that(kv.get("a/1").isEmpty(), "gone");
  }

  static void ttl(KvClient kv) {
    long before = System.currentTimeMillis();
    kv.set("ttl/x", "v", SetOptions.ttlMs(60_000));
    that(kv.get("ttl/x").orElseThrow().expiresAtMs() >= before + 60_000, "expiresAtMs");
  }

  static void conditions(KvClient kv) {
    WriteResult first = kv.set("c/k", "v1", SetOptions.when(Condition.absent()));
    ConditionFailedException e =
        raises(
            ConditionFailedException.class,
            () -> kv.set("c/k", "v2", SetOptions.when(Condition.absent())),
            "set if absent on a present key");
    equal(Status.Code.FAILED_PRECONDITION, e.code(), "code");
    equal("FAILED_PRECONDITION", e.codeName(), "code name");
    equal(first.revision(), e.currentModRevision(), "current mod revision");
    equal(1L, e.currentVersion(), "current version");
    that(e.answered(), "answered by the server");
    WriteResult second = kv.set("c/k", "v2", SetOptions.when(Condition.modRevision(first.revision())));
    kv.set("c/k", "v3", SetOptions.when(Condition.version(2)).withTtlMs(60_000));
    kv.set("c/k", "v4", SetOptions.when(Condition.value("v3")));
    ConditionFailedException d =
        raises(
            ConditionFailedException.class,
            () -> kv.delete("c/k", Condition.modRevision(second.revision())),
            "delete if mod revision (stale)");
    that(d.currentModRevision() > second.revision(), "the delete's current mod revision is the newer one");
    equal(4L, d.currentVersion(), "current version after four sets");
    that(kv.delete("c/k", Condition.version(4)).deleted(), "delete with the right version");
  }

  static void invalidArgument(KvClient kv) {
    InvalidArgumentException e =
        raises(InvalidArgumentException.class, () -> kv.set("", "v"), "empty key");
    equal(Status.Code.INVALID_ARGUMENT, e.code(), "code");
    equal("key", e.field(), "field");
    that(e.getMessage().contains("key"), "the message names the key: " + e.getMessage());
    raises(KvException.class, () -> kv.listAll(ListOptions.prefix("").withPageSize(1_000_000)), "page size");
  }

  static void listPages(KvClient kv) {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String key = String.format("l/%03d", i);
      kv.set(key, "v" + i);
      expected.add(key);
    }
    List<ListPage> pages = new ArrayList<>();
    for (ListPage p : kv.list(ListOptions.prefix("l/").withPageSize(10).withCount())) pages.add(p);
    equal(List.of(10, 10, 5), pages.stream().map(p -> p.kvs().size()).toList(), "page sizes");
    equal(List.of(true, true, false), pages.stream().map(ListPage::more).toList(), "more");
    equal(25L, pages.get(0).count(), "count");
    List<String> keys = pages.stream().flatMap(p -> p.kvs().stream()).map(KeyValue::key).toList();
    equal(expected, keys, "keys in order across pages");
    equal("v7", pages.get(0).kvs().get(7).valueUtf8(), "values come with the keys");
    List<KeyValue> keysOnly = kv.listAll(ListOptions.prefix("l/").withKeysOnly().withPageSize(7));
    equal(25, keysOnly.size(), "listAll gathers every page");
    equal(0, keysOnly.get(0).value().length, "keysOnly leaves values out");
    equal(
        List.of("l/010", "l/011"),
        kv.listAll(ListOptions.of(kvstore.client.Selector.range("l/010", "l/012"))).stream()
            .map(KeyValue::key)
            .toList(),
        "a range");
  }

  static void txn(KvClient kv) {
    TxnResult claimed =
        kv.txn()
            .when(Compare.absent("jobs/42"))
            .onSuccess(Op.set("jobs/42", "claimed"), Op.get("jobs/queue"))
            .onFailure(Op.get("jobs/42"))
            .commit();
    that(claimed.succeeded(), "the first claim succeeds");
    equal(TxnResult.OpResult.Type.SET, claimed.results().get(0).type(), "a set result");
    equal(null, claimed.results().get(1).kv(), "an absent key's get");
    TxnResult again =
        kv.txn()
            .when(Compare.version("jobs/42", "=", 0))
            .onSuccess(Op.set("jobs/42", "mine"))
            .onFailure(Op.get("jobs/42"), Op.range(kvstore.client.Selector.prefix("jobs/"), 0, false))
            .commit();
    that(!again.succeeded(), "the second claim fails");
    equal("claimed", again.results().get(0).kv().valueUtf8(), "the failure branch reads the holder");
    equal(1, again.results().get(1).kvs().size(), "the range");
    equal(claimed.revision(), again.revision(), "a read-only branch writes no revision");
    TxnResult cas =
        kv.txn()
            .when(
                Compare.modRevision("jobs/42", "=", claimed.revision()),
                Compare.value("jobs/42", "=", "claimed"))
            .onSuccess(Op.delete("jobs/42"))
            .commit();
    that(cas.succeeded() && cas.results().get(0).deleted(), "delete by compare");
  }

  static void many(KvClient kv) {
    java.util.Map<String, String> items = new java.util.LinkedHashMap<>();
    items.put("m/b", "2");
    items.put("m/a", "1");
    kvstore.client.SetManyResult set = kv.setMany(items, 60_000);
    equal(List.of("m/b", "m/a"), set.kvs().stream().map(KeyValue::key).toList(), "request order");
    that(set.kvs().stream().allMatch(k -> k.modRevision() == set.revision()), "one revision for the batch");
    kvstore.client.GetManyResult got = kv.getMany(List.of("m/a", "m/none", "m/b"));
    equal("1", got.kvs().get(0).orElseThrow().valueUtf8(), "m/a");
    that(got.kvs().get(1).isEmpty(), "an absent key");
    equal("2", got.kvs().get(2).orElseThrow().valueUtf8(), "m/b");
    that(got.kvs().get(0).orElseThrow().expiresAtMs() > 0, "the batch's TTL");
    kvstore.client.DeleteRangeResult deleted = kv.deleteRange(kvstore.client.Selector.prefix("m/"));
    equal(2L, deleted.deleted(), "deleted count");
    equal(set.revision() + 1, deleted.revision(), "one revision for the delete");
    that(kv.listAll(ListOptions.prefix("m/")).isEmpty(), "the prefix is empty");
  }

  static void update(KvClient kv) {
    java.util.function.Function<java.util.Optional<KeyValue>, byte[]> increment =
        cur -> {
          long n = cur.map(k -> Long.parseLong(k.valueUtf8())).orElse(0L);
          return Long.toString(n + 1).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        };
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < 25; i++) {
                    that(kvstore.client.Update.update(kv, "u/n", increment) > 0, "wrote");
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              });
      threads.add(thread);
      thread.start();
    }
    for (Thread t : threads) {
      try {
        t.join(60_000);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    equal(List.of(), errors, "no thread failed");
    equal("100", kv.get("u/n").orElseThrow().valueUtf8(), "every increment counted");
    equal(0L, kvstore.client.Update.update(kv, "u/n", cur -> kvstore.client.Update.UNCHANGED), "unchanged");
    that(kvstore.client.Update.update(kv, "u/n", cur -> null) > 0, "null deletes");
    that(kv.get("u/n").isEmpty(), "deleted");
  }

  static void failover(ClientOptions options, String addr, String dead) {
    try (KvClient kv = KvClient.connect(options.withEndpoints(dead, addr))) {
      WriteResult w = kv.set("f/1", "x");
      equal(addr, kv.endpoint(), "moved to the live endpoint");
      equal(w.revision(), kv.get("f/1").orElseThrow().modRevision(), "read back through the live one");
    }
    try (KvClient kv = KvClient.connect(options.withEndpoints(dead, addr))) {
      equal("x", kv.get("f/1").orElseThrow().valueUtf8(), "a read retried on the second endpoint");
    }
  }

  static void unreachable(String dead) {
    ClientOptions o = ClientOptions.defaults().withEndpoints(dead).withRetry(new Retry(2, 5, 10));
    try (KvClient kv = KvClient.connect(o)) {
      UnavailableException e = raises(UnavailableException.class, () -> kv.set("u", "v"), "dead server");
      that(!e.answered(), "no answer came");
      that(!e.outcomeUnknown(), "a write that never left has a known outcome");
      that(e.getMessage().contains("cannot reach kvstore at " + dead), e.getMessage());
    }
  }

  static void watchFromNow(KvClient kv) {
    kv.set("n/a", "old");
    try (Watch watch = kv.watch(WatchOptions.key("n/a").withPrevKv())) {
      kv.set("n/a", "new");
      kv.delete("n/a");
      WatchEvent put = watch.next();
      equal(WatchEvent.Type.PUT, put.type(), "put");
      equal("new", put.kv().valueUtf8(), "new value");
      equal("old", put.prevKv().valueUtf8(), "previous value");
      WatchEvent deleted = watch.next();
      equal(WatchEvent.Type.DELETE, deleted.type(), "delete");
      equal(put.revision() + 1, deleted.revision(), "the next revision");
      equal(deleted.revision(), watch.revision(), "revision()");
    }
  }

  static void closeWatch(KvClient kv) {
    Watch watch = kv.watch(WatchOptions.prefix("x/"));
    List<WatchEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicReference<Object> ended = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                for (WatchEvent e : watch) seen.add(e);
                ended.set("ended");
              } catch (RuntimeException e) {
                ended.set(e);
              }
            });
    t.start();
    kv.set("x/1", "v");
    Check.waitFor("the event", () -> seen.size() == 1, 10_000);
    watch.close();
    Check.waitFor("the iteration to end", () -> ended.get() != null, 10_000);
    equal("ended", ended.get(), "the iteration ends quietly");
  }

  static void badWatch(KvClient kv) {
    WatchOptions bad = WatchOptions.of(kvstore.client.Selector.pattern("a/***/b")).withStartRevision(1);
    try (Watch w = kv.watch(bad)) {
      raises(InvalidArgumentException.class, w::hasNext, "a bad pattern");
    }
  }

  static void compacted(KvClient kv) {
    for (int i = 0; i < 5; i++) kv.set("k/" + i, "v");
    long head = kv.status().getHeader().getRevision();
    equal(head, kv.compact(head), "compact revision");
    List<Long> reconnects = new ArrayList<>();
    WatchOptions o =
        WatchOptions.prefix("k/")
            .withStartRevision(1)
            .withOnReconnect((error, endpoint, resume) -> reconnects.add(resume));
    try (Watch w = kv.watch(o)) {
      CompactedException e = raises(CompactedException.class, w::hasNext, "watch from revision 1");
      equal(head, e.compactRevision(), "the compact revision");
      equal(Status.Code.OUT_OF_RANGE, e.code(), "code");
    }
    equal(List.of(), reconnects, "a compacted start is not retried");
  }
}
