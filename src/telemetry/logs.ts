/**
 * Process logs (stderr) and access logs (stdout, a file, or off; stress traffic optionally to its
 * own file). All destinations are asynchronous so logging never blocks the request path; flush()
 * drains them at shutdown. Access lines are batched (4 KiB, or every ACCESS_FLUSH_MS): one write
 * per line cost the proxy more CPU than everything else it records per request; process lines
 * (warnings, errors) are written at once.
 */
import pino, { type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './logger';

type Dest = DestinationStream & { flushSync?: () => void; end?: () => void };

export interface Logs {
  readonly logger: Logger;
  /** Null when access logging is off. */
  readonly access: Logger | null;
  /** Where stress-traffic access lines go (the access logger unless --stress-log is set). */
  readonly stressAccess: Logger | null;
  flush(): void;
}

export interface LogOptions {
  logLevel: LogLevel;
  accessLog: 'stdout' | 'file' | 'off';
  accessLogFile: string;
  stressLog?: string;
}

const MIN_LENGTH = 4096;
/** The longest an access line waits in the batch. */
export const ACCESS_FLUSH_MS = 200;

function destination(dest: number | string, batched: boolean): Dest {
  return pino.destination({
    dest,
    sync: false,
    minLength: batched ? MIN_LENGTH : 0,
    periodicFlush: batched ? ACCESS_FLUSH_MS : 0,
    mkdir: typeof dest === 'string',
  }) as Dest;
}

export function createLogs(opts: LogOptions): Logs {
  const dests: Dest[] = [];
  const mk = (d: number | string, batched = true): Dest => {
    const dest = destination(d, batched);
    dests.push(dest);
    return dest;
  };
  const logger = pino({ level: opts.logLevel, base: { component: 'paysidecar' }, timestamp: pino.stdTimeFunctions.isoTime }, mk(2, false));
  const accessOpts = { level: 'info', base: null, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'msg' } as const;
  const access = opts.accessLog === 'off' ? null : pino(accessOpts, mk(opts.accessLog === 'stdout' ? 1 : opts.accessLogFile));
  const stressAccess = opts.stressLog ? pino(accessOpts, mk(opts.stressLog)) : access;
  return {
    logger,
    access,
    stressAccess,
    flush() {
      for (const d of dests) {
        try {
          d.flushSync?.();
        } catch {
          // A destination that is not ready yet has nothing buffered to lose.
        }
      }
    },
  };
}

/** A logger for tests and tools that want none of the above. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
