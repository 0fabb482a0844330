import type pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import type { PostgresLogUrl } from '../log-url.js';

/**
 * How long a connect or one round trip to PostgreSQL may go unanswered before the connection is given up as
 * dead: the lock wait (`timeout`, bounded by the server's lock_timeout) plus at least 5 s for the answer to
 * come back on a busy machine. A server that was killed answers at once (the socket closes); this bounds the
 * cases that never answer: a partition, a frozen host, a connection pg never reports as ended.
 */
export function answerDeadlineMs(url: PostgresLogUrl): number {
  return url.timeoutMs + Math.max(url.timeoutMs, 5_000);
}

/** Statements that may rightly run long (VACUUM, a restore's DELETE of a whole table): their own bound. */
export const LONG_STATEMENT_MS = 10 * 60_000;

/** A statement with the long bound instead of the connection's (pg reads query_timeout per query too). */
export function longStatement(text: string, values?: unknown[]): pg.QueryConfig {
  const config: pg.QueryConfig & { query_timeout: number } = {
    text,
    ...(values ? { values } : {}),
    query_timeout: LONG_STATEMENT_MS,
  };
  return config;
}

/** The settings of every connection a log opens (writer, LISTEN, read pool). */
export function connectionConfig(url: PostgresLogUrl): pg.ClientConfig {
  const deadline = answerDeadlineMs(url);
  return {
    host: url.host,
    port: url.port,
    user: url.user,
    database: url.database,
    ...(url.password === null ? {} : { password: url.password }),
    application_name: 'kvstore',
    // A write waits this long for the log's lock before UNAVAILABLE; a session idle inside a transaction
    // this long (a frozen node holding the lock) is ended by the server, which releases the lock.
    lock_timeout: url.timeoutMs,
    idle_in_transaction_session_timeout: url.timeoutMs,
    // Without these a connect or a query to a server that stopped answering waits for ever: pg has no
    // deadline of its own, and an append waiting on it would never settle. On expiry pg fails the query;
    // the log then drops the connection (see dropWriter, withPoolClient).
    connectionTimeoutMillis: deadline,
    query_timeout: deadline,
    // An idle connection to a host that vanished is found broken by the kernel rather than at next use.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/** pg's own messages for a connection that broke, was closed, or went unanswered past a deadline. */
const PG_CONNECTION_MESSAGE =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|Query read timeout|timeout expired|timeout exceeded when trying to connect)/;

/**
 * The connection failed rather than the statement: the server ended it (SQLSTATE class 57P: terminated by
 * an administrator, a crash, a shutdown), it could not be made (class 08, 53300 too many connections, a
 * socket error such as ECONNREFUSED), or it broke or went unanswered past its deadline (pg's messages).
 * What was sent may be retried once PostgreSQL answers again.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code))
      return code.startsWith('08') || code.startsWith('57P') || code === '53300';
    return code.startsWith('E');
  }
  return PG_CONNECTION_MESSAGE.test(err.message);
}

/**
 * Runs `task` on a client checked out of `pool`. While checked out, a pool client has no 'error' listener:
 * a connection the server ends between two statements (pg_terminate_backend, idle_in_transaction timeout)
 * would throw its error out of the socket's handler, uncaught. The client goes back to the pool only if it
 * is known sound; after any failure it is discarded.
 */
export async function withPoolClient<T>(pool: Pool, task: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broke: Error | undefined;
  const onError = (err: Error) => {
    broke ??= err;
  };
  client.on('error', onError);
  try {
    const result = await task(client);
    client.removeListener('error', onError);
    client.release(broke);
    return result;
  } catch (err) {
    client.removeListener('error', onError);
    client.release(broke ?? (err as Error));
    throw err;
  }
}

/** The failure is a deadline of pg's expiring (connect or query unanswered), not an answer from the server. */
export function isUnanswered(err: unknown): boolean {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code !== 'string' &&
    /timeout/i.test(err.message)
  );
}

interface WithSocket {
  readonly connection?: { readonly stream?: { destroy(): void } };
}

/**
 * Ends a client's connection, waiting at most `ms` for the server's goodbye: pg's end() waits for the socket
 * to close, which a server that stopped answering never does; then the socket is cut.
 */
export async function endClient(client: pg.Client, ms: number): Promise<void> {
  await bounded(client.end(), ms, () => (client as unknown as WithSocket).connection?.stream?.destroy());
}

/** Ends a pool (see endClient): its connections that have not closed after `ms` are cut. */
export async function endPool(pool: Pool, ms: number): Promise<void> {
  // pg-pool keeps its connections in _clients (pg-pool 3; nothing public reaches them), and forgets them as
  // soon as it asks them to end: take the list first.
  const clients = [...((pool as unknown as { _clients?: WithSocket[] })._clients ?? [])];
  await bounded(pool.end(), ms, () => {
    for (const client of clients) client.connection?.stream?.destroy();
  });
}

async function bounded(work: Promise<unknown>, ms: number, onExpiry: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onExpiry();
      resolve();
    }, ms);
  });
  try {
    await Promise.race([work.catch(() => {}), expired]);
  } finally {
    clearTimeout(timer);
  }
}
