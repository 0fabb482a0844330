package kvstore.clienttest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The line protocol with test/clients/java.test.ts, which owns the servers: this program says what it has
 * done on stdout ({@link #say}); the driver answers on stdin once it has done its part ({@link #await}).
 */
final class Driver {
  private static final BufferedReader IN =
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

  private Driver() {}

  static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  /** Blocks until the driver writes the line {@code word}. */
  static void await(String word) {
    try {
      for (String line; (line = IN.readLine()) != null; ) {
        if (line.equals(word)) return;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new AssertionError("the driver closed stdin before saying " + word);
  }
}
