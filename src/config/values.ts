/**
 * Typed values as people write them in flags, PAYSIDECAR_* variables, config files and query
 * strings: one parser per kind, each with the words that finish "expected …", and one problem
 * shape for all of them:
 *
 *   <source>: <value shown> is invalid, expected <what>
 *
 * The sidecar's schema, the agent's env, bench and the example's commands all read through these,
 * so a value is accepted or refused, and explained, the same way wherever it is written.
 */
import { isIP } from 'node:net';
import { LOG_LEVELS, type LogLevel } from '../telemetry/logger';
import type { HostPort } from './address';
import type { Cidr } from './cidr';

/** A kind of value: how to read it, and what to tell someone who wrote something else. */
export interface ValueType<T> {
  /** Finishes "expected …": `a duration like 500ms, 30s, 2m or plain seconds`. */
  readonly expected: string;
  /** The value, or undefined when `text` is not one. */
  parse(text: string): T | undefined;
}

export function valueType<T>(expected: string, parse: (text: string) => T | undefined): ValueType<T> {
  return { expected, parse };
}

/** The same parser in a setting's own words ("on or off", "a byte count from …"). */
export function expecting<T>(type: ValueType<T>, expected: string): ValueType<T> {
  return { expected, parse: type.parse };
}

// --- the one problem shape -------------------------------------------------------------------

/** Long values are cut: one pasted blob must not flood a terminal or a log line. */
const SHOWN_MAX = 80;

/** A value as problems quote it. Callers pass `[redacted]` instead for secrets. */
export function showValue(value: unknown): string {
  const cut = typeof value === 'string' && value.length > SHOWN_MAX ? value.slice(0, SHOWN_MAX) + '…' : value;
  return JSON.stringify(cut) ?? String(value);
}

export function invalid(source: string, shown: string, expected: string): string {
  return `${source}: ${shown} is invalid, expected ${expected}`;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Reads `text` given at `source` (a flag, a variable, a key). Never pass a secret: the value is quoted. */
export function check<T>(source: string, text: string, type: ValueType<T>): Checked<T> {
  const value = type.parse(text);
  return value === undefined ? { ok: false, problem: invalid(source, showValue(text), type.expected) } : { ok: true, value };
}

/** For commands that report every problem at once: undefined when not given, or when invalid (its problem pushed). */
export function collect<T>(source: string, text: string | undefined, type: ValueType<T>, problems: string[]): T | undefined {
  if (text === undefined) return undefined;
  const r = check(source, text, type);
  if (r.ok) return r.value;
  problems.push(r.problem);
  return undefined;
}

// --- durations -------------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/** Milliseconds from `500ms`, `30s`, `2m`, `1h`, or plain (possibly fractional) seconds. */
export const duration = valueType<number>('a duration like 500ms, 30s, 2m or plain seconds', (s) => {
  const m = DURATION_RE.exec(s.trim());
  return m ? Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']) : undefined;
});

export const positiveDuration = valueType<number>(`${duration.expected}, above zero`, (s) => {
  const ms = duration.parse(s);
  return ms !== undefined && ms > 0 ? ms : undefined;
});

export function durationIn(minMs: number, maxMs: number): ValueType<number> {
  return valueType(`${duration.expected}, from ${minMs}ms to ${maxMs}ms`, (s) => {
    const ms = duration.parse(s);
    return ms !== undefined && ms >= minMs && ms <= maxMs ? ms : undefined;
  });
}

// --- numbers ---------------------------------------------------------------------------------

// Plain decimals only: Number() would also take 1e3, 0x10, Infinity and whitespace.
const DECIMAL_RE = /^(\d+(\.\d+)?|\.\d+)$/;
const INTEGER_RE = /^\d+$/;

export function intIn(min: number, max: number): ValueType<number> {
  return valueType(`an integer from ${min} to ${max}`, (s) => {
    const t = s.trim();
    if (!INTEGER_RE.test(t)) return undefined;
    const n = Number(t);
    return n >= min && n <= max ? n : undefined;
  });
}

export function intAtLeast(min: number): ValueType<number> {
  return valueType(`an integer of at least ${min}`, (s) => {
    const t = s.trim();
    return INTEGER_RE.test(t) && Number(t) >= min ? Number(t) : undefined;
  });
}

export const positiveNumber = valueType<number>('a positive number', (s) => {
  const t = s.trim();
  return DECIMAL_RE.test(t) && Number(t) > 0 ? Number(t) : undefined;
});

export const ratio = valueType<number>('a number from 0 to 1', (s) => {
  const t = s.trim();
  return DECIMAL_RE.test(t) && Number(t) <= 1 ? Number(t) : undefined;
});

/** `0.1%` or a ratio like `0.001`: error budgets read better as percentages. */
export const percentOrRatio = valueType<number>('a percentage like 0.1% or a ratio from 0 to 1', (s) => {
  const t = s.trim();
  const pct = t.endsWith('%');
  const num = pct ? t.slice(0, -1) : t;
  if (!DECIMAL_RE.test(num)) return undefined;
  const r = Number(num) / (pct ? 100 : 1);
  return r <= 1 ? r : undefined;
});

// --- words -----------------------------------------------------------------------------------

const TRUE_RE = /^(true|on|1)$/i;
const FALSE_RE = /^(false|off|0)$/i;

/** true|false, and on|off and 1|0 as people also write them. */
export const boolean = valueType<boolean>('true or false', (s) => {
  const t = s.trim();
  return TRUE_RE.test(t) ? true : FALSE_RE.test(t) ? false : undefined;
});

export function oneOf<T extends string>(values: readonly T[]): ValueType<T> {
  return valueType(`one of ${values.join('|')}`, (s) => ((values as readonly string[]).includes(s) ? (s as T) : undefined));
}

export const logLevel: ValueType<LogLevel> = oneOf(LOG_LEVELS);

export const nonEmpty = valueType<string>('a non-empty string', (s) => (s.length > 0 ? s : undefined));

export const jsonObject = valueType<Record<string, unknown>>('a JSON object', (s) => {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    return undefined;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
});

/** A list as env and flags write it (`a,b, c`), or as YAML does (an array); empty items dropped. */
export function splitList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value])
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

// --- addresses -------------------------------------------------------------------------------

const HOST_PORT_RE = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/;

/** `host:port` listen addresses, IPv6 as `[::1]:15001`. */
export const hostPort = valueType<HostPort>('host:port, e.g. 127.0.0.1:15001 or [::1]:15001 (port 0..65535)', (s) => {
  const m = HOST_PORT_RE.exec(s.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  return port <= 65535 ? { host: m[1] ?? m[2], port } : undefined;
});

/** A port others are told to reach: 0 (any free port) would not be known in advance. */
export const fixedHostPort = valueType<HostPort>(`${hostPort.expected}, with a fixed port (not 0)`, (s) => {
  const hp = hostPort.parse(s);
  return hp && hp.port !== 0 ? hp : undefined;
});

export interface HttpUrlRules {
  /** An example for the message. */
  like?: string;
  /** false: http:// only (the bench client speaks plain HTTP). */
  https?: boolean;
  /** false: refuse `?…`, for base URLs that paths are appended to. */
  query?: boolean;
}

export function httpUrl({ like = 'http://127.0.0.1:8080', https = true, query = true }: HttpUrlRules = {}): ValueType<URL> {
  const schemes = https ? 'an http:// or https://' : 'an http://';
  return valueType(`${schemes} URL${query ? '' : ' without a query,'} like ${like}`, (s) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return undefined;
    }
    if (u.protocol !== 'http:' && !(https && u.protocol === 'https:')) return undefined;
    return query || u.search === '' ? u : undefined;
  });
}

/** A peer range: `10.0.0.0/8`, `::1/128`, or a bare address (one host). */
export const cidr = valueType<Cidr>('an IPv4 or IPv6 CIDR like 10.0.0.0/8, 127.0.0.1/32 or ::1/128', (s) => {
  const t = s.trim();
  const slash = t.indexOf('/');
  const address = slash === -1 ? t : t.slice(0, slash);
  const fam = isIP(address);
  if (fam === 0) return undefined;
  const max = fam === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { address, prefix, family: fam === 4 ? 'ipv4' : 'ipv6' };
});
