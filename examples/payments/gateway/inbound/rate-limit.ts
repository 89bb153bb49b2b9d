/** The inbound API's token bucket: 429 with Retry-After (whole seconds, at least 1) when empty. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ATTR_ROUTE } from '../names';
import { GatewayError, sendGatewayError } from '../http-errors';
import type { GatewayMetrics } from '../metrics';
import { TokenBucket } from './token-bucket';

export interface RateLimitOptions {
  /** Requests per second refilled (0 disables the limit). */
  ratePerSecond: number;
  /** Bucket size: the burst allowed after a quiet period. */
  burst: number;
}

export function rateLimitHook(opts: RateLimitOptions, metrics: GatewayMetrics) {
  const bucket = opts.ratePerSecond > 0 ? new TokenBucket(opts.ratePerSecond, Math.max(1, opts.burst)) : undefined;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!bucket) return;
    const r = bucket.take();
    if (r.ok) return;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.rateLimited.add(1, { [ATTR_ROUTE]: route });
    const retryAfter = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
    await sendGatewayError(reply, new GatewayError('PAYSIDECAR_GATEWAY_RATE_LIMITED', `limit is ${opts.ratePerSecond}/s (burst ${opts.burst}); retry after ${retryAfter}s`, {}, { 'retry-after': String(retryAfter) }));
  };
}
