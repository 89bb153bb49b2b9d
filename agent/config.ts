/**
 * The agent's settings, from PAYSIDECAR_AGENT_* (declared in src/config/env.ts) only. A bad value
 * is a warning and the default, never an exception: the agent must not stop the app from starting.
 */
import { ENV, readEnv, type EnvVar } from '../src/config/env';
import { parseHostPort, HOST_PORT_EXPECTED, type HostPort } from '../src/config/address';
import { parseDuration, DURATION_EXPECTED } from '../src/config/duration';

export interface AgentConfig {
  /** undefined: listener off. */
  admin?: HostPort;
  debugToken?: string;
  propagation: boolean;
  eventLoopResolutionMs: number;
  blockThresholdMs: number;
  cpuIntervalUs: number;
  heapIntervalBytes: number;
  logLevel?: string;
}

export const AGENT_DEFAULTS = {
  admin: '127.0.0.1:15091',
  eventLoopResolutionMs: 10,
  blockThresholdMs: 100,
  cpuIntervalUs: 10_000,
  heapIntervalBytes: 512 * 1024,
} as const;

export function readAgentConfig(env: NodeJS.ProcessEnv, warn: (problem: string) => void): AgentConfig {
  const bad = (name: string, value: string, expected: string) =>
    warn(`${name}=${JSON.stringify(value)} is invalid, expected ${expected}; using the default`);

  let admin: HostPort | undefined = parseHostPort(AGENT_DEFAULTS.admin);
  const rawAdmin = readEnv(ENV.AGENT_ADMIN, env);
  if (rawAdmin !== undefined) {
    if (rawAdmin.trim().toLowerCase() === 'off') admin = undefined;
    else {
      const hp = parseHostPort(rawAdmin);
      if (hp) admin = hp;
      else bad(ENV.AGENT_ADMIN.name, rawAdmin, `${HOST_PORT_EXPECTED}, or off`);
    }
  }

  const duration = (e: EnvVar, dflt: number, min: number, max: number): number => {
    const raw = readEnv(e, env);
    if (raw === undefined) return dflt;
    const ms = parseDuration(raw);
    if (ms !== undefined && ms >= min && ms <= max) return ms;
    bad(e.name, raw, `${DURATION_EXPECTED}, from ${min}ms to ${max}ms`);
    return dflt;
  };

  let propagation = true;
  const rawProp = readEnv(ENV.AGENT_PROPAGATION, env);
  if (rawProp !== undefined) {
    if (/^(on|true|1)$/i.test(rawProp)) propagation = true;
    else if (/^(off|false|0)$/i.test(rawProp)) propagation = false;
    else bad(ENV.AGENT_PROPAGATION.name, rawProp, 'on or off');
  }

  let heapIntervalBytes: number = AGENT_DEFAULTS.heapIntervalBytes;
  const rawHeap = readEnv(ENV.AGENT_HEAP_INTERVAL, env);
  if (rawHeap !== undefined) {
    const n = /^\d+$/.test(rawHeap.trim()) ? Number(rawHeap) : NaN;
    if (n >= 1024 && n <= 64 * 1024 * 1024) heapIntervalBytes = n;
    else bad(ENV.AGENT_HEAP_INTERVAL.name, rawHeap, 'a byte count from 1024 to 67108864');
  }

  return {
    admin,
    debugToken: readEnv(ENV.DEBUG_TOKEN, env),
    propagation,
    eventLoopResolutionMs: duration(ENV.AGENT_EVENTLOOP_RESOLUTION, AGENT_DEFAULTS.eventLoopResolutionMs, 1, 1000),
    blockThresholdMs: duration(ENV.AGENT_BLOCK_THRESHOLD, AGENT_DEFAULTS.blockThresholdMs, 2, 60_000),
    cpuIntervalUs: duration(ENV.AGENT_CPU_INTERVAL, AGENT_DEFAULTS.cpuIntervalUs / 1000, 1, 1000) * 1000,
    heapIntervalBytes,
    logLevel: readEnv(ENV.LOG_LEVEL, env),
  };
}
