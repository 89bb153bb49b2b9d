/**
 * Fault injection on the /v3 endpoints, set by flags at start and by `POST /mock/faults` at run
 * time (`{}` clears). JSON shape:
 *
 *   {"latencyMs": 200 | [min, max], "latency": {"distribution": …}, "errorRate": 0.2,
 *    "errorStatus": 500 | 429 | 503, "resetRate": 0.05,
 *    "endpoints": {"jsapi": {"errorRate": 1, "errorStatus": 429}, …}}
 *
 * An endpoint's own entry replaces the top-level settings for that endpoint.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { latencyFromJson, sampleLatencyMs, type Latency } from '../wxpay/server/latency';
import { wxpayError } from '../wxpay/errors';

export const PLATFORM_ENDPOINTS = ['jsapi', 'native', 'query', 'query-by-id', 'close', 'refund', 'refund-query', 'certificates', 'echo'] as const;
export type PlatformEndpoint = (typeof PLATFORM_ENDPOINTS)[number];

export const FAULT_STATUSES = [500, 429, 503] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

export interface FaultRule {
  latency?: Latency;
  errorRate?: number;
  errorStatus?: FaultStatus;
  resetRate?: number;
}

export interface PlatformFaults extends FaultRule {
  endpoints?: Partial<Record<PlatformEndpoint, FaultRule>>;
}

export interface FaultCounters {
  delayed: number;
  errors: number;
  resets: number;
}

function rate(v: unknown, name: string): number | string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'number' && v >= 0 && v <= 1 ? v : `${name} must be a number from 0 to 1`;
}

function parseRule(raw: Record<string, unknown>, prefix: string): FaultRule | string {
  const known = new Set(['latencyMs', 'latency', 'errorRate', 'errorStatus', 'resetRate', ...(prefix === '' ? ['endpoints'] : [])]);
  for (const k of Object.keys(raw)) if (!known.has(k)) return `${prefix}${k} is not a fault setting (expected ${[...known].join(', ')})`;
  const rule: FaultRule = {};
  const latency = latencyFromJson(raw);
  if (typeof latency === 'string') return `${prefix}${latency}`;
  if (latency) rule.latency = latency;
  const er = rate(raw.errorRate, `${prefix}errorRate`);
  if (typeof er === 'string') return er;
  if (er !== undefined) rule.errorRate = er;
  const rr = rate(raw.resetRate, `${prefix}resetRate`);
  if (typeof rr === 'string') return rr;
  if (rr !== undefined) rule.resetRate = rr;
  if (raw.errorStatus !== undefined) {
    if (!(FAULT_STATUSES as readonly unknown[]).includes(raw.errorStatus)) return `${prefix}errorStatus must be one of ${FAULT_STATUSES.join('|')}`;
    rule.errorStatus = raw.errorStatus as FaultStatus;
  }
  return rule;
}

/** Validates the JSON form; returns a problem string naming the field when it is wrong. */
export function parsePlatformFaults(raw: unknown): PlatformFaults | string {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return 'faults must be a JSON object';
  const top = parseRule(raw as Record<string, unknown>, '');
  if (typeof top === 'string') return top;
  const faults: PlatformFaults = top;
  const eps = (raw as Record<string, unknown>).endpoints;
  if (eps !== undefined) {
    if (typeof eps !== 'object' || eps === null || Array.isArray(eps)) return 'endpoints must be an object keyed by endpoint name';
    faults.endpoints = {};
    for (const [name, r] of Object.entries(eps)) {
      if (!(PLATFORM_ENDPOINTS as readonly string[]).includes(name)) return `endpoints.${name} is not an endpoint (expected ${PLATFORM_ENDPOINTS.join('|')})`;
      if (typeof r !== 'object' || r === null) return `endpoints.${name} must be an object`;
      const rule = parseRule(r as Record<string, unknown>, `endpoints.${name}.`);
      if (typeof rule === 'string') return rule;
      faults.endpoints[name as PlatformEndpoint] = rule;
    }
  }
  return faults;
}

const ERROR_FOR_STATUS = { 500: 'SYSTEM_ERROR', 429: 'FREQUENCY_LIMITED', 503: 'SERVICE_UNAVAILABLE' } as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which fault rule applies to a route. */
    endpoint?: PlatformEndpoint;
  }
}

export class FaultInjector {
  private faults: PlatformFaults;
  readonly counters: FaultCounters = { delayed: 0, errors: 0, resets: 0 };

  constructor(initial: PlatformFaults = {}) {
    this.faults = initial;
  }

  get current(): PlatformFaults {
    return this.faults;
  }

  set(faults: PlatformFaults): void {
    this.faults = faults;
  }

  private ruleFor(endpoint: PlatformEndpoint | undefined): FaultRule {
    return (endpoint && this.faults.endpoints?.[endpoint]) || this.faults;
  }

  /** An onRequest hook: delay, then maybe reset the connection or answer an error. */
  hook() {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const rule = this.ruleFor(request.routeOptions.config.endpoint);
      if (rule.latency) {
        const ms = sampleLatencyMs(rule.latency);
        if (ms > 0) {
          this.counters.delayed++;
          await sleep(ms);
        }
      }
      if (rule.resetRate && Math.random() < rule.resetRate) {
        this.counters.resets++;
        reply.hijack();
        // An RST, as a crashed or overloaded peer would send; the client sees ECONNRESET.
        request.raw.socket.resetAndDestroy();
        return;
      }
      if (rule.errorRate && Math.random() < rule.errorRate) {
        this.counters.errors++;
        const status = rule.errorStatus ?? 500;
        const e = wxpayError(ERROR_FOR_STATUS[status], `injected fault (${status})`);
        if (status === 429) reply.header('retry-after', '1');
        await reply.code(e.status).send(e.body);
      }
    };
  }
}
