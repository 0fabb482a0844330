// Server-Sent Events read with fetch(), not EventSource: EventSource cannot send an Authorization header, and
// the only other ways to pass a credential (a query parameter, a cookie set from it) put the secret where URLs
// and proxies log it. This reader keeps EventSource's resume rule: every `id:` it has seen is sent back as
// `Last-Event-ID` when it reconnects, so /v1/watch resumes after that revision with no gap and no duplicate.

/**
 * Follows `url` (a /v1/watch URL) until `close()`. `headers()` is asked on every (re)connect. Handlers:
 * `onOpen()`, `onMessage(data, id)` for unnamed events, `onEvent(name, data)` for named ones (compacted,
 * end, progress), `onRefused(status, body)` when the server answers other than 200 (a 5xx or a lost
 * connection is retried instead, after the server's `retry:` delay).
 */
export function followSse(url, headers, handlers) {
  let lastEventId = null;
  let retryMs = 1000;
  let closed = false;
  let controller = null;
  let timer = null;

  const again = () => {
    if (!closed) timer = setTimeout(connect, retryMs);
  };

  function dispatch(event) {
    if (event.id !== null) lastEventId = event.id;
    if (event.data.length === 0) return;
    const data = event.data.slice(0, -1); // the last data line's "\n"
    if (event.name === 'message') handlers.onMessage?.(data, lastEventId);
    else handlers.onEvent?.(event.name, data);
  }

  async function pump(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { id: null, name: 'message', data: '' };
    for (;;) {
      const { value, done } = await reader.read();
      if (done || closed) return;
      buffer += value;
      // A line ends at \r\n, \n or \r; a lone \r at the end may be half of a \r\n still on its way.
      const lines = buffer.split(/\r\n|\n|\r(?!$)/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === '') {
          dispatch(event);
          event = { id: null, name: 'message', data: '' };
          continue;
        }
        if (line.startsWith(':')) continue; // a comment (heartbeat)
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let v = colon < 0 ? '' : line.slice(colon + 1);
        if (v.startsWith(' ')) v = v.slice(1);
        if (field === 'data') event.data += `${v}\n`;
        else if (field === 'event') event.name = v;
        else if (field === 'id' && !v.includes('\0')) event.id = v;
        else if (field === 'retry' && /^\d+$/.test(v)) retryMs = Number(v);
      }
    }
  }

  async function connect() {
    if (closed) return;
    controller = new AbortController();
    const h = { accept: 'text/event-stream', ...headers() };
    if (lastEventId !== null) h['last-event-id'] = lastEventId;
    let res;
    try {
      res = await fetch(url, { headers: h, signal: controller.signal, cache: 'no-store' });
    } catch {
      return again();
    }
    if (res.status !== 200) {
      const body = res.headers.get('content-type')?.startsWith('application/json')
        ? await res.json().catch(() => null)
        : null;
      if (res.status >= 500) return again();
      return handlers.onRefused?.(res.status, body);
    }
    handlers.onOpen?.();
    try {
      await pump(res.body);
    } catch {
      // the connection broke: reconnect below
    }
    again();
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}
