import type { Compare } from '../api/generated/kvstore/v1/Compare.js';
import type { RequestOp } from '../api/generated/kvstore/v1/RequestOp.js';
import type { TxnRequest } from '../api/generated/kvstore/v1/TxnRequest.js';
import { parseDuration } from '../config/units.js';

/**
 * The `kvstore txn` input, one statement per line (# starts a comment; a word with spaces goes in JSON
 * double quotes):
 *
 *   if version(lock) == 0          compares: value|version|create|mod ( KEY ) ==|!=|>|< OPERAND
 *   then                           the success branch follows (optional when there are no compares)
 *   set lock me --ttl 30s
 *   get owner
 *   else                           the failure branch follows
 *   get lock
 *
 * Operations: set KEY VALUE [--ttl D], get KEY, del KEY, del --prefix P, del --pattern G,
 * list --prefix P | --pattern G | --start A [--end B] [--limit N].
 * The same, as JSON: {"compare":[{"target":"version","key":"lock","op":"==","operand":0}],
 * "success":[{"op":"set","key":"lock","value":"me"}], "failure":[{"op":"get","key":"lock"}]}.
 */
export class TxnSyntaxError extends Error {
  constructor(line: number, message: string) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.name = 'TxnSyntaxError';
  }
}

const TARGETS: Record<string, 'value' | 'version' | 'create_revision' | 'mod_revision'> = {
  value: 'value',
  version: 'version',
  create: 'create_revision',
  mod: 'mod_revision',
};
const OPS: Record<string, Compare['result']> = {
  '==': 'EQUAL',
  '=': 'EQUAL',
  '!=': 'NOT_EQUAL',
  '>': 'GREATER',
  '<': 'LESS',
};

/** Parses the line syntax or JSON (input starting with "{") into a TxnRequest. */
export function parseTxn(input: string): TxnRequest {
  return input.trimStart().startsWith('{') ? parseJson(input) : parseLines(input);
}

function parseLines(input: string): TxnRequest {
  const compare: Compare[] = [];
  const success: RequestOp[] = [];
  const failure: RequestOp[] = [];
  let branch: RequestOp[] | null = null;
  input.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const words = tokenize(raw.replace(/^\s*#.*$/, ''), n);
    if (words.length === 0) return;
    const [head, ...rest] = words as [string, ...string[]];
    if (head === 'if') {
      if (branch !== null) throw new TxnSyntaxError(n, '"if" must come before "then" and "else"');
      compare.push(parseCompare(rest.join(' '), n));
    } else if (head === 'then') {
      branch = success;
    } else if (head === 'else') {
      branch = failure;
    } else {
      if (branch === null) {
        if (compare.length > 0) throw new TxnSyntaxError(n, 'an operation after "if" needs "then" first');
        branch = success;
      }
      branch.push(parseOp(head, rest, n));
    }
  });
  return { compare, success, failure };
}

function parseCompare(text: string, n: number): Compare {
  const match = /^(value|version|create|mod)\((.+)\)\s*(==|=|!=|>|<)\s*(.+)$/.exec(text.trim());
  if (!match)
    throw new TxnSyntaxError(n, `"if ${text}" is not TARGET(KEY) OP OPERAND, e.g. if version(lock) == 0`);
  const [, target, key, op, operand] = match as unknown as [string, string, string, string, string];
  return compareOf(target, unquote(key, n), op, unquote(operand, n), n);
}

function compareOf(target: string, key: string, op: string, operand: string | number, n: number): Compare {
  const field = TARGETS[target];
  const result = OPS[op];
  if (!field) throw new TxnSyntaxError(n, `unknown compare target "${target}" (value, version, create, mod)`);
  if (!result) throw new TxnSyntaxError(n, `unknown compare operator "${op}" (==, !=, >, <)`);
  if (field === 'value') return { key, result, value: Buffer.from(String(operand), 'utf8') };
  const number = Number(operand);
  if (!Number.isInteger(number) || number < 0)
    throw new TxnSyntaxError(n, `"${operand}" is not a whole number`);
  return { key, result, [field]: number };
}

function parseOp(verb: string, args: string[], n: number): RequestOp {
  const flags = new Map<string, string>();
  const plain: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      if (i + 1 >= args.length) throw new TxnSyntaxError(n, `${a} needs a value`);
      flags.set(a.slice(2), args[++i]!);
    } else plain.push(a);
  }
  const known = (...names: string[]) => {
    for (const f of flags.keys())
      if (!names.includes(f)) throw new TxnSyntaxError(n, `${verb} does not take --${f}`);
  };
  const arity = (count: number, shape: string) => {
    if (plain.length !== count) throw new TxnSyntaxError(n, `expected "${shape}"`);
  };
  switch (verb) {
    case 'set': {
      known('ttl');
      arity(2, 'set KEY VALUE [--ttl D]');
      const ttl = flags.get('ttl');
      const ttlMs = ttl === undefined ? undefined : parseDuration(ttl, 's');
      if (ttl !== undefined && (ttlMs === null || ttlMs! <= 0))
        throw new TxnSyntaxError(n, `--ttl "${ttl}" is not a positive duration`);
      return {
        set: { key: plain[0]!, value: Buffer.from(plain[1]!, 'utf8'), ...(ttlMs ? { ttl_ms: ttlMs } : {}) },
      };
    }
    case 'get':
      known();
      arity(1, 'get KEY');
      return { get: { key: plain[0]! } };
    case 'del':
      known('prefix', 'pattern');
      if (flags.size > 0) {
        arity(0, 'del --prefix P | del --pattern G');
        return { delete_range: { prefix: flags.get('prefix') ?? '', pattern: flags.get('pattern') ?? '' } };
      }
      arity(1, 'del KEY');
      return { delete: { key: plain[0]! } };
    case 'list': {
      known('prefix', 'pattern', 'start', 'end', 'limit');
      arity(0, 'list --prefix P | --pattern G | --start A [--end B] [--limit N]');
      const limit = Number(flags.get('limit') ?? 0);
      if (!Number.isInteger(limit) || limit < 0)
        throw new TxnSyntaxError(n, `--limit "${flags.get('limit')}" is not a whole number`);
      return {
        range: {
          prefix: flags.get('prefix') ?? '',
          start: flags.get('start') ?? '',
          end: flags.get('end') ?? '',
          limit,
          ...(flags.get('pattern') ? { pattern: flags.get('pattern') } : {}),
        },
      };
    }
    default:
      throw new TxnSyntaxError(n, `unknown operation "${verb}" (set, get, del, list)`);
  }
}

/** Splits a line into words; "double quoted" words use JSON string syntax (the shell's lines too). */
export function tokenize(line: string, n: number): string[] {
  const words: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) words.push(unquote(m[1]!, n));
  return words;
}

function unquote(word: string, n: number): string {
  if (!word.startsWith('"')) return word;
  try {
    return JSON.parse(word) as string;
  } catch {
    throw new TxnSyntaxError(n, `bad quoted string ${word}`);
  }
}

interface JsonOp {
  op: string;
  key?: string;
  value?: string;
  ttl?: string;
  prefix?: string;
  pattern?: string;
  start?: string;
  end?: string;
  limit?: number;
}

function parseJson(input: string): TxnRequest {
  let doc: {
    compare?: { target: string; key: string; op: string; operand: string | number }[];
    success?: JsonOp[];
    failure?: JsonOp[];
  };
  try {
    doc = JSON.parse(input);
  } catch (err) {
    throw new TxnSyntaxError(0, `not valid JSON: ${(err as Error).message}`);
  }
  const op = (o: JsonOp): RequestOp => {
    const args: string[] = [];
    for (const name of ['prefix', 'pattern', 'start', 'end', 'limit', 'ttl'] as const) {
      if (o[name] !== undefined) args.push(`--${name}`, String(o[name]));
    }
    if (o.key !== undefined) args.unshift(o.key);
    if (o.value !== undefined) args.splice(1, 0, o.value);
    return parseOp(o.op, args, 0);
  };
  return {
    compare: (doc.compare ?? []).map((c) => compareOf(c.target, c.key, c.op, c.operand, 0)),
    success: (doc.success ?? []).map(op),
    failure: (doc.failure ?? []).map(op),
  };
}
