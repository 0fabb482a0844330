package kvstore.clienttest;

import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Assertions for the test programs (no JUnit here): each case prints "ok NAME" or "FAIL NAME: why". The
 * programs give their clients 15 s deadlines: a fresh JVM loads grpc and Netty inside its first call's
 * deadline, which took up to 2.3 s on the loaded shared machine.
 */
final class Check {
  private static int failed;

  private Check() {}

  static void that(boolean condition, String what) {
    if (!condition) throw new AssertionError(what);
  }

  static void equal(Object expected, Object actual, String what) {
    if (!Objects.equals(expected, actual)) {
      throw new AssertionError(what + ": expected <" + expected + "> but was <" + actual + ">");
    }
  }

  /** Runs {@code body} and returns the exception of {@code type} it must throw. */
  static <T extends Throwable> T raises(Class<T> type, Runnable body, String what) {
    try {
      body.run();
    } catch (Throwable t) {
      if (type.isInstance(t)) return type.cast(t);
      throw new AssertionError(what + ": expected " + type.getSimpleName() + " but got " + t, t);
    }
    throw new AssertionError(what + ": expected " + type.getSimpleName() + " but nothing was thrown");
  }

  /** Polls {@code condition} every 20 ms until it holds (never a fixed sleep); fails after timeoutMs. */
  static void waitFor(String what, BooleanSupplier condition, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out waiting for " + what);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  /** Runs one case, reporting it; a failure is counted and the next case runs. */
  static void run(String name, Runnable test) {
    long start = System.nanoTime();
    try {
      test.run();
      System.out.printf("ok %s (%d ms)%n", name, (System.nanoTime() - start) / 1_000_000);
    } catch (Throwable t) {
      failed++;
      System.out.println("FAIL " + name + ": " + t);
      t.printStackTrace(System.out);
    }
    System.out.flush();
  }

  /** Exits 0 when every case passed, 1 otherwise. */
  static void exit() {
    System.out.println(failed == 0 ? "all passed" : failed + " failed");
    System.exit(failed == 0 ? 0 : 1);
  }
}
