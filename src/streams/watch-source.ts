import type { Observable } from 'rxjs';
import type { EventLog } from '../log/event-log.js';
import type { AppliedRecord } from '../projections/key-state.js';

/** What the watch machinery needs of the store: the live feed, the durable log, the current revision. */
export interface WatchSource {
  /** Revision of the last applied record; outside a feed emission, the feed has emitted every record up to it. */
  readonly revision: number;
  /** Each group commit's applied records, in revision order, emitted synchronously once applied. */
  readonly feed: Observable<readonly AppliedRecord[]>;
  readonly eventLog: EventLog;
}

/** Why a watch ended from the server's side. */
export type WatchEnd =
  | { readonly kind: 'compacted'; readonly requested: number; readonly compactRevision: number }
  | { readonly kind: 'shutdown' }
  /**
   * Reading the history failed; `damaged`: a record failed its checksum (the data is lost, not the link);
   * `unavailable`: the log could not be read for a while (retried, in vain): the client may come back later.
   */
  | {
      readonly kind: 'failed';
      readonly message: string;
      readonly damaged: boolean;
      readonly unavailable?: boolean;
    };

/** The transport end of one watch (a gRPC server stream in production). */
export interface WatchStream {
  /** Queues a message; false when the transport wants the writer to wait for `drain`. */
  write(message: Buffer): boolean;
  /** Bytes written and not yet handed to the network (held in the transport's buffers). */
  bufferedBytes(): number;
  /** Calls `listener` once when the transport can take more. */
  onceDrained(listener: () => void): void;
  /** Ends the stream: cleanly, or with a reason. */
  end(reason?: WatchEnd): void;
}
