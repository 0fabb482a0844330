package kvstore.client;

import java.nio.charset.StandardCharsets;
import kvstore.v1.Kvstore;

/**
 * A key with its value and metadata, as a read returns it.
 *
 * @param value the value's bytes (empty in metadata-only results: writes, keysOnly lists, delete events)
 * @param expiresAtMs when the key expires, milliseconds since the epoch; 0 = never
 */
public record KeyValue(
    String key, byte[] value, long createRevision, long modRevision, long version, long expiresAtMs) {
  /** The value decoded as UTF-8. */
  public String valueUtf8() {
    return new String(value, StandardCharsets.UTF_8);
  }

  static KeyValue fromWire(Kvstore.KeyValue kv) {
    return new KeyValue(
        kv.getKey(),
        kv.getValue().toByteArray(),
        kv.getCreateRevision(),
        kv.getModRevision(),
        kv.getVersion(),
        kv.getExpiresAtMs());
  }

  @Override
  public String toString() {
    return "KeyValue[key=" + key + ", modRevision=" + modRevision + ", version=" + version + "]";
  }
}
