/**
 * The sidecar's one config schema (its keys and their metadata: keys.ts). Defaults, the YAML file, PAYSIDECAR_* env vars and flags all
 * feed it (see load.ts); each field says what it expects so errors can name key, value and
 * expectation together.
 */
import { z } from 'zod';
import { boolean, cidr, duration, hostPort, httpUrl, intIn, logLevel, nonEmpty, oneOf, ratio, splitList, valueType, type ValueType } from './values';
import { parseRouteTemplate, ROUTE_TEMPLATE_EXPECTED } from '../context/route-template';
import { parseSize, SIZE_EXPECTED } from './size';
import { LIST_ENTRY_MAX_CHARS, LIST_MAX_ENTRIES } from './limits';
import type { ConfigKey } from './keys';

/** Values arrive as strings from env and flags, and typed from YAML. */
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A shared value parser as a schema field; the issue carries `expected` for load.ts's one problem shape. */
function custom<T>(type: ValueType<T>) {
  return scalar.transform((v, ctx): T => {
    const out = type.parse(String(v));
    if (out === undefined) ctx.addIssue({ code: 'custom', message: type.expected, input: v });
    return out as T;
  });
}

/**
 * Lists accept YAML arrays or comma-separated strings (env, flags); each element is checked, and
 * a bad one is named on its own (`params.item`) rather than the whole list.
 */
function list<T>(type: ValueType<T>) {
  return z.union([z.array(scalar), scalar]).transform((v, ctx): T[] => {
    // Bounded before any entry is parsed: a huge list must not hold the event loop (config/limits.ts).
    const items = splitList(v);
    const tooLong = items.findIndex((x) => x.length > LIST_ENTRY_MAX_CHARS);
    if (items.length > LIST_MAX_ENTRIES || tooLong !== -1) {
      const message =
        items.length > LIST_MAX_ENTRIES
          ? `${items.length} entries, above the limit of ${LIST_MAX_ENTRIES}`
          : `entry ${tooLong + 1} is ${items[tooLong].length} characters, above the limit of ${LIST_ENTRY_MAX_CHARS}`;
      ctx.addIssue({ code: 'custom', message, params: { limit: true } });
      return [];
    }
    const out: T[] = [];
    for (const item of items) {
      const p = type.parse(item);
      if (p === undefined) ctx.addIssue({ code: 'custom', message: type.expected, input: item, params: { item } });
      else out.push(p);
    }
    return out;
  });
}

const url = custom(httpUrl());
const routeTemplate = valueType<string>(ROUTE_TEMPLATE_EXPECTED, (s) => (parseRouteTemplate(s) ? s : undefined));

export const configSchema = z.strictObject({
  listen: custom(hostPort).prefault('0.0.0.0:15001'),
  upstream: url.prefault('http://127.0.0.1:8080'),
  admin: custom(hostPort).prefault('127.0.0.1:15090'),
  stressSecret: custom(nonEmpty).optional(),
  trustCidr: list(cidr).prefault([]),
  stressUpstream: url.optional(),
  upstreamTimeout: custom(duration).prefault('30s'),
  connectTimeout: custom(duration).prefault('5s'),
  drainTimeout: custom(duration).prefault('20s'),
  accessLog: custom(oneOf(['stdout', 'file', 'off'] as const)).prefault('stdout'),
  accessLogFile: custom(nonEmpty).prefault('paysidecar-access.log'),
  accessLogSample: custom(ratio).prefault(1),
  stressLog: custom(nonEmpty).optional(),
  logLevel: custom(logLevel).prefault('info'),
  route: list(routeTemplate).prefault([]),
  maxSockets: custom(intIn(1, 65535)).prefault(512),
  // Below Node's default server keepAliveTimeout (5 s) so we never reuse a socket the upstream
  // is about to close, which would surface as spurious ECONNRESET 502s.
  keepAliveTimeout: custom(duration).prefault('4s'),
  maxHeaderSize: custom(intIn(1024, 1048576)).prefault(16384),
  headersTimeout: custom(duration).prefault('10s'),
  serviceName: custom(nonEmpty).prefault('paysidecar'),
  debugToken: custom(nonEmpty).optional(),
  hostInterval: custom(duration).prefault('15s'),
  watchProcess: custom(nonEmpty).optional(),
  procRoot: custom(nonEmpty).prefault('/proc'),
  otlpEndpoint: url.optional(),
  traceSampleRatio: custom(ratio).optional(),
  sampleStress: custom(boolean).prefault(true),
  agentMetrics: url.optional(),
  maxInflight: custom(intIn(0, 1_000_000)).prefault(0),
  stressSecretFile: custom(nonEmpty).optional(),
  stressSecretOverlap: custom(duration).prefault('5m'),
  // Access-log file rotation (pino-roll), for the access and stress log files. Unset or 0: the
  // files are never rotated here and SIGUSR1 reopens them for an outside logrotate.
  accessLogRotateSize: custom(valueType<number>(SIZE_EXPECTED, parseSize)).optional(),
  accessLogRotateInterval: custom(duration).prefault('0'),
  accessLogRotateKeep: custom(intIn(0, 100_000)).prefault(0),
  socketWaitTimeout: custom(duration).prefault('5s'),
  // The forwarding core; http-proxy is the design's reference core, kept selectable.
  forwarder: custom(oneOf(['undici', 'http-proxy'] as const)).prefault('undici'),
} satisfies Record<ConfigKey, z.ZodType>);

export type Config = z.output<typeof configSchema>;
