/** Logs for a sidecar under test, captured as parsed JSON lines instead of written anywhere. */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logs } from '../../src/telemetry/logs';

export interface CapturedLogs {
  logs: Logs;
  /** Process log lines (the sidecar's logger). */
  lines: Array<Record<string, unknown>>;
  /** Access log lines. */
  access: Array<Record<string, unknown>>;
  /** Everything written, as text: for "never contains" checks. */
  text(): string;
}

function sink(into: Array<Record<string, unknown>>, raw: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString();
      raw.push(text);
      for (const line of text.split('\n').filter(Boolean)) into.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}

export function captureLogs(level: pino.Level = 'info'): CapturedLogs {
  const lines: Array<Record<string, unknown>> = [];
  const access: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const logger = pino({ level, base: { component: 'paysidecar' } }, sink(lines, raw));
  const accessLogger = pino({ level: 'info', base: null }, sink(access, raw));
  return {
    logs: { logger, access: accessLogger, stressAccess: accessLogger, flush: () => undefined, reopen: () => undefined },
    lines,
    access,
    text: () => raw.join(''),
  };
}
