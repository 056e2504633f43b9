/**
 * Constructor options of the MySQL store and clock: a bad `uri` or `pool` is a ValidationError
 * naming the field, thrown at construction, never a raw TypeError from the driver. No server
 * needed: a pool opened from a uri connects lazily.
 */
import { describe, expect, it } from 'vitest';
import { MysqlClock, MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import { ValidationError } from '../src/domain/errors.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
    return undefined;
  } catch (e) {
    return e;
  }
}

const fakePool = { getConnection: async () => ({}), query: async () => [[], []], end: async () => undefined };

const cases: [string, unknown, string][] = [
  ['garbage uri', { uri: 'not a uri' }, 'uri'],
  ['http uri', { uri: 'http://db.example:3306/app' }, 'uri'],
  ['malformed %-escape in the password', { uri: 'mysql://app:%zz@127.0.0.1/app' }, 'uri'],
  ['non-numeric port', { uri: 'mysql://127.0.0.1:port/app' }, 'uri'],
  ['empty uri', { uri: '' }, 'uri'],
  ['uri not a string', { uri: 42 }, 'uri'],
  ['neither uri nor pool', {}, 'uri'],
  ['both uri and pool', { uri: 'mysql://127.0.0.1/app', pool: fakePool }, 'uri'],
  ['pool null', { pool: null }, 'pool'],
  ['pool a number', { pool: 5 }, 'pool'],
  ['pool a string', { pool: 'mysql://127.0.0.1/app' }, 'pool'],
  ['pool without getConnection', { pool: {} }, 'pool'],
  ['options null', null, 'options'],
];

describe('mysql: constructor options', () => {
  for (const [what, Ctor] of [
    ['MysqlLeaseStore', MysqlLeaseStore],
    ['MysqlClock', MysqlClock],
  ] as const) {
    it(`${what} rejects a bad uri or pool with a ValidationError naming the field`, () => {
      for (const [label, options, field] of cases) {
        const err = thrown(() => new Ctor(options as never));
        expect(err, label).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field, label).toBe(field);
      }
    });
  }

  it('never echoes the uri (it may carry a password) in the error', () => {
    const err = thrown(() => new MysqlLeaseStore({ uri: 'mysql://app:s3cret%zz@127.0.0.1/app' })) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).not.toContain('s3cret');
  });

  it('accepts mysql:// and mariadb:// uris, and a pool', async () => {
    for (const uri of ['mysql://root@127.0.0.1:3306/app', 'mariadb://root@127.0.0.1/app', 'mysql://app:p%40ss@[::1]:3307/app?connectTimeout=1000']) {
      const store = new MysqlLeaseStore({ uri });
      await store.close();
      const clock = new MysqlClock({ uri });
      await clock.stop();
    }
    const store = new MysqlLeaseStore({ pool: fakePool as never });
    await store.close();
    await new MysqlClock({ pool: fakePool as never }).stop();
  });
});
