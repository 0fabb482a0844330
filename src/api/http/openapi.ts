import { VERSION } from '../../version.js';

/**
 * The OpenAPI 3 document of the JSON API, served at /v1/openapi.json. Written by hand, checked against the
 * routes by test/http/openapi.test.ts (a route missing here, or documented and missing, fails it).
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const ok = (name: string, description = 'OK') => ({ description, content: json(ref(name)) });
const errors = {
  '400': { $ref: '#/components/responses/Error' },
  '413': { $ref: '#/components/responses/Error' },
  '429': { $ref: '#/components/responses/Error' },
  '503': { $ref: '#/components/responses/Error' },
};
const q = (name: string, type: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  schema: { type },
  description,
});
const span = [
  q('prefix', 'string', 'keys that start with this prefix ("" = every key)'),
  q('start', 'string', 'range [start, end): keys >= start'),
  q('end', 'string', 'range [start, end): keys < end ("" = no upper bound)'),
  q('pattern', 'string', 'glob over "/" segments: * one segment, ** any number'),
];
const keyParam = {
  name: 'key',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'the key, percent-encoded; "/" may stay as it is',
};
const conditions = [
  q(
    'if-mod-revision',
    'integer',
    'write only if the key has this mod_revision (also as a header, or If-Match: "N")',
  ),
  q('if-version', 'integer', 'write only if the key has this version (also as a header)'),
  q('if-absent', 'boolean', 'write only if the key does not exist (also If-None-Match: *)'),
  q('if-value', 'string', 'write only if the key holds exactly this UTF-8 value'),
];
const serializable = q(
  'serializable',
  'boolean',
  'answer from this node at once (may be stale in a cluster)',
);
const body = (name: string) => ({ required: true, content: json(ref(name)) });

export const OPENAPI = {
  openapi: '3.0.3',
  info: {
    title: 'kvstore JSON API',
    version: VERSION,
    description:
      'The kvstore.v1 operations over HTTP/JSON. Values are UTF-8 text when valid UTF-8, otherwise base64 ' +
      'with "encoding": "base64". Errors are {code, message, details} with code a gRPC status name.',
  },
  paths: {
    '/v1/kv/{key}': {
      parameters: [keyParam],
      get: {
        operationId: 'Get',
        summary: 'Read a key (JSON; raw bytes with ?raw or Accept: application/octet-stream)',
        parameters: [serializable, q('raw', 'boolean', 'answer the value bytes alone')],
        responses: {
          '200': {
            description: 'the key; ETag is its mod_revision',
            content: {
              ...json(ref('GetResponse')),
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
          '304': { description: 'If-None-Match names its ETag' },
          '404': { $ref: '#/components/responses/Error' },
          ...errors,
        },
      },
      put: {
        operationId: 'Set',
        summary:
          'Write a key: the raw body is the value, or a JSON body {value, encoding?, ttl_ms?, condition?}',
        parameters: [
          q('ttl', 'string', 'time to live: 30s, 5m, 1h (a bare number is seconds)'),
          q('ttl_ms', 'integer', 'time to live in milliseconds'),
          ...conditions,
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: ref('SetBody') },
            'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
          },
        },
        responses: { '200': ok('SetResponse'), '412': { $ref: '#/components/responses/Error' }, ...errors },
      },
      delete: {
        operationId: 'Delete',
        summary: 'Delete a key',
        parameters: conditions,
        responses: {
          '200': ok('DeleteResponse'),
          '412': { $ref: '#/components/responses/Error' },
          ...errors,
        },
      },
    },
    '/v1/kv': {
      get: {
        operationId: 'List',
        summary: 'List keys by prefix, range or pattern, a page at a time (Link: rel="next")',
        parameters: [
          ...span,
          q('limit', 'integer', 'most keys in this page (0 = the server default)'),
          q('page_token', 'string', 'next_page_token of the previous page'),
          q('keys_only', 'boolean', 'leave values out'),
          q('count', 'boolean', 'also count every key in the span'),
          serializable,
        ],
        responses: { '200': ok('ListResponse'), ...errors },
      },
    },
    '/v1/get-many': {
      post: {
        operationId: 'GetMany',
        summary: 'Read many keys at one revision',
        requestBody: body('GetManyBody'),
        responses: { '200': ok('GetManyResponse'), ...errors },
      },
    },
    '/v1/set-many': {
      post: {
        operationId: 'SetMany',
        summary: 'Write many keys in one revision',
        requestBody: body('SetManyBody'),
        responses: { '200': ok('SetManyResponse'), ...errors },
      },
    },
    '/v1/delete-many': {
      post: {
        operationId: 'DeleteMany',
        summary: 'Delete many keys in one revision',
        requestBody: body('KeysBody'),
        responses: { '200': ok('DeleteManyResponse'), ...errors },
      },
    },
    '/v1/delete-range': {
      post: {
        operationId: 'DeleteRange',
        summary: 'Delete the keys of a prefix, range or pattern',
        requestBody: body('DeleteRangeBody'),
        responses: { '200': ok('DeleteRangeResponse'), ...errors },
      },
    },
    '/v1/txn': {
      post: {
        operationId: 'Txn',
        summary: 'If every compare holds, run success, else failure, in one revision',
        requestBody: body('TxnBody'),
        responses: { '200': ok('TxnResponse'), ...errors },
      },
    },
    '/v1/status': {
      get: {
        operationId: 'Status',
        summary: 'The server and its store',
        responses: { '200': ok('StatusResponse'), ...errors },
      },
    },
    '/v1/compact': {
      post: {
        operationId: 'Compact',
        summary: 'Drop the history before a revision',
        requestBody: body('CompactBody'),
        responses: { '200': ok('CompactResponse'), ...errors },
      },
    },
    '/v1/hash-kv': {
      get: {
        operationId: 'HashKV',
        summary: 'Hash of the state at a revision (0 = now), to compare nodes',
        parameters: [q('revision', 'integer', 'the revision (0 = now)')],
        responses: { '200': ok('HashKVResponse'), ...errors },
      },
    },
    '/v1/backup': {
      get: {
        operationId: 'Backup',
        summary: 'A backup file, as `kvstore backup` writes it',
        parameters: [q('from_revision', 'integer', '0 = full; R = the records from R on')],
        responses: {
          '200': {
            description: 'the backup',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          ...errors,
        },
      },
    },
    '/v1/watch': {
      get: {
        operationId: 'Watch',
        summary:
          'Changes as Server-Sent Events: one message per revision, id = revision; resume with Last-Event-ID; ' +
          'event: progress, event: compacted, event: end; ": heartbeat" comments',
        parameters: [
          q('key', 'string', 'one key'),
          ...span,
          q('from_revision', 'integer', 'first revision (0 = from now)'),
          q('last_event_id', 'string', 'as the Last-Event-ID header: resume after this revision'),
          q('prev_kv', 'boolean', 'include each key as it was before the change'),
          q('no_put', 'boolean', 'leave puts out'),
          q('no_delete', 'boolean', 'leave deletes and expiries out'),
          q('progress_interval_ms', 'integer', 'progress events when idle (0 = server default)'),
        ],
        responses: {
          '200': {
            description: 'the event stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/v1/whoami': {
      get: {
        operationId: 'WhoAmI',
        summary:
          'Who the caller is (principal, how it authenticated, roles) and what it may do; { principal: null, auth: "off" } with authentication off',
        responses: { '200': ok('WhoAmIResponse'), ...errors },
      },
    },
    '/v1/openapi.json': {
      get: {
        operationId: 'OpenApi',
        summary: 'This document',
        responses: { '200': { description: 'OpenAPI 3', content: json({ type: 'object' }) } },
      },
    },
  },
  components: {
    responses: { Error: { description: 'an error', content: json(ref('Error')) } },
    schemas: {
      Error: {
        type: 'object',
        properties: {
          code: { type: 'string', example: 'FAILED_PRECONDITION' },
          message: { type: 'string' },
          details: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
      Header: { type: 'object', properties: { revision: { type: 'integer' } } },
      WhoAmIResponse: {
        type: 'object',
        required: ['principal', 'auth'],
        properties: {
          principal: { type: 'string', nullable: true, description: 'null with authentication off' },
          auth: { type: 'string', enum: ['on', 'off'] },
          via: { type: 'string', enum: ['api-key', 'jwt', 'client-cert'] },
          roles: { type: 'array', items: { type: 'string' } },
          unknown_roles: {
            type: 'array',
            items: { type: 'string' },
            description: 'roles the caller carries that this server does not define (they grant nothing)',
          },
          grants: {
            type: 'object',
            properties: {
              read: { type: 'array', items: { type: 'string' }, description: 'key globs' },
              write: { type: 'array', items: { type: 'string' }, description: 'key globs' },
              admin: { type: 'boolean' },
              rate_limit: {
                type: 'object',
                nullable: true,
                properties: {
                  requests_per_second: { type: 'number', description: '0 = no limit' },
                  bytes_per_second: { type: 'number', description: '0 = no limit' },
                  burst: { type: 'number' },
                },
              },
              namespace: {
                type: 'string',
                nullable: true,
                description: 'the namespace its roles bind it to',
              },
            },
          },
        },
      },
      KeyValue: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          value: { type: 'string' },
          encoding: { type: 'string', enum: ['base64'], description: 'present when value is base64' },
          create_revision: { type: 'integer' },
          mod_revision: { type: 'integer' },
          version: { type: 'integer' },
          expires_at_ms: { type: 'integer', description: '0 = never' },
        },
      },
      Condition: {
        type: 'object',
        description: 'one of these',
        properties: {
          absent: { type: 'boolean' },
          version: { type: 'integer' },
          mod_revision: { type: 'integer' },
          value: { type: 'string' },
          encoding: { type: 'string' },
        },
      },
      SetBody: {
        type: 'object',
        properties: {
          value: { type: 'string' },
          encoding: { type: 'string', enum: ['utf-8', 'base64'] },
          ttl_ms: { type: 'integer' },
          condition: ref('Condition'),
        },
      },
      GetResponse: {
        type: 'object',
        properties: { header: ref('Header'), kv: ref('KeyValue'), found: { type: 'boolean' } },
      },
      SetResponse: { type: 'object', properties: { header: ref('Header'), kv: ref('KeyValue') } },
      DeleteResponse: { type: 'object', properties: { header: ref('Header'), deleted: { type: 'boolean' } } },
      ListResponse: {
        type: 'object',
        properties: {
          header: ref('Header'),
          kvs: { type: 'array', items: ref('KeyValue') },
          next_page_token: { type: 'string' },
          more: { type: 'boolean' },
          count: { type: 'integer' },
        },
      },
      GetManyBody: {
        type: 'object',
        properties: { keys: { type: 'array', items: { type: 'string' } }, serializable: { type: 'boolean' } },
      },
      GetManyResponse: {
        type: 'object',
        properties: { header: ref('Header'), results: { type: 'array', items: ref('GetResponse') } },
      },
      SetManyBody: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                key: { type: 'string' },
                value: { type: 'string' },
                encoding: { type: 'string' },
                ttl_ms: { type: 'integer' },
              },
            },
          },
        },
      },
      SetManyResponse: {
        type: 'object',
        properties: { header: ref('Header'), kvs: { type: 'array', items: ref('KeyValue') } },
      },
      KeysBody: { type: 'object', properties: { keys: { type: 'array', items: { type: 'string' } } } },
      DeleteManyResponse: {
        type: 'object',
        properties: { header: ref('Header'), deleted: { type: 'array', items: { type: 'string' } } },
      },
      DeleteRangeBody: {
        type: 'object',
        properties: {
          prefix: { type: 'string' },
          start: { type: 'string' },
          end: { type: 'string' },
          pattern: { type: 'string' },
          prev_kv: { type: 'boolean' },
        },
      },
      DeleteRangeResponse: {
        type: 'object',
        properties: {
          header: ref('Header'),
          deleted: { type: 'integer' },
          prev_kvs: { type: 'array', items: ref('KeyValue') },
        },
      },
      TxnBody: {
        type: 'object',
        properties: {
          compare: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                key: { type: 'string' },
                result: { type: 'string', enum: ['EQUAL', 'NOT_EQUAL', 'GREATER', 'LESS'] },
                version: { type: 'integer' },
                create_revision: { type: 'integer' },
                mod_revision: { type: 'integer' },
                value: { type: 'string' },
              },
            },
          },
          success: {
            type: 'array',
            items: { type: 'object', description: 'one of get, range, set, delete, delete_range' },
          },
          failure: { type: 'array', items: { type: 'object' } },
        },
      },
      TxnResponse: {
        type: 'object',
        properties: {
          header: ref('Header'),
          succeeded: { type: 'boolean' },
          responses: { type: 'array', items: { type: 'object' } },
        },
      },
      StatusResponse: {
        type: 'object',
        properties: {
          header: ref('Header'),
          version: { type: 'string' },
          keys: { type: 'integer' },
          compact_revision: { type: 'integer' },
        },
      },
      CompactBody: { type: 'object', properties: { revision: { type: 'integer' } } },
      CompactResponse: {
        type: 'object',
        properties: {
          header: ref('Header'),
          compact_revision: { type: 'integer' },
          removed: { type: 'integer' },
        },
      },
      HashKVResponse: {
        type: 'object',
        properties: {
          header: ref('Header'),
          hash: { type: 'string' },
          hash_revision: { type: 'integer' },
          keys: { type: 'integer' },
          compact_revision: { type: 'integer' },
        },
      },
    },
  },
} as const;
