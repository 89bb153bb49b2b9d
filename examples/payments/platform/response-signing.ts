/** Every platform response carries Wechatpay-* signature headers over its exact body. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { signedBodyHeaders } from '../wxpay/signed-body';
import type { PlatformIdentities, SigningIdentity } from './identities';

declare module 'fastify' {
  interface FastifyRequest {
    /** A route that must answer under one identity (POST /v3/security/echo) sets it. */
    signAs?: SigningIdentity;
  }
}

export function signResponses(app: FastifyInstance, identities: PlatformIdentities): void {
  app.addHook('onSend', async (request: FastifyRequest, reply, payload) => {
    // Fastify has serialised JSON by now, so `payload` is the exact body that goes on the wire.
    let body: string;
    if (payload === null || payload === undefined) body = '';
    else if (typeof payload === 'string') body = payload;
    else if (Buffer.isBuffer(payload)) body = payload.toString('utf8');
    else return payload; // streams are not used by the platform
    const id = request.signAs ?? identities.signer();
    reply.headers(signedBodyHeaders({ privateKey: id.privateKey, serial: id.serial, body }));
    return payload;
  });
}
