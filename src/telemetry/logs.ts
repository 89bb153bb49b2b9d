/**
 * Process logs (stderr) and access logs (stdout, a file, or off; stress traffic optionally to its
 * own file). All destinations are asynchronous so logging never blocks the request path; flush()
 * drains them at shutdown. Access lines are batched (4 KiB, or every ACCESS_FLUSH_MS): one write
 * per line cost the proxy more CPU than everything else it records per request; process lines
 * (warnings, errors) are written at once.
 *
 * Log files either rotate here, by size and/or time (pino-roll numbers them before the extension:
 * access.1.log, access.2.log, …, the oldest deleted beyond a count), or are left to an outside
 * logrotate, which renames the file and sends SIGUSR1: reopen() then opens the path again. Lines
 * buffered at that moment go to the new file, lines already written stay in the renamed one: none
 * is lost or split.
 */
import pino, { type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './logger';
import { isoTime } from './log-time';

type Dest = DestinationStream & { flushSync?: () => void; end?: () => void; reopen?: (file?: string) => void };

export interface Logs {
  readonly logger: Logger;
  /** Null when access logging is off. */
  readonly access: Logger | null;
  /** Where stress-traffic access lines go (the access logger unless --stress-log is set). */
  readonly stressAccess: Logger | null;
  flush(): void;
  /** Opens every log file again under its configured name (after an outside rotation renamed it). */
  reopen(): void;
}

export interface LogOptions {
  logLevel: LogLevel;
  accessLog: 'stdout' | 'file' | 'off';
  accessLogFile: string;
  stressLog?: string;
  /** Bytes; unset or 0: no size rotation. */
  accessLogRotateSize?: number;
  /** Milliseconds; 0: no time rotation. */
  accessLogRotateInterval?: number;
  /** Numbered files kept besides the current one; 0 keeps all. */
  accessLogRotateKeep?: number;
}

const MIN_LENGTH = 4096;
/** The longest an access line waits in the batch. */
const ACCESS_FLUSH_MS = 200;

function sonicOptions(batched: boolean, mkdir: boolean) {
  return { sync: false, minLength: batched ? MIN_LENGTH : 0, periodicFlush: batched ? ACCESS_FLUSH_MS : 0, mkdir };
}

function rotating(opts: LogOptions): boolean {
  return (opts.accessLogRotateSize ?? 0) > 0 || (opts.accessLogRotateInterval ?? 0) > 0;
}

async function fileDestination(file: string, opts: LogOptions): Promise<Dest> {
  if (!rotating(opts)) return pino.destination({ dest: file, ...sonicOptions(true, true) }) as Dest;
  const keep = opts.accessLogRotateKeep ?? 0;
  // Loaded only when a log file rotates here: pino-roll brings date-fns (about 14 MB of RSS).
  const pinoRoll = require('pino-roll') as typeof import('pino-roll');
  return (await pinoRoll({
    file,
    ...sonicOptions(true, true),
    ...(opts.accessLogRotateSize ? { size: `${opts.accessLogRotateSize}b` } : {}),
    ...(opts.accessLogRotateInterval ? { frequency: opts.accessLogRotateInterval } : {}),
    // Counted over the directory, so files left by an earlier run are pruned too.
    ...(keep > 0 ? { limit: { count: keep, removeOtherLogFiles: true } } : {}),
  })) as Dest;
}

export async function createLogs(opts: LogOptions): Promise<Logs> {
  const dests: Dest[] = [];
  const files: Dest[] = [];
  const add = <T extends Dest>(dest: T): T => (dests.push(dest), dest);
  const file = async (path: string): Promise<Dest> => {
    const dest = add(await fileDestination(path, opts));
    files.push(dest);
    return dest;
  };
  const logger = pino({ level: opts.logLevel, base: { component: 'paysidecar' }, timestamp: isoTime }, add(pino.destination({ dest: 2, ...sonicOptions(false, false) }) as Dest));
  const accessOpts = { level: 'info', base: null, timestamp: isoTime, messageKey: 'msg' } as const;
  const accessDest = opts.accessLog === 'off' ? null : opts.accessLog === 'stdout' ? add(pino.destination({ dest: 1, ...sonicOptions(true, false) }) as Dest) : await file(opts.accessLogFile);
  const access = accessDest ? pino(accessOpts, accessDest) : null;
  const stressAccess = opts.stressLog ? pino(accessOpts, await file(opts.stressLog)) : access;
  return {
    logger,
    access,
    stressAccess,
    reopen() {
      // A rotating destination reopens its current numbered file; a plain one, its configured path.
      for (const d of files) {
        try {
          d.reopen?.();
        } catch (err) {
          logger.error({ err }, 'could not reopen a log file');
        }
      }
    },
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
