/**
 * Told about every group commit of the log, for metrics and health. Called once per batch (not per append),
 * synchronously on the commit path, so an implementation must be cheap and must not throw.
 */
export interface CommitObserver {
  /**
   * A batch became durable: `records` appends in one transaction of `bytes` payload bytes, which took
   * `seconds` from the start of the write to its return (in `fsync` durability that includes the fsync).
   */
  committed(records: number, bytes: number, seconds: number): void;
  /**
   * A batch could not be made durable, or was but a commit listener could not apply it; the log refuses every
   * later append until restart.
   */
  failed(error: Error): void;
}
