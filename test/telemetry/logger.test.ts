/**
 * The one Logger type: a pino logger and the agent's own logger both fit it, and code logging
 * through it writes lines one pipeline reads alike (pino's level numbers, obj fields, msg).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createAgentLogger } from '../../agent/log';
import { LOG_LEVEL_NUMBERS, LOG_LEVELS, type Logger } from '../../src/telemetry/logger';

/** Stands in for any paysidecar code that takes a Logger. */
function logThreeLevels(logger: Logger): void {
  logger.info({ step: 1 }, 'started');
  logger.warn({ step: 2 }, 'slow');
  logger.error({ step: 3 }, 'failed');
}

function pinoInto(lines: string[], level: string): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return pino({ level }, sink);
}

const shape = (line: string) => {
  const o = JSON.parse(line) as { level: number; step: number; msg: string };
  return { level: o.level, step: o.step, msg: o.msg };
};

test('pino and the agent logger both take the one Logger and write the same fields and level numbers', async () => {
  const fromPino: string[] = [];
  const fromAgent: string[] = [];
  logThreeLevels(pinoInto(fromPino, 'info'));
  logThreeLevels(createAgentLogger('info', (l) => fromAgent.push(l)));
  await new Promise((r) => setImmediate(r));
  const expected = [
    { level: LOG_LEVEL_NUMBERS.info, step: 1, msg: 'started' },
    { level: LOG_LEVEL_NUMBERS.warn, step: 2, msg: 'slow' },
    { level: LOG_LEVEL_NUMBERS.error, step: 3, msg: 'failed' },
  ];
  assert.deepEqual(fromPino.map(shape), expected);
  assert.deepEqual(fromAgent.map(shape), expected);
});

test("the one level list is pino's, and both loggers filter by it the same way", async () => {
  const pinoLevels = Object.entries(pino.levels.values).sort((x, y) => x[1] - y[1]);
  assert.deepEqual(LOG_LEVELS.map((l) => [l, LOG_LEVEL_NUMBERS[l]]), [...pinoLevels, ['silent', Infinity]]);
  for (const level of ['warn', 'error', 'silent']) {
    const fromPino: string[] = [];
    const fromAgent: string[] = [];
    logThreeLevels(pinoInto(fromPino, level));
    logThreeLevels(createAgentLogger(level, (l) => fromAgent.push(l)));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(fromAgent.map(shape), fromPino.map(shape), level);
  }
});

test('the agent logger falls back to info for a level it does not know', () => {
  const lines: string[] = [];
  const logger = createAgentLogger('loud', (l) => lines.push(l));
  logThreeLevels(logger);
  assert.equal(lines.length, 3);
});
