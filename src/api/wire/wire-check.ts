import { invalidUtf8Offset } from '../../keys/utf8.js';
import { type FieldSchema, type MessageSchema, WireType } from './message-schema.js';

/**
 * A strict protobuf wire check, run on a request's bytes before protobufjs decodes them (protobufjs reads a
 * length past the end, an unknown wire type or a short body as whatever bytes happen to be there, and
 * replaces invalid UTF-8 with U+FFFD). A body passes only if it parses exactly: every tag and varint well
 * formed (at most 10 bytes), every length within its message, every declared field in the wire type of its
 * declared type (repeated scalars packed or not), strings valid UTF-8, nested messages likewise; unknown
 * fields are allowed, as protobuf says, if they are well formed; groups are refused.
 */

/** Why a body was refused: the field (a path like `success[1].set.key`, or `request`) and what is wrong. */
export interface WireViolation {
  readonly field: string;
  readonly detail: string;
}

/** Nesting deeper than this is refused (protobuf's own default recursion limit). */
const MAX_DEPTH = 100;

const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'group start', 'group end', '32-bit'];

/** Checks a whole message body against its schema; null when it parses exactly. */
export function checkWire(bytes: Uint8Array, schema: MessageSchema): WireViolation | null {
  const found = checkMessage(bytes, 0, bytes.length, schema, 1);
  return found && { field: found.path.length === 0 ? 'request' : found.path.join('.'), detail: found.detail };
}

/** A violation found inside a message, its path built up as the recursion unwinds. */
interface Found {
  path: string[];
  readonly detail: string;
}

// The varint reader's results; module state so that the hot loop allocates nothing.
let varintEnd = 0;
let varintValue = 0;

/** Reads a varint at `at`; returns an error text, or null with varintEnd/varintValue set. */
function readVarint(bytes: Uint8Array, at: number, end: number): string | null {
  let value = 0;
  let scale = 1;
  for (let i = at; i < end && i < at + 10; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) {
      if (i === at + 9 && b > 1) return `the varint at byte ${at} overflows 64 bits`;
      varintEnd = i + 1;
      varintValue = value;
      return null;
    }
  }
  return end - at >= 10
    ? `the varint at byte ${at} is longer than 10 bytes`
    : `the varint at byte ${at} is cut off by the end of the message`;
}

function checkMessage(
  bytes: Uint8Array,
  start: number,
  end: number,
  schema: MessageSchema,
  depth: number,
): Found | null {
  if (depth > MAX_DEPTH) return { path: [], detail: `messages nest deeper than ${MAX_DEPTH} levels` };
  let counts: Map<number, number> | null = null;
  let at = start;
  while (at < end) {
    const tagError = readVarint(bytes, at, end);
    if (tagError) return { path: [], detail: tagError };
    const tag = varintValue;
    const tagAt = at;
    at = varintEnd;
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    if (number === 0 || number > 0x1fffffff) {
      return {
        path: [],
        detail: `the tag at byte ${tagAt} has field number ${number} (must be 1 to 536870911)`,
      };
    }
    const field = schema.fields.get(number);
    if (wire === WireType.SGROUP || wire === WireType.EGROUP || wire > WireType.I32) {
      const what =
        wire > WireType.I32
          ? `wire type ${wire}, which does not exist`
          : `a group (wire type ${wire}), not accepted`;
      return {
        path: [],
        detail: `field ${number}${field ? ` (${field.name})` : ''} at byte ${tagAt} has ${what}`,
      };
    }
    let index = 0;
    if (field?.repeated) {
      counts ??= new Map();
      index = counts.get(number) ?? 0;
      counts.set(number, index + 1);
    }
    const found = field
      ? checkField(bytes, at, end, wire, field, depth)
      : skipUnknown(bytes, at, end, wire, number);
    if (found) {
      if (field) found.path.unshift(field.repeated ? `${field.name}[${index}]` : field.name);
      return found;
    }
    at = fieldEnd;
  }
  return null;
}

/** Where the field just checked ends (set by checkField and skipUnknown). */
let fieldEnd = 0;

function checkField(
  bytes: Uint8Array,
  at: number,
  end: number,
  wire: number,
  field: FieldSchema,
  depth: number,
): Found | null {
  if (wire === WireType.LEN && field.packable) return checkPacked(bytes, at, end, field);
  if (wire !== field.wire) {
    return {
      path: [],
      detail:
        `is declared ${field.typeName} but arrives as wire type ${wire} (${WIRE_NAMES[wire]}), ` +
        `not ${field.wire} (${WIRE_NAMES[field.wire]}), at byte ${at}`,
    };
  }
  const problem = skipValue(bytes, at, end, wire);
  if (problem) return { path: [], detail: problem };
  if (wire !== WireType.LEN) return null;
  const valueEnd = fieldEnd;
  const valueStart = valueEnd - varintValue;
  if (field.utf8) {
    const bad = invalidUtf8Offset(bytes, valueStart, valueEnd);
    if (bad !== -1) {
      return {
        path: [],
        detail:
          `is not valid UTF-8: byte ${bad} of the field (0x${bytes[valueStart + bad]!.toString(16).padStart(2, '0')}, ` +
          `byte ${valueStart + bad} of the message)`,
      };
    }
  } else if (field.message) {
    const found = checkMessage(bytes, valueStart, valueEnd, field.message(), depth + 1);
    fieldEnd = valueEnd;
    return found;
  }
  return null;
}

/** A packed repeated scalar: one length-delimited run of values, which must divide into whole values. */
function checkPacked(bytes: Uint8Array, at: number, end: number, field: FieldSchema): Found | null {
  const problem = skipValue(bytes, at, end, WireType.LEN);
  if (problem) return { path: [], detail: problem };
  const runEnd = fieldEnd;
  let i = runEnd - varintValue;
  if (field.wire === WireType.VARINT) {
    while (i < runEnd) {
      const error = readVarint(bytes, i, runEnd);
      if (error) return { path: [], detail: `(packed) ${error}` };
      i = varintEnd;
    }
  } else {
    const size = field.wire === WireType.I64 ? 8 : 4;
    if (varintValue % size !== 0) {
      return {
        path: [],
        detail: `(packed ${field.typeName}) is ${varintValue} bytes, not a multiple of ${size}`,
      };
    }
  }
  fieldEnd = runEnd;
  return null;
}

function skipUnknown(bytes: Uint8Array, at: number, end: number, wire: number, number: number): Found | null {
  const problem = skipValue(bytes, at, end, wire);
  return problem ? { path: [], detail: `unknown field ${number}: ${problem}` } : null;
}

/** Moves past one value of a wire type (sets fieldEnd; for LEN, varintValue is its length). */
function skipValue(bytes: Uint8Array, at: number, end: number, wire: number): string | null {
  switch (wire) {
    case WireType.VARINT: {
      const error = readVarint(bytes, at, end);
      fieldEnd = varintEnd;
      return error;
    }
    case WireType.I64:
    case WireType.I32: {
      const size = wire === WireType.I64 ? 8 : 4;
      if (end - at < size) return `its ${size}-byte value at byte ${at} is cut off by the end of the message`;
      fieldEnd = at + size;
      return null;
    }
    default: {
      const error = readVarint(bytes, at, end);
      if (error) return `its length: ${error}`;
      if (varintValue > end - varintEnd) {
        return `its length ${varintValue} at byte ${at} runs past the end of the message (${end - varintEnd} bytes left)`;
      }
      fieldEnd = varintEnd + varintValue;
      return null;
    }
  }
}
