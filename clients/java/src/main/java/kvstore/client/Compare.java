package kvstore.client;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import kvstore.v1.Kvstore;

/**
 * One compare of a transaction, as etcd's, with the operator "=", "!=", "&gt;" or "&lt;". An absent key has
 * version, createRevision and modRevision 0 and no value (a value compare against it holds only for "!=").
 */
public final class Compare {
  final Kvstore.Compare wire;

  private Compare(Kvstore.Compare wire) {
    this.wire = wire;
  }

  private static Kvstore.Compare.Builder base(String key, String op) {
    Kvstore.Compare.Result result =
        switch (op) {
          case "=" -> Kvstore.Compare.Result.EQUAL;
          case "!=" -> Kvstore.Compare.Result.NOT_EQUAL;
          case ">" -> Kvstore.Compare.Result.GREATER;
          case "<" -> Kvstore.Compare.Result.LESS;
          default -> throw new IllegalArgumentException("compare: op must be =, !=, > or <, not " + op);
        };
    return Kvstore.Compare.newBuilder().setKey(key).setResult(result);
  }

  public static Compare version(String key, String op, long version) {
    return new Compare(base(key, op).setVersion(version).build());
  }

  public static Compare createRevision(String key, String op, long revision) {
    return new Compare(base(key, op).setCreateRevision(revision).build());
  }

  public static Compare modRevision(String key, String op, long revision) {
    return new Compare(base(key, op).setModRevision(revision).build());
  }

  public static Compare value(String key, String op, byte[] value) {
    return new Compare(base(key, op).setValue(ByteString.copyFrom(value)).build());
  }

  public static Compare value(String key, String op, String value) {
    return value(key, op, value.getBytes(StandardCharsets.UTF_8));
  }

  /** The key does not exist (version = 0). */
  public static Compare absent(String key) {
    return version(key, "=", 0);
  }
}
