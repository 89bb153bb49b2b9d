/**
 * The generators never spell a metric name themselves: every series name reaches them through
 * `prom(...)` from src/telemetry/names, so renaming an instrument renames every query.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, knownSeries } from './lint';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('no file under src/generate/ holds a metric name as a string literal', () => {
  const files = sources(join(ROOT, 'src/generate'));
  assert.ok(files.length > 10, `${files.length} generator sources`);
  const names = [...knownSeries()];
  for (const f of files) {
    // Comments may name metrics; only code counts. (`[^:]` keeps http:// inside strings.)
    const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
    for (const literal of text.matchAll(/(['"`])((?:\\.|(?!\1).)*)\1/g)) {
      for (const n of names) {
        assert.ok(!new RegExp(`\\b${n}\\b`).test(literal[2]), `${f}: string literal ${literal[0]} spells the metric ${n}; use prom(...) from src/telemetry/names`);
      }
    }
  }
});
