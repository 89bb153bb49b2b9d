/**
 * The sidecar's one config schema. Defaults, the YAML file, PAYSIDECAR_* env vars and flags all
 * feed it (see load.ts); each field says what it expects so errors can name key, value and
 * expectation together.
 */
import { z } from 'zod';
import { parseDuration, DURATION_EXPECTED } from './duration';
import { parseHostPort, HOST_PORT_EXPECTED, type HostPort } from './address';
import { parseCidr, CIDR_EXPECTED, type Cidr } from './cidr';
import { parseRouteTemplate, ROUTE_TEMPLATE_EXPECTED } from '../context/route-template';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Values arrive as strings from env and flags, and typed from YAML. */
const scalar = z.union([z.string(), z.number(), z.boolean()]);

function custom<T>(expected: string, parse: (s: string) => T | undefined) {
  return scalar.transform((v, ctx): T => {
    const out = parse(String(v));
    if (out === undefined) ctx.addIssue({ code: 'custom', message: expected, input: v });
    return out as T;
  });
}

const duration = custom<number>(DURATION_EXPECTED, (s) => parseDuration(s));
const hostPort = custom<HostPort>(HOST_PORT_EXPECTED, parseHostPort);

const URL_EXPECTED = 'an http:// or https:// URL like http://127.0.0.1:8080';
const httpUrl = custom<URL>(URL_EXPECTED, (s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
});

function intIn(min: number, max: number) {
  return custom<number>(`an integer from ${min} to ${max}`, (s) => {
    if (!/^\d+$/.test(s.trim())) return undefined;
    const n = Number(s);
    return n >= min && n <= max ? n : undefined;
  });
}

function ratio() {
  return custom<number>('a number from 0 to 1', (s) => {
    if (!/^\d+(\.\d+)?$|^\.\d+$/.test(s.trim())) return undefined;
    const n = Number(s);
    return n >= 0 && n <= 1 ? n : undefined;
  });
}

function oneOf<T extends string>(values: readonly T[]) {
  return custom<T>(`one of ${values.join('|')}`, (s) => ((values as readonly string[]).includes(s) ? (s as T) : undefined));
}

/** Lists accept YAML arrays or comma-separated strings (env, flags); each element is checked. */
function list<T>(expected: string, parse: (s: string) => T | undefined) {
  return z.union([z.array(scalar), scalar]).transform((v, ctx): T[] => {
    const items = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter(Boolean);
    const out: T[] = [];
    for (const item of items) {
      const p = parse(item);
      if (p === undefined) ctx.addIssue({ code: 'custom', message: `${expected} (got "${item}")`, input: item });
      else out.push(p);
    }
    return out;
  });
}

const nonEmpty = custom<string>('a non-empty string', (s) => (s.length > 0 ? s : undefined));
const bool = custom<boolean>('true or false', (s) => (s === 'true' ? true : s === 'false' ? false : undefined));

export const configSchema = z.strictObject({
  listen: hostPort.prefault('0.0.0.0:15001'),
  upstream: httpUrl.prefault('http://127.0.0.1:8080'),
  admin: hostPort.prefault('127.0.0.1:15090'),
  stressSecret: nonEmpty.optional(),
  trustCidr: list<Cidr>(CIDR_EXPECTED, parseCidr).prefault([]),
  stressUpstream: httpUrl.optional(),
  upstreamTimeout: duration.prefault('30s'),
  connectTimeout: duration.prefault('5s'),
  drainTimeout: duration.prefault('20s'),
  accessLog: oneOf(['stdout', 'file', 'off'] as const).prefault('stdout'),
  accessLogFile: nonEmpty.prefault('paysidecar-access.log'),
  accessLogSample: ratio().prefault(1),
  stressLog: nonEmpty.optional(),
  logLevel: oneOf(LOG_LEVELS).prefault('info'),
  route: list(ROUTE_TEMPLATE_EXPECTED, (s) => (parseRouteTemplate(s) ? s : undefined)).prefault([]),
  maxSockets: intIn(1, 65535).prefault(512),
  // Below Node's default server keepAliveTimeout (5 s) so we never reuse a socket the upstream
  // is about to close, which would surface as spurious ECONNRESET 502s.
  keepAliveTimeout: duration.prefault('4s'),
  // The forwarding core; undici becomes the default once the protocol-abuse suite passes on it.
  forwarder: oneOf(['http-proxy', 'undici'] as const).prefault('http-proxy'),
  maxHeaderSize: intIn(1024, 1048576).prefault(16384),
  headersTimeout: duration.prefault('10s'),
  serviceName: nonEmpty.prefault('paysidecar'),
  debugToken: nonEmpty.optional(),
  hostInterval: duration.prefault('15s'),
  watchProcess: nonEmpty.optional(),
  procRoot: nonEmpty.prefault('/proc'),
  otlpEndpoint: httpUrl.optional(),
  traceSampleRatio: ratio().optional(),
  sampleStress: bool.prefault(true),
  agentMetrics: httpUrl.optional(),
  maxInflight: intIn(0, 1_000_000).prefault(0),
  stressSecretFile: nonEmpty.optional(),
  stressSecretOverlap: duration.prefault('5m'),
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
  logLevel: 'log level: trace|debug|info|warn|error|fatal|silent',
  route: 'extra route templates such as /v1/users/{id}; repeatable or comma list',
  maxSockets: 'max upstream sockets in the keep-alive pool',
  keepAliveTimeout: 'idle upstream sockets are closed after this long',
  forwarder: 'forwarding core: http-proxy|undici (WebSockets use http-proxy either way)',
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
};
