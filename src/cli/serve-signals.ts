import type { Logger } from 'pino';

/** What the signal handling needs of a running server. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * After in-flight calls had `shutdown.timeout`, the rest of the shutdown (the log's flush, the NATS
 * cursor, the checkpoint) gets this long before the process exits regardless.
 */
export const SHUTDOWN_GRACE_MS = 15_000;

/** Exit code of a shutdown that failed, did not finish in time, or was cut short by a second signal. */
export const EXIT_SHUTDOWN_FAILED = 1;

/** Signal handling of `kvstore serve`; see {@link handleSignals}. */
export interface SignalHandling {
  /** Hands over the started server; resolves with the exit code once it has shut down. */
  serve(server: Closable): Promise<number>;
}

/**
 * Installs the SIGTERM and SIGINT handlers at once, before start-up, so that no signal finds the process
 * without them (it would die without a shutdown). A signal during start-up is acted on once the server
 * serves. The shutdown is bounded: if the process has not ended `shutdownTimeoutMs` +
 * {@link SHUTDOWN_GRACE_MS} after it began, it logs so and exits with {@link EXIT_SHUTDOWN_FAILED}
 * (recovery then replays the log, as after a crash). A second signal exits at once, with the same code.
 */
export function handleSignals(logger: Logger, shutdownTimeoutMs: number): SignalHandling {
  let server: Closable | null = null;
  let signalled = false;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const shutDown = (running: Closable) => {
    const deadlineMs = shutdownTimeoutMs + SHUTDOWN_GRACE_MS;
    let code: number | null = null;
    setTimeout(() => {
      if (code === null) {
        logger.error(
          { deadlineMs },
          `shutdown did not finish within shutdown.timeout + ${SHUTDOWN_GRACE_MS / 1000} s; exiting with code ${EXIT_SHUTDOWN_FAILED}`,
        );
      } else {
        logger.warn({ deadlineMs }, 'shut down, but something kept the process alive; exiting');
      }
      logger.flush();
      process.exit(code ?? EXIT_SHUTDOWN_FAILED);
    }, deadlineMs).unref();
    const done = (exitCode: number) => {
      code = exitCode;
      finish(exitCode);
    };
    running.close().then(
      () => done(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        done(EXIT_SHUTDOWN_FAILED);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      logger.flush();
      process.exit(EXIT_SHUTDOWN_FAILED);
    }
    signalled = true;
    if (server) {
      logger.info({ signal }, 'signal received');
      shutDown(server);
    } else {
      logger.info({ signal }, 'signal received while starting; shutting down once started');
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  return {
    serve(running) {
      server = running;
      if (signalled) shutDown(running);
      return finished;
    },
  };
}
