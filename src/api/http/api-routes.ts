import type { AdminOperations } from '../../service/admin-operations.js';
import { ServiceError } from '../../service/errors.js';
import type { KvOperations } from '../../service/kv-operations.js';
import type { ListInput } from '../../service/types.js';
import { InvalidArgumentError } from '../../store/errors.js';
import { conditionJson, deleteRangeJson, setJson, txnJson } from './api-json.js';
import type { ApiRequest } from './api-request.js';
import { JsonReader } from './json-values.js';

/** What a route answers: JSON (the default), raw bytes, or nothing when it wrote the response itself. */
export interface Reply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly raw?: Buffer;
}

/** One route of the JSON API. `path` is in OpenAPI form; `{key}` takes the rest of the path. */
export interface Route {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  /** The operation's name: metrics label (`http/<operation>`) and OpenAPI operationId. */
  readonly operation: string;
  handle(request: ApiRequest): Reply | null | Promise<Reply | null>;
}

/** What the routes serve from. */
export interface RouteDeps {
  readonly kv: KvOperations;
  readonly admin: AdminOperations;
}

const etag = (modRevision: number) => `"${modRevision}"`;

/** The unary routes of /v1 (watch, backup and the OpenAPI document are added by the API). */
export function kvRoutes({ kv, admin }: RouteDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/kv/{key}',
      operation: 'Get',
      async handle(r) {
        const out = await kv.get({ key: r.key, serializable: r.bool('serializable') }, r.access);
        if (!out.found || out.kv === null) {
          throw new ServiceError('NOT_FOUND', `key: "${r.key}" does not exist`, {
            field: 'key',
            revision: String(out.header.revision),
          });
        }
        const entry = out.kv;
        const headers = {
          etag: etag(entry.mod_revision),
          'x-kv-revision': String(out.header.revision),
          'x-kv-create-revision': String(entry.create_revision),
          'x-kv-mod-revision': String(entry.mod_revision),
          'x-kv-version': String(entry.version),
          'x-kv-expires-at-ms': String(entry.expires_at_ms),
        };
        const noneMatch = r.req.headers['if-none-match'];
        if (noneMatch?.split(',').some((t) => t.trim() === headers.etag)) {
          return { status: 304, headers };
        }
        const accept = r.req.headers.accept ?? '';
        if (r.bool('raw') || (accept.startsWith('application/octet-stream') && !accept.includes('json'))) {
          return { headers, raw: entry.value };
        }
        return { headers, json: out };
      },
    },
    {
      method: 'PUT',
      path: '/v1/kv/{key}',
      operation: 'Set',
      async handle(r) {
        let condition = r.condition();
        let ttlMs = r.ttlMs();
        let value: Buffer;
        if (r.isJson()) {
          const j = await r.json();
          if (j.has('key') && j.string('key') !== r.key)
            throw new InvalidArgumentError(
              'key',
              'differs from the key in the path (leave it out of the body)',
            );
          value = j.bytes('value');
          const c = j.object('condition');
          if (c) {
            if (condition)
              throw new InvalidArgumentError('condition', 'is in both the body and the query or headers');
            condition = conditionJson(c);
          }
          if (j.has('ttl_ms')) ttlMs = j.int('ttl_ms');
        } else {
          value = await r.body();
        }
        const out = await kv.set({ key: r.key, value, ttl_ms: ttlMs, condition }, r.access);
        return { headers: { etag: etag(out.kv.mod_revision) }, json: out };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/kv/{key}',
      operation: 'Delete',
      async handle(r) {
        return { json: await kv.delete({ key: r.key, condition: r.condition() }, r.access) };
      },
    },
    {
      method: 'GET',
      path: '/v1/kv',
      operation: 'List',
      async handle(r) {
        const input: ListInput = {
          prefix: r.string('prefix'),
          start: r.string('start'),
          end: r.string('end'),
          pattern: r.string('pattern'),
          limit: r.int('limit'),
          page_token: r.string('page_token'),
          keys_only: r.bool('keys_only'),
          count: r.bool('count'),
          serializable: r.bool('serializable'),
        };
        const out = await kv.list(input, r.access);
        const headers: Record<string, string> = {};
        if (out.more) {
          const next = new URL(r.url.toString());
          next.searchParams.set('page_token', out.next_page_token);
          headers.link = `<${next.pathname}${next.search}>; rel="next"`;
        }
        return { headers, json: out };
      },
    },
    {
      method: 'POST',
      path: '/v1/get-many',
      operation: 'GetMany',
      async handle(r) {
        const j = await r.json();
        return {
          json: await kv.getMany({ keys: j.strings('keys'), serializable: j.bool('serializable') }, r.access),
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/set-many',
      operation: 'SetMany',
      async handle(r) {
        const j = await r.json();
        const items = j.array('items').map((item, i) => {
          const s = setJson(JsonReader.of(item, `items[${i}]`));
          if (s.condition)
            throw new InvalidArgumentError(`items[${i}].condition`, 'is not allowed in set-many');
          return { key: s.key, value: s.value, ttl_ms: s.ttl_ms };
        });
        return { json: await kv.setMany(items, r.access) };
      },
    },
    {
      method: 'POST',
      path: '/v1/delete-many',
      operation: 'DeleteMany',
      async handle(r) {
        return { json: await kv.deleteMany((await r.json()).strings('keys'), r.access) };
      },
    },
    {
      method: 'POST',
      path: '/v1/delete-range',
      operation: 'DeleteRange',
      async handle(r) {
        return { json: await kv.deleteRange(deleteRangeJson(await r.json()), r.access) };
      },
    },
    {
      method: 'POST',
      path: '/v1/txn',
      operation: 'Txn',
      async handle(r) {
        return { json: await kv.txn(txnJson(await r.json()), r.access) };
      },
    },
    {
      method: 'GET',
      path: '/v1/status',
      operation: 'Status',
      async handle(r) {
        return { json: await admin.status(r.access) };
      },
    },
    {
      method: 'POST',
      path: '/v1/compact',
      operation: 'Compact',
      async handle(r) {
        return { json: await admin.compact((await r.json()).int('revision'), r.access) };
      },
    },
    {
      method: 'GET',
      path: '/v1/hash-kv',
      operation: 'HashKV',
      async handle(r) {
        return { json: await admin.hashKv(r.int('revision'), r.access) };
      },
    },
  ];
}
