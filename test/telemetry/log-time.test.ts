import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoTimeField } from '../../src/telemetry/log-time';

const pinoIso = (ms: number) => `,"time":"${new Date(ms).toISOString()}"`;

test("the log time field is pino's isoTime, for every millisecond form and when the clock goes back", () => {
  const base = Date.UTC(2026, 11, 2, 19, 56, 21);
  const cases = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 59_999, 60_000, 86_399_999, 86_400_000, -1000, -1, 5, 0];
  for (const d of cases) assert.equal(isoTimeField(base + d), pinoIso(base + d), `base + ${d}`);
  // Random times over a year, in no order: the cached second must never leak into another.
  let x = 12345;
  for (let i = 0; i < 20_000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const ms = base + (x % (366 * 86_400_000)) - 183 * 86_400_000;
    assert.equal(isoTimeField(ms), pinoIso(ms));
  }
});
