/** A logger double that records what host metrics and span export log, for assertions. */
import type { Logger } from '../../src/telemetry/logger';

export interface Logged {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

export function captureLogger(): Logger & { logged: Logged[] } {
  const logged: Logged[] = [];
  const log = (level: Logged['level']) => (obj: object, msg: string) => void logged.push({ level, obj: obj as Record<string, unknown>, msg });
  return { logged, info: log('info'), warn: log('warn'), error: log('error') };
}
