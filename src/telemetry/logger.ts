/** The one list of log levels. */

/** pino's levels and their numbers; the agent writes the same numbers so one pipeline reads both. */
export const LOG_LEVEL_NUMBERS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

export type LogLevel = keyof typeof LOG_LEVEL_NUMBERS;

export const LOG_LEVELS = Object.keys(LOG_LEVEL_NUMBERS) as readonly LogLevel[];
