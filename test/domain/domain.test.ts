import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, decideFailure, DEFAULT_BACKOFF, describeError } from '../../src/domain/retry-policy.js';
import { canTransition, TRANSITIONS, applyAcquire, applyRelease } from '../../src/domain/lifecycle.js';
import { JOB_STATUSES, type Job } from '../../src/domain/job.js';
import { utf8Length, validateJson, validateTableName, parseJobId } from '../../src/domain/validation.js';
import { ValidationError } from '../../src/domain/errors.js';

describe('retry policy', () => {
  it('full jitter: every delay is within [0, min(max, base * factor^(n-1))]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, DEFAULT_BACKOFF, () => r);
        const cap = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.baseMs * 2 ** (attempt - 1));
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(cap);
        expect(Number.isInteger(d)).toBe(true);
      }),
    );
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0.999)).toBe(999);
    expect(backoffDelay(50, DEFAULT_BACKOFF, () => 0.5)).toBe(150_000);
  });

  it('decides failed when permanent or out of attempts, else retry at retryAt or after the backoff', () => {
    const policy = DEFAULT_BACKOFF;
    const random = (): number => 0.5;
    expect(decideFailure({ attempts: 3, maxAttempts: 3 }, { now: 10, policy, random })).toEqual({ status: 'failed' });
    expect(decideFailure({ attempts: 1, maxAttempts: 3 }, { now: 10, permanent: true, policy, random })).toEqual({ status: 'failed' });
    expect(decideFailure({ attempts: 1, maxAttempts: 3 }, { now: 10, retryAt: 99, policy, random })).toEqual({ status: 'retry', runAt: 99 });
    expect(decideFailure({ attempts: 2, maxAttempts: 3 }, { now: 10, policy, random })).toEqual({ status: 'retry', runAt: 1010 });
  });

  it('records errors as their stack, strings as themselves, anything else as JSON, capped', () => {
    const e = new Error('boom');
    expect(describeError(e)).toBe(e.stack);
    expect(describeError('plain')).toBe('plain');
    expect(describeError({ code: 7 })).toBe('{"code":7}');
    expect(describeError('x'.repeat(20_000)).length).toBe(8192);
  });
});

describe('lifecycle table', () => {
  it('allows exactly the transitions of the documented lifecycle', () => {
    const allowed = Object.entries(TRANSITIONS).flatMap(([a, t]) => t.from.map((s) => `${a}:${s}`)).sort();
    expect(allowed).toEqual(
      ['acquire:pending', 'acquire:retry', 'acquire:processing', 'complete:processing', 'fail:processing', 'release:processing',
        'expire:processing', 'cancel:pending', 'cancel:retry', 'retry:failed', 'retry:cancelled'].sort(),
    );
    for (const s of JOB_STATUSES) expect(canTransition('complete', s)).toBe(s === 'processing');
  });

  it('acquire bumps attempts and token; release gives the attempt back but keeps the token', () => {
    const job = { id: '1', status: 'pending', attempts: 0, leaseToken: 4, maxAttempts: 3, lastError: null } as unknown as Job;
    const held = applyAcquire(job, 'w', 100, 50);
    expect(held).toMatchObject({ status: 'processing', attempts: 1, leaseToken: 5, lockedBy: 'w', lockedUntil: 150 });
    expect(applyRelease(held, 120)).toMatchObject({ status: 'pending', attempts: 0, leaseToken: 5, lockedBy: null });
  });
});

describe('validation', () => {
  it('utf8Length agrees with Buffer.byteLength', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
    }));;
  });

  it('accepts any JSON value and returns its text', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(JSON.parse(validateJson(v, 'payload'))).toEqual(JSON.parse(JSON.stringify(v)));
    }));
  });

  it('names the path of the offending value', () => {
    const err = (() => {
      try {
        validateJson({ a: [1, { b: Symbol('x') }] }, 'payload');
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(err?.field).toBe('payload.a[1].b');
  });

  it('accepts plain identifiers as table names and nothing else', () => {
    expect(validateTableName('processing_jobs')).toBe('processing_jobs');
    for (const bad of ['', '1abc', 'a-b', 'jobs; DROP TABLE x', 'a'.repeat(49), 'jobs`', 7]) {
      expect(() => validateTableName(bad)).toThrow(ValidationError);
    }
  });

  it('parses store ids and refuses what no store issued', () => {
    expect(parseJobId('42')).toBe(42);
    expect(parseJobId('042')).toBeUndefined();
    expect(parseJobId('1e3')).toBeUndefined();
    expect(parseJobId('99999999999999999')).toBeUndefined();
    expect(() => parseJobId(42)).toThrow(ValidationError);
  });
});
