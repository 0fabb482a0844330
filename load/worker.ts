// A load-generating worker thread: `kv` (closed or open loop of gets and sets), `watch` (holds watch streams
// and times every delivered event) or `writer` (the watch scenario's single open-loop writer).
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { kvLoop } from './kv-loop.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import { connectTarget } from './targets/index.js';
import type { LoadTarget } from './targets/target.js';
import { watchLoop } from './watch-loop.js';
import { keyName, type WorkerContext } from './worker-context.js';

const init = workerData as WorkerInit;
const { options } = init;
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

let target: LoadTarget;
try {
  target = await connectTarget(options.target, {
    addr: init.addr,
    conns: init.nConns,
    serializable: options.serializable,
  });
} catch (err) {
  post({
    type: 'fatal',
    error: `cannot connect to ${options.target} at ${init.addr}: ${(err as Error).message}`,
  });
  throw err;
}
const ctx: WorkerContext = {
  options,
  target,
  // Encoded once: the request loop picks one and sends it, allocating nothing of its own.
  keys:
    init.role === 'watch'
      ? []
      : Array.from({ length: options.keys }, (_, i) => target.encodeKey(keyName(options, i))),
  value: randomBytes(options.valueBytes),
  nConns: init.nConns,
  post,
};
const kv = kvLoop(ctx);
const watch = watchLoop(ctx);

port.on('message', (message: ToWorker) => {
  const reply = async (): Promise<FromWorker | null> => {
    switch (message.type) {
      case 'preload':
        return kv.preload(message.stride, message.offset);
      case 'sync':
        watch.sync();
        return null;
      case 'run':
        if (init.role === 'kv')
          return { type: 'kv-result', result: await kv.run(message, init.slotConns, init.rate) };
        if (init.role === 'writer') return watch.write(message);
        return { type: 'watch-result', result: await watch.measure(message) };
      case 'close':
        watch.close();
        target.close();
        return { type: 'closed' };
    }
  };
  reply().then(
    (m) => {
      if (m) post(m);
    },
    (err: unknown) => post({ type: 'fatal', error: String((err as Error)?.stack ?? err) }),
  );
});

if (init.role === 'watch') {
  if (!target.watch) post({ type: 'fatal', error: `target ${target.name} cannot watch` });
  else watch.open(init.watchersPerConn);
}
post({ type: 'ready' });
