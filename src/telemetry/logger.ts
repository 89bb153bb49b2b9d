/**
 * The one logger shape paysidecar code takes, and the one list of log levels.
 *
 * Structural, pino's (obj, msg) call: a pino Logger fits, and so does the agent's own small logger
 * (agent/log.ts), which must not load pino inside someone else's process. Code that logs through
 * this type runs in either.
 */

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** pino's levels and their numbers; the agent writes the same numbers so one pipeline reads both. */
export const LOG_LEVEL_NUMBERS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

export type LogLevel = keyof typeof LOG_LEVEL_NUMBERS;

export const LOG_LEVELS = Object.keys(LOG_LEVEL_NUMBERS) as readonly LogLevel[];
