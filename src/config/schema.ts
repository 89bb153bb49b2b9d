/**
 * The sidecar's one config schema. Defaults, the YAML file, PAYSIDECAR_* env vars and flags all
 * feed it (see load.ts); each field says what it expects so errors can name key, value and
 * expectation together.
 */
import { z } from 'zod';
import { boolean, cidr, duration, hostPort, httpUrl, intIn, logLevel, nonEmpty, oneOf, ratio, splitList, valueType, type ValueType } from './values';
import { LOG_LEVELS } from '../telemetry/logger';
import { parseRouteTemplate, ROUTE_TEMPLATE_EXPECTED } from '../context/route-template';
import { parseSize, SIZE_EXPECTED } from './size';
import { LIST_ENTRY_MAX_CHARS, LIST_MAX_ENTRIES } from './limits';

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
  // The forwarding core; undici becomes the default once the protocol-abuse suite passes on it.
  forwarder: custom(oneOf(['undici', 'http-proxy'] as const)).prefault('undici'),
});

export type Config = z.output<typeof configSchema>;
export type ConfigKey = keyof z.input<typeof configSchema>;
export const CONFIG_KEYS = Object.keys(configSchema.shape) as ConfigKey[];

/**
 * How a running sidecar takes a change to each key: `live` between two requests on reload
 * (config file change or SIGHUP), `restart` only at the next start (the reload logs it and keeps
 * the running value). A map rather than zod's `.meta()`: a Record over ConfigKey makes tsc refuse
 * a new key that does not say, where `.meta()` would leave it silently undefined (and write to
 * zod's process-wide registry). The README's hot-reload table and the Kubernetes ConfigMap's
 * comment are checked against it (test/config/reload-keys.test.ts).
 */
export const CONFIG_RELOAD: Record<ConfigKey, 'live' | 'restart'> = {
  listen: 'restart',
  upstream: 'restart',
  admin: 'restart',
  stressSecret: 'live',
  trustCidr: 'live',
  stressUpstream: 'restart',
  upstreamTimeout: 'restart',
  connectTimeout: 'restart',
  drainTimeout: 'live',
  accessLog: 'restart',
  accessLogFile: 'restart',
  accessLogSample: 'live',
  stressLog: 'restart',
  logLevel: 'live',
  route: 'live',
  maxSockets: 'restart',
  keepAliveTimeout: 'restart',
  forwarder: 'restart',
  maxHeaderSize: 'restart',
  headersTimeout: 'restart',
  serviceName: 'restart',
  debugToken: 'restart',
  hostInterval: 'restart',
  watchProcess: 'restart',
  procRoot: 'restart',
  otlpEndpoint: 'restart',
  traceSampleRatio: 'live',
  sampleStress: 'live',
  agentMetrics: 'restart',
  maxInflight: 'live',
  stressSecretFile: 'live',
  stressSecretOverlap: 'live',
  accessLogRotateSize: 'restart',
  accessLogRotateInterval: 'restart',
  accessLogRotateKeep: 'restart',
  socketWaitTimeout: 'restart',
};

/** Keys a reload puts into effect without a restart (from CONFIG_RELOAD). */
export const LIVE_KEYS: ReadonlySet<ConfigKey> = new Set(CONFIG_KEYS.filter((k) => CONFIG_RELOAD[k] === 'live'));

/** Keys whose values must never be printed. */
export const SECRET_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>(['stressSecret', 'debugToken']);

/** Keys holding durations (milliseconds), printed back as 500ms / 30s / 2m. */
export const DURATION_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>(
  (Object.keys(configSchema.shape) as ConfigKey[]).filter((k) => /Timeout$|Interval$|Overlap$/.test(k)),
);

/** Keys that accept several values (repeatable flags, comma lists). */
export const LIST_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>(['trustCidr', 'route']);

export function flagName(key: ConfigKey): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** `--help` text for each key; the flag, env var and file key are derived from the key. */
export const CONFIG_HELP: Record<ConfigKey, string> = {
  listen: 'proxy listen address host:port',
  upstream: 'upstream (the payment app) base URL',
  admin: 'admin listener host:port (/metrics, /live, /ready, /config, /debug/pprof)',
  stressSecret: 'HMAC secret that signs X-Stress-Token (prefer the env var: flags show in ps)',
  trustCidr: 'peers trusted to send stress-test headers; repeatable or comma list',
  stressUpstream: 'send trusted stress traffic here instead of --upstream (shadow target)',
  upstreamTimeout: 'time allowed for the upstream to answer',
  connectTimeout: 'time allowed to connect to the upstream',
  drainTimeout: 'on SIGTERM, how long in-flight requests may take to finish',
  accessLog: 'access log destination: stdout|file|off',
  accessLogFile: 'access log path when --access-log=file',
  accessLogSample: 'share (0..1) of successful requests logged; errors are always logged',
  stressLog: 'write stress-traffic access logs to this file instead',
  logLevel: `log level: ${LOG_LEVELS.join('|')}`,
  route: 'extra route templates such as /v1/users/{id}; repeatable or comma list',
  maxSockets: 'max upstream sockets in the keep-alive pool',
  keepAliveTimeout: 'idle upstream sockets are closed after this long',
  forwarder: 'forwarding core: undici|http-proxy (http-proxy: the reference core, kept selectable)',
  maxHeaderSize: 'max request header bytes; larger requests get 431',
  headersTimeout: 'time allowed to receive request headers (slow-loris guard)',
  serviceName: 'service.name on spans and logs',
  debugToken: 'bearer token non-loopback callers need for /debug/pprof (prefer the env var)',
  hostInterval: 'how often host, container, process and kernel metrics are sampled (0 turns them off)',
  watchProcess: 'the payment process to report CPU and RSS for: its name or pid',
  procRoot: 'where /proc is mounted (kernel parameters, open-files limit, cgroup path)',
  otlpEndpoint: 'OTLP/HTTP collector for spans, e.g. http://otel-collector:4318 (/v1/traces is added to a bare host); unset: no export [also OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT]',
  traceSampleRatio: 'share (0..1) of new traces sampled; a caller\'s sampled flag is followed [default: OTEL_TRACES_SAMPLER/_ARG, else parentbased_always_on]',
  sampleStress: 'always sample stress traffic, whatever the ratio: true|false',
  agentMetrics: "the in-process agent's /metrics URL, e.g. http://127.0.0.1:15091/metrics; its series are appended to /metrics with paysidecar_source=\"agent\"",
  maxInflight: 'beyond this many requests in flight answer 503 PAYSIDECAR_OVERLOADED with Retry-After instead of queueing (0 = off)',
  stressSecretFile: 'read the stress secret from this file (a mounted Kubernetes Secret); re-read on reload, so the secret can be rotated without a restart',
  stressSecretOverlap: 'after a stress-secret rotation, how long tokens signed with the previous secret are still accepted',
  accessLogRotateSize: 'rotate the access and stress log files when one reaches this size (512k, 100m, 1g); the file is then written as numbered files: access.log as access.1.log, access.2.log, …',
  accessLogRotateInterval: 'rotate the access and stress log files this often (e.g. 1h, 24h; 0 = never); can be combined with the size',
  accessLogRotateKeep: 'when rotating, keep this many numbered files besides the one being written, delete older ones (0 = keep all)',
  socketWaitTimeout: 'how long a request may wait for a free upstream socket when all --max-sockets are busy; then 503 PAYSIDECAR_UPSTREAM_BUSY (0 = no limit)',
};
