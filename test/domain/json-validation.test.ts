import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { MAX_JSON_DEPTH, validateJson, validateKey, validateName } from '../../src/domain/validation.js';

const fieldOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).field;
  }
  throw new Error('expected a ValidationError');
};

describe('validateJson', () => {
  it('walks without recursion: a million levels is a ValidationError at level 257', () => {
    let v: unknown = 0;
    for (let i = 0; i < 1_000_000; i++) v = i % 2 ? [v] : { k: v };
    const field = fieldOf(() => validateJson(v, 'payload'));
    expect(field.startsWith('payload[0].k[0].k')).toBe(true);
    expect(field.match(/\[0\]|\.k/g)).toHaveLength(MAX_JSON_DEPTH);
  });

  it('counts levels of arrays and objects: 256 pass, 257 do not; scalars add none', () => {
    let v: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH; i++) v = i % 2 ? { k: v } : [v];
    expect(JSON.parse(validateJson(v, 'payload'))).toEqual(v);
    expect(() => validateJson([v], 'payload')).toThrow(ValidationError);
  });

  it('accepts a value shared by two properties (no cycle), refuses a cycle with its path', () => {
    const shared = { n: 1 };
    expect(validateJson({ a: shared, b: [shared, shared] }, 'p')).toBe('{"a":{"n":1},"b":[{"n":1},{"n":1}]}');
    const loop: Record<string, unknown> = { list: [] };
    (loop.list as unknown[]).push({ back: loop });
    expect(fieldOf(() => validateJson(loop, 'p'))).toBe('p.list[0].back');
  });

  it('names the offending value deep inside arrays and objects', () => {
    expect(fieldOf(() => validateJson({ a: [1, { b: undefined }], c: 2 }, 'p'))).toBe('p.a[1].b');
    expect(fieldOf(() => validateJson([[0, [Symbol('x')]], 1], 'p'))).toBe('p[0][1][0]');
  });

  it('runs no getter while checking', () => {
    let calls = 0;
    const o = Object.defineProperty({}, 'x', { enumerable: true, get: () => ++calls });
    expect(fieldOf(() => validateJson({ o }, 'p'))).toBe('p.o.x');
    expect(calls).toBe(0);
  });
});

describe('identifiers', () => {
  it('refuses a lone surrogate at either end or inside, and says where', () => {
    for (const [s, at] of [['\ud83d', 0], ['a\ude00', 1], ['ab\ud83d c', 2]] as const) {
      expect(() => validateKey(s, 'key')).toThrow(`key: must be well-formed Unicode: it holds a lone surrogate at index ${at}`);
    }
    expect(validateName('😀\u0000 ', 'queue')).toBe('😀\u0000 ');
  });
});
