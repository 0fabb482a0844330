import { describe, expect, it } from 'vitest';
import { parseNamespaces } from '../../src/security/namespaces.js';
import { checkRolesKnown, parseRoles } from '../../src/security/roles.js';
import { AccessControl } from '../../src/service/access.js';
import { ServiceError } from '../../src/service/errors.js';
import { NamespaceKeys } from '../../src/service/namespace-keys.js';

/** The roles file's `namespaces:` and `namespace:` fields, and the key translation of a namespace. */
const where = 'roles.yaml';

describe('namespaces in the roles file', () => {
  it('defaults the prefix to ns/<name>/ and reads quotas in keys and sizes', () => {
    const table = parseNamespaces(
      { acme: { prefix: 'tenants/acme/', quota: { keys: 100, bytes: '1MiB' } }, globex: null },
      where,
    );
    expect(table.get('acme')).toEqual({
      name: 'acme',
      prefix: 'tenants/acme/',
      quota: { keys: 100, bytes: 1024 * 1024 },
    });
    expect(table.get('globex')).toEqual({ name: 'globex', prefix: 'ns/globex/', quota: {} });
  });

  it('refuses bad prefixes, nested prefixes and bad quotas, naming the namespace and the field', () => {
    expect(() => parseNamespaces({ a: { prefix: 'tenants/a' } }, where)).toThrow(
      'roles.yaml: namespace "a": prefix must end with "/"',
    );
    expect(() => parseNamespaces({ a: { prefix: 'x/*/' } }, where)).toThrow(/no "\*"/);
    expect(() => parseNamespaces({ a: { prefix: 't/' }, b: { prefix: 't/b/' } }, where)).toThrow(
      'roles.yaml: namespace "b": prefix "t/b/" overlaps namespace "a"\'s "t/"',
    );
    expect(() => parseNamespaces({ a: { quota: { keys: -1 } } }, where)).toThrow(
      'roles.yaml: namespace "a": quota.keys: expected a whole number >= 0',
    );
    expect(() => parseNamespaces({ a: { quota: { bytes: 'lots' } } }, where)).toThrow(/quota.bytes/);
    expect(() => parseNamespaces({ a: { quota: { values: 1 } } }, where)).toThrow(/unknown field values/);
  });

  it('binds roles to defined namespaces only, and never an admin role', () => {
    const roles = parseRoles(
      { namespaces: { acme: {} }, roles: { t: { namespace: 'acme', read: ['**'] } } },
      where,
    );
    expect(roles.get('t')?.namespace?.prefix).toBe('ns/acme/');
    expect(() =>
      parseRoles({ namespaces: { acme: {} }, roles: { t: { namespace: 'other' } } }, where),
    ).toThrow('roles.yaml: role "t": namespace "other" is not defined under "namespaces:"');
    expect(() =>
      parseRoles({ namespaces: { acme: {} }, roles: { t: { namespace: 'acme', admin: true } } }, where),
    ).toThrow('roles.yaml: role "t": is bound to namespace "acme" and cannot be admin');
  });

  it('refuses at load an API key whose roles bind it to two namespaces', () => {
    const roles = parseRoles(
      { namespaces: { a: {}, b: {} }, roles: { ra: { namespace: 'a' }, rb: { namespace: 'b' } } },
      where,
    );
    checkRolesKnown(roles, ['ra', 'readonly'], 'key "k"');
    expect(() => checkRolesKnown(roles, ['ra', 'rb'], 'key "k"')).toThrow(
      'key "k": its roles bind it to 2 namespaces ("ra": a, "rb": b); a principal may belong to one namespace',
    );
  });

  it('resolves a principal to a namespaced access whose grants name its own keys', () => {
    const roles = parseRoles(
      {
        namespaces: { acme: { prefix: 'tenants/acme/' }, globex: {} },
        roles: { a: { namespace: 'acme', read: ['app/**'] }, g: { namespace: 'globex' } },
      },
      where,
    );
    const control = new AccessControl(roles);
    const access = control.accessOf({ name: 'p', roles: ['a'], via: 'api-key' });
    expect(access.namespace?.prefix).toBe('tenants/acme/');
    access.checkKey('read', 'tenants/acme/app/x');
    access.checkSelector('read', { kind: 'prefix', prefix: 'tenants/acme/app/' });
    expect(() => access.checkKey('read', 'tenants/acme/other')).toThrow(
      'principal "p" may not read key "other"',
    );
    expect(() => access.checkKey('read', 'elsewhere')).toThrow(/bound to namespace "acme"/);
    expect(() => access.checkAdmin('Backup')).toThrow(ServiceError);
    const both = control.accessOf({ name: 'q', roles: ['a', 'g'], via: 'api-key' });
    expect(() => both.checkKey('read', 'tenants/acme/app/x')).toThrow(/two namespaces, "acme"/);
  });
});

describe('the key translation of a namespace', () => {
  const ns = new NamespaceKeys({ name: 'acme', prefix: 't/acme/', quota: {} });
  const span = { prefix: '', start: '', end: '' };

  it('bounds every span to the prefix', () => {
    expect(ns.span(span)).toMatchObject({ prefix: 't/acme/' });
    expect(ns.span({ ...span, start: 'b' })).toMatchObject({ start: 't/acme/b', end: 't/acme0' });
    expect(ns.span({ ...span, start: 'b', end: 'c' })).toMatchObject({ start: 't/acme/b', end: 't/acme/c' });
    expect(ns.span({ ...span, pattern: 'app/*' })).toMatchObject({ pattern: 't/acme/app/*' });
    // The checks see the tenant's own span again, and nothing beyond the prefix.
    expect(ns.tenantSelector({ kind: 'range', start: 't/acme/b', end: 't/acme0' })).toEqual({
      kind: 'range',
      start: 'b',
      end: null,
    });
    expect(ns.tenantSelector({ kind: 'range', start: 't/acme/b', end: null })).toBeNull();
    expect(ns.tenantSelector({ kind: 'prefix', prefix: 't/' })).toBeNull();
  });

  it("maps etcd's \\0 range ends to the namespace's end", () => {
    const all = ns.etcdRange(Buffer.from([0]), Buffer.from([0]));
    expect([all.key.toString(), all.range_end.toString()]).toEqual(['t/acme/', 't/acme0']);
    const from = ns.etcdRange(Buffer.from('k'), Buffer.from([0]));
    expect([from.key.toString(), from.range_end.toString()]).toEqual(['t/acme/k', 't/acme0']);
    expect(ns.etcdStrip(Buffer.from('t/acme/k')).toString()).toBe('k');
    expect(ns.pageTokenOut(ns.pageTokenIn(Buffer.from('kx').toString('base64url')))).toBe(
      Buffer.from('kx').toString('base64url'),
    );
  });
});
