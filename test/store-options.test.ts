/**
 * Issue 11, case 5: store options are validated like worker options. An unknown key was
 * accepted silently (`tabel: 'x'` used the default table, so two applications could share one);
 * now every store refuses it, naming it, and checks the type of each known one.
 */
import { describe, expect, it } from 'vitest';
import { InMemoryLeaseStore } from '../src/adapters/memory/in-memory-lease-store.js';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { ValidationError } from '../src/domain/errors.js';

function fieldOf(make: () => unknown): string {
  try {
    const store = make() as { close?: () => Promise<void> };
    void store.close?.();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).field;
  }
  throw new Error('expected a ValidationError');
}

const URI = 'mysql://app@127.0.0.1:3306/app';
const makers: [string, (extra: Record<string, unknown>) => unknown][] = [
  ['memory', (extra) => new InMemoryLeaseStore(extra as never)],
  ['sqlite', (extra) => new SqliteLeaseStore({ filename: ':memory:', ...extra } as never)],
  // Constructing opens no connection: these run without a server.
  ['mysql', (extra) => new MysqlLeaseStore({ uri: URI, ...extra } as never)],
];

describe.each(makers)('%s store options', (_name, make) => {
  it('refuses an unknown option, naming it, and lists the known ones', () => {
    expect(fieldOf(() => make({ tabel: 'x' }))).toBe('tabel');
    expect(() => make({ maxPayloadByte: 10 })).toThrow(/maxPayloadByte: is not an option of \w+LeaseStore \(known: .*maxPayloadBytes/);
  });

  it('checks the type of each common option', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ clock: {} }, 'clock'],
      [{ clock: Date.now }, 'clock'],
      [{ random: 0.5 }, 'random'],
      [{ maxPayloadBytes: '1000' }, 'maxPayloadBytes'],
      [{ maxPayloadBytes: 0 }, 'maxPayloadBytes'],
      [{ backoff: 5 }, 'backoff'],
      [{ backoff: { base: 10 } }, 'backoff.base'],
      [{ backoff: { baseMs: '10' } }, 'backoff.baseMs'],
    ];
    for (const [extra, field] of cases) expect(fieldOf(() => make(extra)), JSON.stringify(Object.keys(extra))).toBe(field);
  });

  it('accepts every known option left undefined', () => {
    const store = make({ clock: undefined, backoff: undefined, random: undefined, maxPayloadBytes: undefined }) as { close(): Promise<void> };
    return store.close();
  });
});

describe('options of one store', () => {
  it('sqlite: filename, database, synchronous, busyTimeoutMs are checked', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ filename: 7 }, 'filename'],
      [{ filename: ':memory:', database: {} }, 'filename'],
      [{ database: { prepare: 1 } }, 'database'],
      [{ filename: ':memory:', synchronous: 'full' }, 'synchronous'],
      [{ filename: ':memory:', busyTimeoutMs: -1 }, 'busyTimeoutMs'],
      [{ filename: ':memory:', busyTimeoutMs: '5000' }, 'busyTimeoutMs'],
      [{ filename: ':memory:', table: 'jobs' }, 'table'],
    ];
    for (const [o, field] of cases) expect(fieldOf(() => new SqliteLeaseStore(o as never)), JSON.stringify(o)).toBe(field);
  });

  it('mysql: table, connectionLimit, conflictRetry, multipleStatements, uri and pool are checked', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ uri: URI, table: 7 }, 'table'],
      [{ uri: URI, table: 'jobs; DROP TABLE x' }, 'table'],
      [{ uri: URI, connectionLimit: '10' }, 'connectionLimit'],
      [{ uri: URI, conflictRetry: 5 }, 'conflictRetry'],
      [{ uri: URI, conflictRetry: { attempt: 3 } }, 'conflictRetry.attempt'],
      [{ uri: URI, conflictRetry: { attempts: 0 } }, 'conflictRetry.attempts'],
      [{ uri: URI, multipleStatements: 'yes' }, 'multipleStatements'],
      [{ uri: URI, filename: 'x.db' }, 'filename'],
      [{ uri: 7 }, 'uri'],
      [{ pool: {} }, 'pool'],
    ];
    for (const [o, field] of cases) expect(fieldOf(() => new MysqlLeaseStore(o as never)), JSON.stringify(o)).toBe(field);
  });
});
