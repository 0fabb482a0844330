import { WebSocket } from 'undici';

/**
 * The environment that opens a Node process's inspector on `port` (loopback only), so a test can ask that
 * process for a full garbage collection: whether memory is still held is then a fact, not V8's timing.
 */
export function inspectorEnv(port: number): NodeJS.ProcessEnv {
  const inherited = process.env.NODE_OPTIONS ?? '';
  return { NODE_OPTIONS: `${inherited} --inspect=127.0.0.1:${port}`.trim() };
}

/** Runs a full (mark-compact) garbage collection in the process whose inspector listens on `port`. */
export async function collectGarbage(port: number): Promise<void> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () =>
        socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })),
      );
      socket.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as { id?: number; error?: { message: string } };
        if (message.id !== 1) return;
        if (message.error) reject(new Error(`HeapProfiler.collectGarbage: ${message.error.message}`));
        else resolve();
      });
      socket.addEventListener('error', () => reject(new Error(`inspector ${url}: connection failed`)));
      socket.addEventListener('close', () => reject(new Error(`inspector ${url} closed before answering`)));
    });
  } finally {
    socket.close();
  }
}
