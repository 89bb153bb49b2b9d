/**
 * Faults injected into the gateway's own API (/api/*), so alerts can be driven on demand:
 * `POST /admin/faults {"latencyMs": 2500, "errorRate": 0.2}` pushes p99 over 2 s and the error
 * ratio over 5%; `{}` clears. Latency may also be a range or a distribution (see
 * wxpay/server/latency.ts); errors are 500 PAYSIDECAR_GATEWAY_FAULT_INJECTED.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { FAULT_KINDS, ATTR_KIND } from '../names';
import { latencyFromJson, sampleLatencyMs, type Latency } from '../../wxpay/server/latency';
import { GatewayError, sendGatewayError } from '../http-errors';
import type { GatewayMetrics } from '../metrics';

export interface GatewayFaults {
  latency?: Latency;
  /** Share of requests (0..1) answered 500. */
  errorRate?: number;
  /** Path prefixes affected (default ["/api/"]). */
  paths?: string[];
}

const KNOWN = new Set(['latencyMs', 'latency', 'errorRate', 'paths']);

/** Validates the JSON form; a string names what is wrong. */
export function parseGatewayFaults(raw: unknown): GatewayFaults | string {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return 'faults must be a JSON object like {"latencyMs": 2500, "errorRate": 0.2}';
  const body = raw as Record<string, unknown>;
  for (const k of Object.keys(body)) if (!KNOWN.has(k)) return `${k} is not a fault setting (expected ${[...KNOWN].join(', ')})`;
  const out: GatewayFaults = {};
  const latency = latencyFromJson(body);
  if (typeof latency === 'string') return latency;
  if (latency) out.latency = latency;
  if (body.errorRate !== undefined) {
    if (typeof body.errorRate !== 'number' || !(body.errorRate >= 0 && body.errorRate <= 1)) return `errorRate must be a number from 0 to 1, got ${JSON.stringify(body.errorRate)}`;
    out.errorRate = body.errorRate;
  }
  if (body.paths !== undefined) {
    if (!Array.isArray(body.paths) || !body.paths.every((p) => typeof p === 'string' && p.startsWith('/'))) return 'paths must be an array of path prefixes starting with /';
    out.paths = body.paths as string[];
  }
  return out;
}

export class GatewayFaultInjector {
  private faults: GatewayFaults;

  constructor(
    initial: GatewayFaults,
    private readonly metrics: GatewayMetrics,
  ) {
    this.faults = initial;
  }

  get current(): GatewayFaults {
    return this.faults;
  }

  set(f: GatewayFaults): void {
    this.faults = f;
  }

  hook() {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const f = this.faults;
      if (!f.latency && !f.errorRate) return;
      const path = request.url.split('?')[0];
      if (!(f.paths ?? ['/api/']).some((p) => path.startsWith(p))) return;
      if (f.latency) {
        const ms = sampleLatencyMs(f.latency);
        if (ms > 0) {
          this.metrics.faultsInjected.add(1, { [ATTR_KIND]: FAULT_KINDS.latency });
          await sleep(ms);
        }
      }
      if (f.errorRate && Math.random() < f.errorRate) {
        this.metrics.faultsInjected.add(1, { [ATTR_KIND]: FAULT_KINDS.error });
        await sendGatewayError(reply, new GatewayError('PAYSIDECAR_GATEWAY_FAULT_INJECTED', `errorRate ${f.errorRate}`));
      }
    };
  }
}
