import type {
  CompareInput,
  ConditionInput,
  DeleteRangeInput,
  RangeOpInput,
  RequestOpInput,
  SetInput,
  SpanInput,
  TxnInput,
} from '../../service/types.js';
import { InvalidArgumentError } from '../../store/errors.js';
import { JsonReader } from './json-values.js';

/**
 * Request bodies of the JSON API as the service's inputs. The field names are kvstore.v1's (the proto's
 * JSON form); a oneof is told by which of its fields is present, as proto3 JSON does.
 */

const CONDITIONS = ['absent', 'version', 'mod_revision', 'value'] as const;

/** `{"mod_revision": 5}`, `{"version": 2}`, `{"absent": true}` or `{"value": "...", "encoding"?}`. */
export function conditionJson(j: JsonReader): ConditionInput {
  const present = CONDITIONS.filter((name) => j.has(name));
  if (present.length !== 1)
    throw new InvalidArgumentError(j.path, 'must hold exactly one of absent, version, mod_revision, value');
  switch (present[0]!) {
    case 'absent':
      return { condition: 'absent', absent: j.bool('absent') };
    case 'version':
      return { condition: 'version', version: j.int('version') };
    case 'mod_revision':
      return { condition: 'mod_revision', mod_revision: j.int('mod_revision') };
    case 'value':
      return { condition: 'value', value: j.bytes('value') };
  }
}

export function spanJson(j: JsonReader): SpanInput {
  return {
    prefix: j.string('prefix'),
    start: j.string('start'),
    end: j.string('end'),
    pattern: j.string('pattern'),
  };
}

export function deleteRangeJson(j: JsonReader): DeleteRangeInput {
  return { ...spanJson(j), prev_kv: j.bool('prev_kv') };
}

/** `{key, value, encoding?, ttl_ms?, condition?}`. */
export function setJson(j: JsonReader): SetInput {
  const condition = j.object('condition');
  return {
    key: j.string('key'),
    value: j.bytes('value'),
    ttl_ms: j.optionalInt('ttl_ms'),
    condition: condition && conditionJson(condition),
  };
}

const TARGETS = ['version', 'create_revision', 'mod_revision', 'value'] as const;

function compareJson(j: JsonReader): CompareInput {
  let target = j.string('target') as CompareInput['target'] | '';
  if (target === '') {
    const present = TARGETS.filter((name) => j.has(name));
    if (present.length > 1)
      throw new InvalidArgumentError(j.path, `names ${present.join(' and ')}; compare one target`);
    target = present[0] ?? '';
  } else if (!TARGETS.includes(target as (typeof TARGETS)[number])) {
    throw new InvalidArgumentError(
      j.field('target'),
      `is "${target}"; must be version, create_revision, mod_revision or value`,
    );
  }
  return {
    key: j.string('key'),
    result: j.string('result', 'EQUAL').toUpperCase(),
    target: target === '' ? undefined : target,
    version: j.optionalInt('version'),
    create_revision: j.optionalInt('create_revision'),
    mod_revision: j.optionalInt('mod_revision'),
    value: j.has('value') ? j.bytes('value') : undefined,
  };
}

const OPS = ['get', 'range', 'set', 'delete', 'delete_range'] as const;

function opJson(j: JsonReader): RequestOpInput {
  const present = OPS.filter((name) => j.has(name));
  if (present.length > 1)
    throw new InvalidArgumentError(j.path, `holds ${present.join(' and ')}; one operation per entry`);
  const name = present[0];
  const inner = name ? j.object(name)! : null;
  switch (name) {
    case 'get':
      return { request: 'get', get: { key: inner!.string('key') } };
    case 'range': {
      const range: RangeOpInput = {
        ...spanJson(inner!),
        limit: inner!.int('limit'),
        keys_only: inner!.bool('keys_only'),
      };
      return { request: 'range', range };
    }
    case 'set':
      return { request: 'set', set: setJson(inner!) };
    case 'delete': {
      const condition = inner!.object('condition');
      return {
        request: 'delete',
        delete: { key: inner!.string('key'), condition: condition && conditionJson(condition) },
      };
    }
    case 'delete_range':
      return { request: 'delete_range', delete_range: deleteRangeJson(inner!) };
  }
  return {};
}

/** `{compare: [...], success: [...], failure: [...]}`. */
export function txnJson(j: JsonReader): TxnInput {
  const list = <T>(name: string, read: (r: JsonReader) => T) =>
    j.array(name).map((item, i) => read(JsonReader.of(item, `${name}[${i}]`)));
  return {
    compare: list('compare', compareJson),
    success: list('success', opJson),
    failure: list('failure', opJson),
  };
}
