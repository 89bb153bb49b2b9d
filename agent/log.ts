/**
 * The agent's logger: one JSON line per event on stderr, shaped like pino's (level numbers,
 * `time`, `msg`) so the same log pipeline reads both. pino itself is not loaded: the agent
 * starts inside someone else's process and should cost as little as possible.
 */

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type LevelName = keyof typeof LEVELS;

export interface AgentLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function createAgentLogger(level: string | undefined, write: (line: string) => void = (l) => process.stderr.write(l)): AgentLogger {
  const threshold = LEVELS[(level ?? 'info') as LevelName] ?? LEVELS.info;
  const emit = (n: number, obj: object, msg: string) => {
    if (n < threshold) return;
    try {
      write(JSON.stringify({ level: n, time: Date.now(), pid: process.pid, name: 'paysidecar-agent', ...obj, msg }) + '\n');
    } catch {
      // Logging must never be the thing that breaks the app (closed stderr, circular object).
    }
  };
  return {
    info: (obj, msg) => emit(LEVELS.info, obj, msg),
    warn: (obj, msg) => emit(LEVELS.warn, obj, msg),
    error: (obj, msg) => emit(LEVELS.error, obj, msg),
  };
}
