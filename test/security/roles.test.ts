import { describe, expect, it } from 'vitest';
import { KeyGrants } from '../../src/security/key-grants.js';
import { BUILT_IN_ROLES, checkRolesKnown, parseRoles } from '../../src/security/roles.js';
import { AccessControl } from '../../src/service/access.js';
import { ServiceError } from '../../src/service/errors.js';

describe('key grants', () => {
  const app = new KeyGrants(['app/**']);

  it('a prefix grant covers the keys, prefixes and ranges inside it, and nothing that reaches outside', () => {
    expect(app.covers({ kind: 'key', key: 'app/x' })).toBe(true);
    expect(app.covers({ kind: 'key', key: 'app' })).toBe(false);
    expect(app.covers({ kind: 'key', key: 'apple' })).toBe(false);
    expect(app.covers({ kind: 'prefix', prefix: 'app/sub/' })).toBe(true);
    expect(app.covers({ kind: 'prefix', prefix: 'app' })).toBe(false);
    expect(app.covers({ kind: 'prefix', prefix: '' })).toBe(false);
    expect(app.covers({ kind: 'range', start: 'app/a', end: 'app/z' })).toBe(true);
    // etcd's prefix form: [app/, app0) is exactly the keys under app/.
    expect(app.covers({ kind: 'range', start: 'app/', end: 'app0' })).toBe(true);
    expect(app.covers({ kind: 'range', start: 'app/', end: 'app1' })).toBe(false);
    expect(app.covers({ kind: 'range', start: 'app/', end: null })).toBe(false);
    expect(app.covers({ kind: 'range', start: 'ap', end: 'app/z' })).toBe(false);
  });

  it('"**" covers everything; a glob with a wildcard inside covers matching keys only, never a range', () => {
    const all = new KeyGrants(['**']);
    expect(all.everything).toBe(true);
    expect(all.covers({ kind: 'range', start: '', end: null })).toBe(true);
    const configs = new KeyGrants(['svc/*/config']);
    expect(configs.covers({ kind: 'key', key: 'svc/a/config' })).toBe(true);
    expect(configs.covers({ kind: 'key', key: 'svc/a/b/config' })).toBe(false);
    expect(configs.covers({ kind: 'prefix', prefix: 'svc/' })).toBe(false);
    expect(new KeyGrants([]).nothing).toBe(true);
  });
});

describe('roles', () => {
  it('adds roles from a file to the built-in ones and refuses mistakes with the place named', () => {
    const table = parseRoles({ roles: { ops: { admin: true }, app: { read: 'app/**' } } }, 'roles.yaml');
    expect(table.get('app')).toEqual({ read: ['app/**'], write: [], admin: false });
    expect(table.get('admin')).toEqual(BUILT_IN_ROLES.get('admin'));
    expect(() => parseRoles({ roles: { admin: {} } }, 'f')).toThrow('f: role "admin": is built in');
    expect(() => parseRoles({ roles: { x: { reed: ['a/**'] } } }, 'f')).toThrow('unknown field reed');
    expect(() => parseRoles({ roles: { x: { read: ['a**'] } } }, 'f')).toThrow('f: role "x": read: "a**"');
    expect(() => parseRoles({ roles: { x: { admin: 'yes' } } }, 'f')).toThrow('admin must be true or false');
    expect(() => checkRolesKnown(table, ['app', 'nope'], 'key "k"')).toThrow(
      'key "k": role "nope" is not defined',
    );
  });

  it('a principal gets the union of its roles; unknown roles grant nothing', () => {
    const table = parseRoles({ roles: { a: { read: ['a/**'] }, b: { write: ['b/**'] } } }, 'f');
    const access = new AccessControl(table).accessOf({
      name: 'p',
      roles: ['a', 'b', 'ghost'],
      via: 'api-key',
    });
    access.checkKey('read', 'a/1');
    access.checkKey('write', 'b/1');
    expect(access.isAdmin).toBe(false);
    const denied = (() => {
      try {
        access.checkKey('write', 'a/1');
      } catch (err) {
        return err;
      }
    })();
    expect(denied).toBeInstanceOf(ServiceError);
    expect(denied).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'principal "p" may not write key "a/1"',
      details: { principal: 'p', permission: 'write', keys: 'key "a/1"' },
    });
    expect(() => access.checkAdmin('Backup')).toThrow('principal "p" may not call Backup');
  });
});
