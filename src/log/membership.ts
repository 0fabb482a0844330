/** One kvstore node of a shared log, as it announces itself to the others (etcd's MemberList). */
export interface MemberInfo {
  /** Stable for the node's address and data directory (etcd's member ID; 52 bits). */
  readonly id: number;
  readonly name: string;
  /** Where etcd clients reach it (its gRPC port, and etcd.listen when set). */
  readonly clientUrls: readonly string[];
}

/**
 * Where the nodes of one shared log announce themselves and find each other: each node writes its entry
 * every {@link MEMBER_REFRESH_MS}; an entry not refreshed for {@link MEMBER_GONE_MS} is no longer listed
 * (a node killed without a goodbye drops out then), one that stops cleanly is removed at once.
 */
export interface Membership {
  /** Announces `self()` now and every refresh until the returned stop (which removes the entry). */
  announce(self: () => MemberInfo): { stop(): Promise<void> };
  /** The nodes announced recently, in no particular order. */
  list(): Promise<MemberInfo[]>;
}

/** How often a node refreshes its entry. */
export const MEMBER_REFRESH_MS = 5_000;
/** An entry older than this is a node that is gone. */
export const MEMBER_GONE_MS = 15_000;

/** Reads an entry as stored (JSON), or null when it is not one. */
export function parseMember(text: string): (MemberInfo & { readonly at: number }) | null {
  try {
    const m = JSON.parse(text) as Partial<MemberInfo & { at: number }>;
    if (typeof m.id !== 'number' || typeof m.name !== 'string' || !Array.isArray(m.clientUrls)) return null;
    return { id: m.id, name: m.name, clientUrls: m.clientUrls.map(String), at: Number(m.at) || 0 };
  } catch {
    return null;
  }
}

/**
 * Runs `write` now and every {@link MEMBER_REFRESH_MS} until stopped (then `remove`); failures go to
 * `failed` (a node that cannot announce itself still serves; it is missing from the others' lists).
 */
export function heartbeat(
  write: () => Promise<void>,
  remove: () => Promise<void>,
  failed: (err: unknown) => void,
): { stop(): Promise<void> } {
  let busy = true;
  const once = () =>
    write()
      .catch(failed)
      .finally(() => {
        busy = false;
      });
  let running: Promise<void> = once();
  const timer = setInterval(() => {
    // A write still waiting on a slow backend is not queued behind: the next tick tries again.
    if (busy) return;
    busy = true;
    running = once();
  }, MEMBER_REFRESH_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await remove().catch(failed);
    },
  };
}
