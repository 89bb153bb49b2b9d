/** Every platform response carries Wechatpay-* signature headers over its exact body. */
import type { FastifyInstance } from 'fastify';
import { signedBodyHeaders } from '../wxpay/signed-body';
import type { PlatformKeys } from '../wxpay/keys';

export function signResponses(app: FastifyInstance, keys: PlatformKeys): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    // Fastify has serialised JSON by now, so `payload` is the exact body that goes on the wire.
    let body: string;
    if (payload === null || payload === undefined) body = '';
    else if (typeof payload === 'string') body = payload;
    else if (Buffer.isBuffer(payload)) body = payload.toString('utf8');
    else return payload; // streams are not used by the platform
    reply.headers(signedBodyHeaders({ privateKey: keys.platformPrivateKey, serial: keys.platformSerial, body }));
    return payload;
  });
}
