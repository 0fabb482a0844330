import type { ParseArgsConfig } from 'node:util';
import type { ClientOptions } from './client.js';

/** Options every command accepts. */
export interface GlobalOptions extends ClientOptions {
  readonly json: boolean;
}

/** What a command receives: its positional arguments, its parsed flags, the global options. */
export interface CommandContext {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly global: GlobalOptions;
  /** Ends a long-running command (watch) early: the shell's Ctrl-C. Without it, SIGINT and SIGTERM do. */
  readonly signal?: AbortSignal;
  /** Standard input's contents when the caller already holds them (the shell's multi-line txn). */
  readonly input?: Buffer;
}

/** One `kvstore` subcommand. */
export interface Command {
  readonly name: string;
  /** One line for `kvstore --help`. */
  readonly summary: string;
  /** The full `kvstore NAME --help` text. */
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Runs the command; resolves with the exit code. */
  run(ctx: CommandContext): Promise<number>;
}

/** A string flag as a value, or undefined. */
export function stringFlag(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
}
