package kvstore.client;

/**
 * One change, as a watch delivers it.
 *
 * @param revision the revision of the change (several events can share one: a batch or a transaction)
 * @param kv the key after the change (for DELETE and EXPIRE only key and modRevision are meaningful)
 * @param prevKv the key before the change, when prevKv was asked for and the key existed; else null
 */
public record WatchEvent(Type type, String key, long revision, KeyValue kv, KeyValue prevKv) {
  public enum Type {
    PUT,
    DELETE,
    EXPIRE
  }
}
