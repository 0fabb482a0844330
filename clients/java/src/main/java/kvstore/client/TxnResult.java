package kvstore.client;

import java.util.List;

/**
 * The outcome of a transaction.
 *
 * @param succeeded whether every compare held (the onSuccess branch ran) or not (onFailure ran)
 * @param revision the transaction's revision when it wrote, else the revision it read at
 * @param results one per operation of the branch that ran, in order
 */
public record TxnResult(boolean succeeded, long revision, List<OpResult> results) {
  /** The result of one operation; the fields its type does not use are empty (null, false, 0). */
  public record OpResult(
      Type type, KeyValue kv, List<KeyValue> kvs, boolean more, boolean deleted, long deletedCount) {
    public enum Type {
      GET,
      RANGE,
      SET,
      DELETE,
      DELETE_RANGE
    }
  }
}
