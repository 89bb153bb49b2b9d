/**
 * The agent's settings, from PAYSIDECAR_AGENT_* (declared in src/config/env.ts) only. A bad value
 * is a warning and the default, never an exception: the agent must not stop the app from starting.
 */
import { ENV, readEnv, type EnvVar } from '../src/config/env';
import type { HostPort } from '../src/config/address';
import { boolean, check, durationIn, expecting, hostPort, intIn, logLevel, valueType, type ValueType } from '../src/config/values';
import type { LogLevel } from '../src/telemetry/logger';

export interface AgentConfig {
  /** undefined: listener off. */
  admin?: HostPort;
  debugToken?: string;
  propagation: boolean;
  eventLoopResolutionMs: number;
  blockThresholdMs: number;
  cpuIntervalUs: number;
  heapIntervalBytes: number;
  logLevel: LogLevel;
}

export const AGENT_DEFAULTS = {
  admin: { host: '127.0.0.1', port: 15091 },
  eventLoopResolutionMs: 10,
  blockThresholdMs: 100,
  cpuIntervalUs: 10_000,
  heapIntervalBytes: 512 * 1024,
  logLevel: 'info',
} as const;

/** The listener's address, or `off` (null) for none. */
const adminAddress = valueType<HostPort | null>(`${hostPort.expected}, or off`, (s) => (s.trim().toLowerCase() === 'off' ? null : hostPort.parse(s)));
const onOff = expecting(boolean, 'on or off');
const heapInterval = expecting(intIn(1024, 64 * 1024 * 1024), 'a byte count from 1024 to 67108864');

export function readAgentConfig(env: NodeJS.ProcessEnv, warn: (problem: string) => void): AgentConfig {
  const read = <T>(e: EnvVar, type: ValueType<T>, dflt: T): T => {
    const raw = readEnv(e, env);
    if (raw === undefined) return dflt;
    const r = check(e.name, raw, type);
    if (r.ok) return r.value;
    warn(`${r.problem}; using the default`);
    return dflt;
  };

  return {
    admin: read(ENV.AGENT_ADMIN, adminAddress, { ...AGENT_DEFAULTS.admin }) ?? undefined,
    debugToken: readEnv(ENV.DEBUG_TOKEN, env),
    propagation: read(ENV.AGENT_PROPAGATION, onOff, true),
    eventLoopResolutionMs: read(ENV.AGENT_EVENTLOOP_RESOLUTION, durationIn(1, 1000), AGENT_DEFAULTS.eventLoopResolutionMs),
    blockThresholdMs: read(ENV.AGENT_BLOCK_THRESHOLD, durationIn(2, 60_000), AGENT_DEFAULTS.blockThresholdMs),
    cpuIntervalUs: read(ENV.AGENT_CPU_INTERVAL, durationIn(1, 1000), AGENT_DEFAULTS.cpuIntervalUs / 1000) * 1000,
    heapIntervalBytes: read(ENV.AGENT_HEAP_INTERVAL, heapInterval, AGENT_DEFAULTS.heapIntervalBytes),
    logLevel: read(ENV.LOG_LEVEL, logLevel, AGENT_DEFAULTS.logLevel),
  };
}
