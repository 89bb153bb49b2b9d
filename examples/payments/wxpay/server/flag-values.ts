/**
 * Flag values of the `gateway` and `platform` commands. Each parser returns undefined for bad
 * input; `flagValue` turns that into a UsageError naming the flag, the value and what was
 * expected (the commands exit 2 on it).
 */
import { DURATION_EXPECTED, parseDuration } from '../../../../src/config/duration';
import { HOST_PORT_EXPECTED, parseHostPort, type HostPort } from '../../../../src/config/address';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ValueType<T> {
  parse(text: string): T | undefined;
  expected: string;
}

export const duration: ValueType<number> = { parse: (s) => parseDuration(s), expected: DURATION_EXPECTED };
export const hostPort: ValueType<HostPort> = { parse: parseHostPort, expected: HOST_PORT_EXPECTED };

export function intIn(min: number, max: number): ValueType<number> {
  return {
    parse: (s) => (/^\d+$/.test(s.trim()) && Number(s) >= min && Number(s) <= max ? Number(s) : undefined),
    expected: `an integer from ${min} to ${max}`,
  };
}

export const ratio: ValueType<number> = {
  parse: (s) => (/^(\d+(\.\d+)?|\.\d+)$/.test(s.trim()) && Number(s) <= 1 ? Number(s) : undefined),
  expected: 'a number from 0 to 1',
};

export const positiveNumber: ValueType<number> = {
  parse: (s) => (/^(\d+(\.\d+)?|\.\d+)$/.test(s.trim()) && Number(s) > 0 ? Number(s) : undefined),
  expected: 'a number greater than 0',
};

export const httpUrl: ValueType<string> = {
  parse: (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.search === '' ? s : undefined;
    } catch {
      return undefined;
    }
  },
  expected: 'an http:// or https:// URL without a query, like http://127.0.0.1:8090',
};

export const json: ValueType<unknown> = {
  parse: (s) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return undefined;
    }
  },
  expected: 'a JSON object',
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
export const logLevel: ValueType<string> = { parse: (s) => (LOG_LEVELS.includes(s) ? s : undefined), expected: `one of ${LOG_LEVELS.join('|')}` };

export function flagValue<T>(flag: string, raw: string | undefined, type: ValueType<T>): T | undefined {
  if (raw === undefined) return undefined;
  const v = type.parse(raw);
  if (v === undefined) throw new UsageError(`${flag}: expected ${type.expected}, got ${JSON.stringify(raw)}`);
  return v;
}
