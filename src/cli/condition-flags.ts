import type { Condition } from '../api/generated/kvstore/v1/Condition.js';
import type { CommandContext } from './command.js';
import { stringFlag } from './command.js';
import { usage } from './exit-codes.js';

/** The --if-* flags shared by set and del. */
export const CONDITION_FLAGS = {
  'if-absent': { type: 'boolean' },
  'if-version': { type: 'string' },
  'if-mod-revision': { type: 'string' },
  'if-value': { type: 'string' },
} as const;

/** Help lines for {@link CONDITION_FLAGS}. */
export const CONDITION_HELP = `    --if-absent            only if the key does not exist
    --if-version N         only if the key's version is N (0: absent)
    --if-mod-revision R    only if the key was last written at revision R (0: absent)
    --if-value V           only if the key's value is exactly V
        When the condition does not hold nothing is written; the exit status is 4 and standard error
        names the key's current mod_revision and version.`;

/** The wire condition the flags ask for (at most one), or undefined. */
export function conditionFromFlags(ctx: CommandContext, command: string): Condition | undefined {
  const given: Condition[] = [];
  if (ctx.values['if-absent'] === true) given.push({ absent: true });
  const version = stringFlag(ctx, 'if-version');
  if (version !== undefined) given.push({ version: wholeNumber(version, '--if-version', command) });
  const mod = stringFlag(ctx, 'if-mod-revision');
  if (mod !== undefined) given.push({ mod_revision: wholeNumber(mod, '--if-mod-revision', command) });
  const value = stringFlag(ctx, 'if-value');
  if (value !== undefined) given.push({ value: Buffer.from(value, 'utf8') });
  if (given.length > 1)
    throw usage('give at most one of --if-absent, --if-version, --if-mod-revision, --if-value', command);
  return given[0];
}

function wholeNumber(text: string, flag: string, command: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw usage(`${flag}: "${text}" is not a whole number >= 0`, command);
  return n;
}
