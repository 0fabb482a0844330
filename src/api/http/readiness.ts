/** One condition of readiness: null when it holds, otherwise the reason it does not. */
export type ReadinessCheck = () => string | null;

/** What /readyz answers. */
export interface ReadinessReport {
  readonly ready: boolean;
  /** Why not, one line per failed condition; empty when ready. */
  readonly reasons: readonly string[];
}

type Phase =
  | { readonly kind: 'starting'; readonly detail: string }
  | { readonly kind: 'serving' }
  | { readonly kind: 'stopping' };

/**
 * Whether this server should receive traffic. It is not ready while it starts (the log is opened and the
 * projections catch up from the checkpoint and the log), not ready once shutdown begins (so that load
 * balancers drain it before the gRPC listener stops), and while serving it is ready only when every
 * registered check holds (log writable, projections at the log's head, NATS connected where required).
 */
export class Readiness {
  private phase: Phase = { kind: 'starting', detail: 'starting' };
  private readonly checks: ReadinessCheck[] = [];

  /** Start-up progress, shown as the reason while starting. */
  starting(detail: string): void {
    if (this.phase.kind === 'starting') this.phase = { kind: 'starting', detail };
  }

  /** Start-up is over: from now on the checks decide. */
  serving(): void {
    if (this.phase.kind === 'starting') this.phase = { kind: 'serving' };
  }

  /** Shutdown has begun; never ready again. */
  stopping(): void {
    this.phase = { kind: 'stopping' };
  }

  /** Adds a condition evaluated on every /readyz while serving. */
  addCheck(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  /** Evaluates readiness now. */
  report(): ReadinessReport {
    if (this.phase.kind === 'starting') return { ready: false, reasons: [this.phase.detail] };
    if (this.phase.kind === 'stopping') return { ready: false, reasons: ['shutting down'] };
    const reasons: string[] = [];
    for (const check of this.checks) {
      const reason = check();
      if (reason !== null) reasons.push(reason);
    }
    return { ready: reasons.length === 0, reasons };
  }
}
