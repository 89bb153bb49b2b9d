/**
 * Signatures cover the exact bytes on the wire, so both servers keep the raw JSON body next to
 * the parsed one. Invalid JSON becomes a 400 error with code `INVALID_JSON`, which each server's
 * error handler turns into its own error body.
 */
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received ('' when there was none). */
    rawBody?: string;
  }
}

export class InvalidJsonError extends Error {
  readonly statusCode = 400;
  readonly code = 'INVALID_JSON';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidJsonError';
  }
}

export function keepRawJsonBody(app: FastifyInstance, bodyLimit = 1024 * 1024): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    request.rawBody = text;
    if (text.length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new InvalidJsonError(`body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
}
