/**
 * Every PAYSIDECAR_* environment variable, declared once.
 *
 * The sidecar's config loader maps the ones with a `key` onto the config schema; the agent and
 * the other commands read theirs through `readEnv`. A PAYSIDECAR_* variable that is not listed
 * here is a configuration error for `paysidecar run` (a typo must not be silently ignored).
 */

export interface EnvVar {
  /** The variable's name. */
  readonly name: string;
  /** The `paysidecar run` config key it feeds, when it feeds one. */
  readonly key?: string;
  /** Who reads it, for `--help` and the README. */
  readonly scope: 'sidecar' | 'agent' | 'gateway' | 'platform' | 'bench' | 'all';
  readonly description: string;
  /** Shown as `[redacted]` wherever config is printed. */
  readonly secret?: boolean;
}

function v(name: string, scope: EnvVar['scope'], description: string, key?: string, secret?: boolean): EnvVar {
  return { name, scope, description, key, secret };
}

export const ENV = {
  // Sidecar (`paysidecar run`): each mirrors a flag of the same name.
  CONFIG: v('PAYSIDECAR_CONFIG', 'sidecar', 'YAML config file (same as --config)'),
  LISTEN: v('PAYSIDECAR_LISTEN', 'sidecar', 'proxy listen address host:port', 'listen'),
  UPSTREAM: v('PAYSIDECAR_UPSTREAM', 'sidecar', 'upstream base URL', 'upstream'),
  ADMIN: v('PAYSIDECAR_ADMIN', 'sidecar', 'admin listen address host:port', 'admin'),
  STRESS_SECRET: v('PAYSIDECAR_STRESS_SECRET', 'sidecar', 'HMAC secret for X-Stress-Token', 'stressSecret', true),
  TRUST_CIDR: v('PAYSIDECAR_TRUST_CIDR', 'sidecar', 'trusted peer CIDRs, comma separated', 'trustCidr'),
  STRESS_UPSTREAM: v('PAYSIDECAR_STRESS_UPSTREAM', 'sidecar', 'upstream for stress traffic', 'stressUpstream'),
  UPSTREAM_TIMEOUT: v('PAYSIDECAR_UPSTREAM_TIMEOUT', 'sidecar', 'upstream response timeout', 'upstreamTimeout'),
  CONNECT_TIMEOUT: v('PAYSIDECAR_CONNECT_TIMEOUT', 'sidecar', 'upstream connect timeout', 'connectTimeout'),
  DRAIN_TIMEOUT: v('PAYSIDECAR_DRAIN_TIMEOUT', 'sidecar', 'graceful drain timeout', 'drainTimeout'),
  ACCESS_LOG: v('PAYSIDECAR_ACCESS_LOG', 'sidecar', 'access log destination: stdout|file|off', 'accessLog'),
  ACCESS_LOG_FILE: v('PAYSIDECAR_ACCESS_LOG_FILE', 'sidecar', 'access log file when --access-log=file', 'accessLogFile'),
  ACCESS_LOG_SAMPLE: v('PAYSIDECAR_ACCESS_LOG_SAMPLE', 'sidecar', 'share of successful requests logged (0..1)', 'accessLogSample'),
  STRESS_LOG: v('PAYSIDECAR_STRESS_LOG', 'sidecar', 'file for stress-traffic access logs', 'stressLog'),
  LOG_LEVEL: v('PAYSIDECAR_LOG_LEVEL', 'all', 'log level: trace|debug|info|warn|error|fatal|silent', 'logLevel'),
  ROUTE: v('PAYSIDECAR_ROUTE', 'sidecar', 'extra route templates, comma separated', 'route'),
  MAX_SOCKETS: v('PAYSIDECAR_MAX_SOCKETS', 'sidecar', 'max upstream sockets', 'maxSockets'),
  KEEP_ALIVE_TIMEOUT: v('PAYSIDECAR_KEEP_ALIVE_TIMEOUT', 'sidecar', 'idle upstream socket timeout', 'keepAliveTimeout'),
  MAX_HEADER_SIZE: v('PAYSIDECAR_MAX_HEADER_SIZE', 'sidecar', 'max request header bytes (431 above)', 'maxHeaderSize'),
  HEADERS_TIMEOUT: v('PAYSIDECAR_HEADERS_TIMEOUT', 'sidecar', 'time allowed to receive request headers', 'headersTimeout'),
  SERVICE_NAME: v('PAYSIDECAR_SERVICE_NAME', 'sidecar', 'service label on telemetry', 'serviceName'),
  HOST_INTERVAL: v('PAYSIDECAR_HOST_INTERVAL', 'sidecar', 'host/container/process metrics sampling interval (0 = off)', 'hostInterval'),
  WATCH_PROCESS: v('PAYSIDECAR_WATCH_PROCESS', 'sidecar', 'payment process to watch: name or pid', 'watchProcess'),
  PROC_ROOT: v('PAYSIDECAR_PROC_ROOT', 'sidecar', 'where /proc is mounted', 'procRoot'),
  OTLP_ENDPOINT: v('PAYSIDECAR_OTLP_ENDPOINT', 'sidecar', 'OTLP/HTTP collector URL for spans', 'otlpEndpoint'),
  TRACE_SAMPLE_RATIO: v('PAYSIDECAR_TRACE_SAMPLE_RATIO', 'sidecar', 'share of new traces sampled (0..1)', 'traceSampleRatio'),
  SAMPLE_STRESS: v('PAYSIDECAR_SAMPLE_STRESS', 'sidecar', 'always sample stress traffic: true|false', 'sampleStress'),
  MAX_INFLIGHT: v('PAYSIDECAR_MAX_INFLIGHT', 'sidecar', 'requests in flight beyond which the sidecar answers 503 (0 = off)', 'maxInflight'),
  STRESS_SECRET_FILE: v('PAYSIDECAR_STRESS_SECRET_FILE', 'sidecar', 'file holding the stress secret (re-read on reload)', 'stressSecretFile'),
  STRESS_SECRET_OVERLAP: v('PAYSIDECAR_STRESS_SECRET_OVERLAP', 'sidecar', 'how long the previous stress secret stays valid after a rotation', 'stressSecretOverlap'),

  // In-process agent (`--import paysidecar/agent`).
  AGENT_ADMIN: v('PAYSIDECAR_AGENT_ADMIN', 'agent', "agent listener host:port, or 'off'"),
  AGENT_PROPAGATION: v('PAYSIDECAR_AGENT_PROPAGATION', 'agent', 'carry trace and stress context onto the app\'s outbound calls: on|off (default on)'),
  AGENT_EVENTLOOP_RESOLUTION: v('PAYSIDECAR_AGENT_EVENTLOOP_RESOLUTION', 'agent', 'event-loop delay histogram resolution (default 10ms)'),
  AGENT_BLOCK_THRESHOLD: v('PAYSIDECAR_AGENT_BLOCK_THRESHOLD', 'agent', 'event-loop stalls at least this long count as blocks (default 100ms)'),
  AGENT_CPU_INTERVAL: v('PAYSIDECAR_AGENT_CPU_INTERVAL', 'agent', 'CPU profile sampling interval (default 10ms, 100 Hz as Go)'),
  AGENT_HEAP_INTERVAL: v('PAYSIDECAR_AGENT_HEAP_INTERVAL', 'agent', 'heap profile: average bytes between samples (default 524288)'),
  AGENT_METRICS: v('PAYSIDECAR_AGENT_METRICS', 'sidecar', "the agent's /metrics URL to merge into the sidecar's /metrics", 'agentMetrics'),
  // The included gateway and mock platform (`paysidecar gateway`, `paysidecar platform`).
  KEYS_DIR: v('PAYSIDECAR_KEYS_DIR', 'gateway', 'keys directory shared by the gateway and the mock platform (same as --keys-dir)'),
  GATEWAY_LISTEN: v('PAYSIDECAR_GATEWAY_LISTEN', 'gateway', 'gateway listen address host:port (same as --listen)'),
  GATEWAY_PLATFORM: v('PAYSIDECAR_GATEWAY_PLATFORM', 'gateway', 'payment platform base URL (same as --platform)'),
  GATEWAY_NOTIFY_URL: v('PAYSIDECAR_GATEWAY_NOTIFY_URL', 'gateway', 'base URL the platform calls back (same as --notify-url)'),
  GATEWAY_JOURNAL: v('PAYSIDECAR_GATEWAY_JOURNAL', 'gateway', 'gateway state journal file (same as --journal)'),
  PLATFORM_LISTEN: v('PAYSIDECAR_PLATFORM_LISTEN', 'platform', 'mock platform listen address host:port (same as --listen)'),
  DEBUG_TOKEN: v('PAYSIDECAR_DEBUG_TOKEN', 'all', 'bearer token for /debug/pprof from non-loopback callers', 'debugToken', true),
} as const satisfies Record<string, EnvVar>;

export type EnvName = (typeof ENV)[keyof typeof ENV]['name'];

export const ENV_PREFIX = 'PAYSIDECAR_';

export function allEnvVars(): EnvVar[] {
  return Object.values(ENV);
}

/** Reads one declared variable; empty strings count as unset. */
export function readEnv(e: EnvVar, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[e.name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/** PAYSIDECAR_* variables present in `env` that this module does not declare. */
export function unknownEnvVars(env: NodeJS.ProcessEnv = process.env): string[] {
  const known = new Set(allEnvVars().map((e) => e.name));
  return Object.keys(env).filter((k) => k.startsWith(ENV_PREFIX) && !known.has(k));
}
