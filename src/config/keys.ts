/**
 * The config's keys and what is known of each without validating a value: how a reload takes it,
 * whether it is secret, a duration or a list, its flag and its help. Apart from the schema
 * (schema.ts) because the running sidecar needs these and never zod: values are validated in the
 * loader's child process (load-in-child.ts). schema.ts's shape is checked against CONFIG_KEYS by
 * the type checker.
 */
import { LOG_LEVELS } from '../telemetry/logger';

export const CONFIG_KEYS = [
  'listen',
  'upstream',
  'admin',
  'stressSecret',
  'trustCidr',
  'stressUpstream',
  'upstreamTimeout',
  'connectTimeout',
  'drainTimeout',
  'accessLog',
  'accessLogFile',
  'accessLogSample',
  'stressLog',
  'logLevel',
  'route',
  'maxSockets',
  'keepAliveTimeout',
  'maxHeaderSize',
  'headersTimeout',
  'serviceName',
  'debugToken',
  'hostInterval',
  'watchProcess',
  'procRoot',
  'otlpEndpoint',
  'traceSampleRatio',
  'sampleStress',
  'agentMetrics',
  'maxInflight',
  'stressSecretFile',
  'stressSecretOverlap',
  'accessLogRotateSize',
  'accessLogRotateInterval',
  'accessLogRotateKeep',
  'socketWaitTimeout',
  'forwarder',
] as const;

export type ConfigKey = (typeof CONFIG_KEYS)[number];

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
export const DURATION_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>(CONFIG_KEYS.filter((k) => /Timeout$|Interval$|Overlap$/.test(k)));

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
