import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DOMAIN = join(import.meta.dirname, '../../src/domain');
const FORBIDDEN: [RegExp, string][] = [
  [/Date\.now\(|new Date\(\s*\)|performance\.now\(/, 'reads the clock'],
  [/Math\.random\(/, 'reads randomness'],
  [/setTimeout\(|setInterval\(|setImmediate\(|queueMicrotask\(/, 'uses timers'],
  [/\bprocess\.|\bconsole\.|\bfetch\(|\brequire\(/, 'does I/O or reads the process'],
];

describe('src/domain is pure', () => {
  const files = readdirSync(DOMAIN).filter((f) => f.endsWith('.ts'));

  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(4);
  });

  it.each(files)('%s imports only from src/domain and reads no clock, randomness, timers or I/O', (file) => {
    const text = readFileSync(join(DOMAIN, file), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      expect(m[1], `${file} imports ${m[1]}`).toMatch(/^\.\/[a-z-]+\.js$/);
    }
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const [re, what] of FORBIDDEN) expect(re.test(code), `${file} ${what}`).toBe(false);
  });
});
