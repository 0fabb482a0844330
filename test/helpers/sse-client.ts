/** One Server-Sent Event as a client parses it (comments kept apart, for heartbeat checks). */
export interface SseEvent {
  readonly id: string | undefined;
  /** "message" when the server named none. */
  readonly event: string;
  readonly data: string;
}

/**
 * A streaming SSE client over fetch: parses the stream as it arrives (the text/event-stream rules: fields
 * per line, blank line ends an event, lines starting with ":" are comments). `next()` waits for the next
 * event up to a deadline; `lastEventId` is what a browser's EventSource would send on reconnect.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  lastEventId: string | undefined;
  status = 0;
  contentType = '';
  ended = false;
  private taken = 0;
  private waiters: (() => void)[] = [];
  private readonly controller = new AbortController();

  private constructor() {}

  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    const res = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: client.controller.signal,
    });
    client.status = res.status;
    client.contentType = res.headers.get('content-type') ?? '';
    if (res.status !== 200 || res.body === null) {
      client.ended = true;
      client.comments.push(await res.text());
      return client;
    }
    void client.pump(res.body);
    return client;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let id: string | undefined;
    let event = '';
    let data: string[] = [];
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (data.length > 0 || event !== '') {
              if (id !== undefined) this.lastEventId = id;
              this.events.push({ id, event: event || 'message', data: data.join('\n') });
              this.wake();
            }
            id = undefined;
            event = '';
            data = [];
          } else if (line.startsWith(':')) {
            this.comments.push(line.slice(1).trim());
            this.wake();
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') id = value;
            else if (field === 'event') event = value;
            else if (field === 'data') data.push(value);
          }
          nl = buffer.indexOf('\n');
        }
      }
    } catch {
      // aborted or cut: ended
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `check` holds (re-checked on every event, comment and end), or fails after `ms`. */
  async until<T>(check: () => T | undefined | false, ms = 5_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = check();
      if (v !== undefined && v !== false) return v;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `SSE: timed out waiting for ${what}; events: ${JSON.stringify(this.events.slice(-5))}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The next event not yet taken (waits for it). */
  next(ms = 5_000): Promise<SseEvent> {
    return this.until(
      () => (this.taken < this.events.length ? this.events[this.taken++] : undefined),
      ms,
      'the next event',
    );
  }

  /** The next event that is a change (not progress), parsed. */
  async nextChange(ms = 5_000): Promise<{ id: string; revision: number; events: ChangeEvent[] }> {
    for (;;) {
      const e = await this.next(ms);
      if (e.event === 'message') {
        const data = JSON.parse(e.data) as { revision: number; events: ChangeEvent[] };
        return { id: e.id!, ...data };
      }
      if (e.event !== 'progress') throw new Error(`SSE: got ${e.event}: ${e.data}`);
    }
  }

  close(): void {
    this.controller.abort();
  }
}

export interface ChangeEvent {
  readonly type: 'PUT' | 'DELETE' | 'EXPIRE';
  readonly kv: { key: string; value?: string; encoding?: string; mod_revision: number; version?: number };
  readonly prev_kv?: { key: string; value: string };
}
