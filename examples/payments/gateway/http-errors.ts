/** Gateway API errors: a stable code from ./errors.ts, a detail, and how platform failures map onto them. */
import type { FastifyReply } from 'fastify';
import { GATEWAY_ERROR_CODES, gatewayErrorBody, type GatewayErrorCode } from './errors';
import { PlatformCallError } from './platform/errors';

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    readonly detail?: string,
    /** Extra fields for the body (e.g. out_trade_no so the client can retry). */
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? code);
    this.name = 'GatewayError';
  }
}

export function fromPlatformError(err: PlatformCallError, extra: Record<string, unknown> = {}, breakerRetryAfterS = 5): GatewayError {
  const withCode = { ...extra, ...(err.platformCode ? { platform_code: err.platformCode } : {}), ...(err.status ? { platform_status: err.status } : {}) };
  switch (err.kind) {
    case 'circuit_open':
      return new GatewayError('PAYSIDECAR_GATEWAY_PLATFORM_UNAVAILABLE', err.message, withCode, { 'retry-after': String(breakerRetryAfterS) });
    case 'timeout':
      return new GatewayError('PAYSIDECAR_GATEWAY_PLATFORM_TIMEOUT', err.message, withCode);
    case 'forged':
      return new GatewayError('PAYSIDECAR_GATEWAY_PLATFORM_FORGED', err.message, withCode);
    case 'network':
      return new GatewayError('PAYSIDECAR_GATEWAY_PLATFORM_ERROR', err.message, withCode);
    default:
      if (err.status === 429 || (err.status !== undefined && err.status >= 500)) return new GatewayError('PAYSIDECAR_GATEWAY_PLATFORM_ERROR', err.message, withCode);
      return new GatewayError('PAYSIDECAR_GATEWAY_PLATFORM_REJECTED', err.message, withCode);
  }
}

export function sendGatewayError(reply: FastifyReply, err: GatewayError): FastifyReply {
  return reply
    .code(GATEWAY_ERROR_CODES[err.code].status)
    .headers(err.headers)
    .send({ ...gatewayErrorBody(err.code, err.detail), ...err.extra });
}
