/**
 * Every PAYSIDECAR_* environment variable of the product, declared once. (The included payment
 * example declares its own in examples/payments/env.ts; `paysidecar run` refuses those too.)
 *
 * The sidecar's config loader maps the ones with a `key` onto the config schema; the agent and
 * the other commands read theirs through `readEnv`. A PAYSIDECAR_* variable that is not listed
 * here is a configuration error for `paysidecar run` (a typo must not be silently ignored).
 */
import { LOG_LEVELS } from '../telemetry/logger';

export interface EnvVar {
  /** The variable's name. */
  readonly name: string;
  /** The `paysidecar run` config key it feeds, when it feeds one. */
  readonly key?: string;
  /** Who reads it, for `--help` and the README. */
  readonly scope: 'sidecar' | 'agent' | 'bench' | 'all' | 'example';
  readonly description: string;
  /** Shown as `[redacted]` wherever config is printed. */
  readonly secret?: boolean;
}

export function envVar(name: string, scope: EnvVar['scope'], description: string, key?: string, secret?: boolean): EnvVar {
  return { name, scope, description, key, secret };
}

export const ENV = {
  // Sidecar (`paysidecar run`): each mirrors a flag of the same name.
  CONFIG: envVar('PAYSIDECAR_CONFIG', 'sidecar', 'YAML config file (same as --config)'),
  LISTEN: envVar('PAYSIDECAR_LISTEN', 'sidecar', 'proxy listen address host:port', 'listen'),
  UPSTREAM: envVar('PAYSIDECAR_UPSTREAM', 'sidecar', 'upstream base URL', 'upstream'),
  ADMIN: envVar('PAYSIDECAR_ADMIN', 'sidecar', 'admin listen address host:port', 'admin'),
  STRESS_SECRET: envVar('PAYSIDECAR_STRESS_SECRET', 'sidecar', 'HMAC secret for X-Stress-Token', 'stressSecret', true),
  TRUST_CIDR: envVar('PAYSIDECAR_TRUST_CIDR', 'sidecar', 'trusted peer CIDRs, comma separated', 'trustCidr'),
  STRESS_UPSTREAM: envVar('PAYSIDECAR_STRESS_UPSTREAM', 'sidecar', 'upstream for stress traffic', 'stressUpstream'),
  UPSTREAM_TIMEOUT: envVar('PAYSIDECAR_UPSTREAM_TIMEOUT', 'sidecar', 'upstream response timeout', 'upstreamTimeout'),
  CONNECT_TIMEOUT: envVar('PAYSIDECAR_CONNECT_TIMEOUT', 'sidecar', 'upstream connect timeout', 'connectTimeout'),
  DRAIN_TIMEOUT: envVar('PAYSIDECAR_DRAIN_TIMEOUT', 'sidecar', 'graceful drain timeout', 'drainTimeout'),
  ACCESS_LOG: envVar('PAYSIDECAR_ACCESS_LOG', 'sidecar', 'access log destination: stdout|file|off', 'accessLog'),
  ACCESS_LOG_FILE: envVar('PAYSIDECAR_ACCESS_LOG_FILE', 'sidecar', 'access log file when --access-log=file', 'accessLogFile'),
  ACCESS_LOG_SAMPLE: envVar('PAYSIDECAR_ACCESS_LOG_SAMPLE', 'sidecar', 'share of successful requests logged (0..1)', 'accessLogSample'),
  STRESS_LOG: envVar('PAYSIDECAR_STRESS_LOG', 'sidecar', 'file for stress-traffic access logs', 'stressLog'),
  LOG_LEVEL: envVar('PAYSIDECAR_LOG_LEVEL', 'all', `log level: ${LOG_LEVELS.join('|')}`, 'logLevel'),
  ROUTE: envVar('PAYSIDECAR_ROUTE', 'sidecar', 'extra route templates, comma separated', 'route'),
  MAX_SOCKETS: envVar('PAYSIDECAR_MAX_SOCKETS', 'sidecar', 'max upstream sockets', 'maxSockets'),
  KEEP_ALIVE_TIMEOUT: envVar('PAYSIDECAR_KEEP_ALIVE_TIMEOUT', 'sidecar', 'idle upstream socket timeout', 'keepAliveTimeout'),
  FORWARDER: envVar('PAYSIDECAR_FORWARDER', 'sidecar', 'forwarding core: http-proxy|undici', 'forwarder'),
  MAX_HEADER_SIZE: envVar('PAYSIDECAR_MAX_HEADER_SIZE', 'sidecar', 'max request header bytes (431 above)', 'maxHeaderSize'),
  HEADERS_TIMEOUT: envVar('PAYSIDECAR_HEADERS_TIMEOUT', 'sidecar', 'time allowed to receive request headers', 'headersTimeout'),
  SERVICE_NAME: envVar('PAYSIDECAR_SERVICE_NAME', 'sidecar', 'service label on telemetry', 'serviceName'),
  HOST_INTERVAL: envVar('PAYSIDECAR_HOST_INTERVAL', 'sidecar', 'host/container/process metrics sampling interval (0 = off)', 'hostInterval'),
  WATCH_PROCESS: envVar('PAYSIDECAR_WATCH_PROCESS', 'sidecar', 'payment process to watch: name or pid', 'watchProcess'),
  PROC_ROOT: envVar('PAYSIDECAR_PROC_ROOT', 'sidecar', 'where /proc is mounted', 'procRoot'),
  OTLP_ENDPOINT: envVar('PAYSIDECAR_OTLP_ENDPOINT', 'sidecar', 'OTLP/HTTP collector URL for spans', 'otlpEndpoint'),
  TRACE_SAMPLE_RATIO: envVar('PAYSIDECAR_TRACE_SAMPLE_RATIO', 'sidecar', 'share of new traces sampled (0..1)', 'traceSampleRatio'),
  SAMPLE_STRESS: envVar('PAYSIDECAR_SAMPLE_STRESS', 'sidecar', 'always sample stress traffic: true|false', 'sampleStress'),
  MAX_INFLIGHT: envVar('PAYSIDECAR_MAX_INFLIGHT', 'sidecar', 'requests in flight beyond which the sidecar answers 503 (0 = off)', 'maxInflight'),
  STRESS_SECRET_FILE: envVar('PAYSIDECAR_STRESS_SECRET_FILE', 'sidecar', 'file holding the stress secret (re-read on reload)', 'stressSecretFile'),
  STRESS_SECRET_OVERLAP: envVar('PAYSIDECAR_STRESS_SECRET_OVERLAP', 'sidecar', 'how long the previous stress secret stays valid after a rotation', 'stressSecretOverlap'),
  ACCESS_LOG_ROTATE_SIZE: envVar('PAYSIDECAR_ACCESS_LOG_ROTATE_SIZE', 'sidecar', 'rotate access/stress log files at this size (100m)', 'accessLogRotateSize'),
  ACCESS_LOG_ROTATE_INTERVAL: envVar('PAYSIDECAR_ACCESS_LOG_ROTATE_INTERVAL', 'sidecar', 'rotate access/stress log files this often (0 = never)', 'accessLogRotateInterval'),
  ACCESS_LOG_ROTATE_KEEP: envVar('PAYSIDECAR_ACCESS_LOG_ROTATE_KEEP', 'sidecar', 'rotated log files kept besides the current one (0 = all)', 'accessLogRotateKeep'),
  SOCKET_WAIT_TIMEOUT: envVar('PAYSIDECAR_SOCKET_WAIT_TIMEOUT', 'sidecar', 'how long a request may wait for a free upstream socket', 'socketWaitTimeout'),

  // In-process agent (`--import paysidecar/agent`).
  AGENT_ADMIN: envVar('PAYSIDECAR_AGENT_ADMIN', 'agent', "agent listener host:port, or 'off'"),
  AGENT_PROPAGATION: envVar('PAYSIDECAR_AGENT_PROPAGATION', 'agent', 'carry trace and stress context onto the app\'s outbound calls: on|off (default on)'),
  AGENT_EVENTLOOP_RESOLUTION: envVar('PAYSIDECAR_AGENT_EVENTLOOP_RESOLUTION', 'agent', 'event-loop delay histogram resolution (default 10ms)'),
  AGENT_BLOCK_THRESHOLD: envVar('PAYSIDECAR_AGENT_BLOCK_THRESHOLD', 'agent', 'event-loop stalls at least this long count as blocks (default 100ms)'),
  AGENT_CPU_INTERVAL: envVar('PAYSIDECAR_AGENT_CPU_INTERVAL', 'agent', 'CPU profile sampling interval (default 10ms, 100 Hz as Go)'),
  AGENT_HEAP_INTERVAL: envVar('PAYSIDECAR_AGENT_HEAP_INTERVAL', 'agent', 'heap profile: average bytes between samples (default 524288)'),
  AGENT_METRICS: envVar('PAYSIDECAR_AGENT_METRICS', 'sidecar', "the agent's /metrics URL to merge into the sidecar's /metrics", 'agentMetrics'),
  DEBUG_TOKEN: envVar('PAYSIDECAR_DEBUG_TOKEN', 'all', 'bearer token for /debug/pprof from non-loopback callers', 'debugToken', true),
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
