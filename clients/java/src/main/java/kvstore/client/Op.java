package kvstore.client;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import kvstore.v1.Kvstore;

/** One operation of a transaction branch ({@link Txn#onSuccess}, {@link Txn#onFailure}). */
public final class Op {
  final Kvstore.RequestOp wire;

  private Op(Kvstore.RequestOp wire) {
    this.wire = wire;
  }

  /** True for get and range: a transaction of only these is a read (retried like one). */
  boolean readOnly() {
    return wire.hasGet() || wire.hasRange();
  }

  public static Op get(String key) {
    return new Op(Kvstore.RequestOp.newBuilder().setGet(Kvstore.GetRequest.newBuilder().setKey(key)).build());
  }

  /** The keys of a prefix, range or pattern (at most {@code limit}; 0 = the server's default). */
  public static Op range(Selector selector, int limit, boolean keysOnly) {
    Kvstore.RangeRequest.Builder r =
        Kvstore.RangeRequest.newBuilder()
            .setPrefix(selector.prefix())
            .setStart(selector.start())
            .setEnd(selector.end())
            .setPattern(selector.pattern())
            .setLimit(limit)
            .setKeysOnly(keysOnly);
    return new Op(Kvstore.RequestOp.newBuilder().setRange(r).build());
  }

  public static Op set(String key, String value) {
    return set(key, value.getBytes(StandardCharsets.UTF_8), SetOptions.NONE);
  }

  public static Op set(String key, byte[] value, SetOptions options) {
    return new Op(Kvstore.RequestOp.newBuilder().setSet(KvClient.setRequest(key, value, options)).build());
  }

  public static Op delete(String key) {
    return delete(key, null);
  }

  public static Op delete(String key, Condition condition) {
    Kvstore.DeleteRequest.Builder d = Kvstore.DeleteRequest.newBuilder().setKey(key);
    if (condition != null) d.setCondition(condition.wire);
    return new Op(Kvstore.RequestOp.newBuilder().setDelete(d).build());
  }

  /** Deletes every key of a prefix, range or pattern. */
  public static Op deleteRange(Selector selector, boolean prevKv) {
    Kvstore.DeleteRangeRequest.Builder d =
        Kvstore.DeleteRangeRequest.newBuilder()
            .setPrefix(selector.prefix())
            .setStart(selector.start())
            .setEnd(selector.end())
            .setPattern(selector.pattern())
            .setPrevKv(prevKv);
    return new Op(Kvstore.RequestOp.newBuilder().setDeleteRange(d).build());
  }
}
