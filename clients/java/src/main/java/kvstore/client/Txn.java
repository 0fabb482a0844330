package kvstore.client;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import kvstore.v1.Kvstore;

/**
 * etcd's transaction, one revision: {@code kv.txn().when(compares).onSuccess(ops).onFailure(ops).commit()}.
 * A transaction with a write is never resent once it may have reached a server; one of only gets and ranges
 * is retried like a read.
 */
public final class Txn {
  private final List<Compare> compares = new ArrayList<>();
  private final List<Op> success = new ArrayList<>();
  private final List<Op> failure = new ArrayList<>();
  private final Function<Txn, TxnResult> run;

  Txn(Function<Txn, TxnResult> run) {
    this.run = run;
  }

  /** Compares that must all hold for the onSuccess branch (etcd's "if"). */
  public Txn when(Compare... compares) {
    this.compares.addAll(List.of(compares));
    return this;
  }

  /** The operations run when every compare holds (etcd's "then"). */
  public Txn onSuccess(Op... ops) {
    success.addAll(List.of(ops));
    return this;
  }

  /** The operations run when a compare does not hold (etcd's "else"). */
  public Txn onFailure(Op... ops) {
    failure.addAll(List.of(ops));
    return this;
  }

  public TxnResult commit() {
    return run.apply(this);
  }

  boolean readOnly() {
    return success.stream().allMatch(Op::readOnly) && failure.stream().allMatch(Op::readOnly);
  }

  Kvstore.TxnRequest toWire() {
    Kvstore.TxnRequest.Builder b = Kvstore.TxnRequest.newBuilder();
    compares.forEach(c -> b.addCompare(c.wire));
    success.forEach(o -> b.addSuccess(o.wire));
    failure.forEach(o -> b.addFailure(o.wire));
    return b.build();
  }

  static TxnResult fromWire(Kvstore.TxnResponse r) {
    List<TxnResult.OpResult> results = new ArrayList<>();
    for (Kvstore.ResponseOp op : r.getResponsesList()) results.add(opResult(op));
    return new TxnResult(r.getSucceeded(), r.getHeader().getRevision(), List.copyOf(results));
  }

  private static TxnResult.OpResult opResult(Kvstore.ResponseOp op) {
    switch (op.getResponseCase()) {
      case GET:
        {
          Kvstore.GetResponse g = op.getGet();
          KeyValue kv = g.getFound() ? KeyValue.fromWire(g.getKv()) : null;
          return new TxnResult.OpResult(TxnResult.OpResult.Type.GET, kv, List.of(), false, false, 0);
        }
      case RANGE:
        return new TxnResult.OpResult(
            TxnResult.OpResult.Type.RANGE,
            null,
            op.getRange().getKvsList().stream().map(KeyValue::fromWire).toList(),
            op.getRange().getMore(),
            false,
            0);
      case SET:
        return new TxnResult.OpResult(
            TxnResult.OpResult.Type.SET, KeyValue.fromWire(op.getSet().getKv()), List.of(), false, false, 0);
      case DELETE:
        return new TxnResult.OpResult(
            TxnResult.OpResult.Type.DELETE, null, List.of(), false, op.getDelete().getDeleted(), 0);
      case DELETE_RANGE:
        return new TxnResult.OpResult(
            TxnResult.OpResult.Type.DELETE_RANGE,
            null,
            op.getDeleteRange().getPrevKvsList().stream().map(KeyValue::fromWire).toList(),
            false,
            op.getDeleteRange().getDeleted() > 0,
            op.getDeleteRange().getDeleted());
      default:
        throw new IllegalStateException("transaction response with an unknown operation");
    }
  }
}
