/**
 * The agent's logger: one JSON line per event on stderr, shaped like pino's (level numbers,
 * `time`, `msg`) so the same log pipeline reads both. pino itself is not loaded: the agent
 * starts inside someone else's process and should cost as little as possible.
 */
import { logLevel } from '../src/config/values';
import { LOG_LEVEL_NUMBERS, type Logger } from '../src/telemetry/logger';

/** An unknown level means info here; readAgentConfig warns about it once the logger exists. */
export function createAgentLogger(level: string | undefined, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const threshold = LOG_LEVEL_NUMBERS[logLevel.parse(level ?? '') ?? 'info'];
  const emit = (n: number, obj: object, msg: string) => {
    if (n < threshold) return;
    try {
      write(JSON.stringify({ level: n, time: Date.now(), pid: process.pid, name: 'paysidecar-agent', ...obj, msg }) + '\n');
    } catch {
      // Logging must never be the thing that breaks the app (closed stderr, circular object).
    }
  };
  return {
    info: (obj, msg) => emit(LOG_LEVEL_NUMBERS.info, obj, msg),
    warn: (obj, msg) => emit(LOG_LEVEL_NUMBERS.warn, obj, msg),
    error: (obj, msg) => emit(LOG_LEVEL_NUMBERS.error, obj, msg),
  };
}
