package kvstore.client;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import kvstore.v1.Kvstore;

/**
 * A condition on the key of a Set or Delete, checked atomically with the write; when it does not hold the
 * call throws {@link ConditionFailedException} with the key's current mod revision and version.
 */
public final class Condition {
  final Kvstore.Condition wire;

  private Condition(Kvstore.Condition wire) {
    this.wire = wire;
  }

  /** The key does not exist (or has expired). */
  public static Condition absent() {
    return new Condition(Kvstore.Condition.newBuilder().setAbsent(true).build());
  }

  /** The key's version is this (0 = absent). */
  public static Condition version(long version) {
    return new Condition(Kvstore.Condition.newBuilder().setVersion(version).build());
  }

  /** The key's mod revision is this (0 = absent): optimistic concurrency after a read. */
  public static Condition modRevision(long revision) {
    return new Condition(Kvstore.Condition.newBuilder().setModRevision(revision).build());
  }

  /** The key exists with exactly this value. */
  public static Condition value(byte[] value) {
    return new Condition(Kvstore.Condition.newBuilder().setValue(ByteString.copyFrom(value)).build());
  }

  public static Condition value(String value) {
    return value(value.getBytes(StandardCharsets.UTF_8));
  }
}
