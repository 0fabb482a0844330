import { type ChannelOptions, type Client, credentials } from '@grpc/grpc-js';

/**
 * Every channel gets its own subchannel pool, so `conns` channels are `conns` TCP connections; without
 * this grpc-js would multiplex them all over one socket to the same address.
 */
export const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};

/** Insecure (loopback) channel credentials. */
export const INSECURE = credentials.createInsecure();

/** Waits until every client's channel is connected, or fails after `ms`. */
export async function waitReady(clients: readonly Client[], ms = 5000): Promise<void> {
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve, reject) =>
          client.waitForReady(Date.now() + ms, (err) => (err ? reject(err) : resolve())),
        ),
    ),
  );
}

/** Calls a unary method as a promise. */
export function call<Res>(invoke: (cb: (err: Error | null, res?: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke((err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}
