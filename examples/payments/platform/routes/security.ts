/**
 * The platform's own security endpoints (merchant-signed like every /v3 route):
 *
 *   GET  /v3/certificates     the platform certificates, each encrypted under the APIv3 key
 *                             (AEAD_AES_256_GCM, associated_data "certificate"); 404 in public-key mode
 *   POST /v3/security/echo    self-test: needs `Wechatpay-Serial` naming the platform identity the
 *                             merchant verifies with; the answer is signed under exactly that identity,
 *                             and with `{"notify_url": …}` a SECURITY_ECHO.SUCCESS callback follows
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { encryptResource } from '../../wxpay/aead';
import { wxpayError, type WxpayErrorCode, type WxpayErrorDetail } from '../../wxpay/errors';
import { H_WECHATPAY_SERIAL } from '../../wxpay/headers';
import { rfc3339Beijing } from '../../wxpay/time';
import type { CertificatesResponse } from '../../wxpay/types';
import type { PlatformContext } from '../context';
import { securityEchoNotify } from '../notify/envelope';
import { traceFromHeaders } from '../notify/trace';
import type { SigningIdentity } from '../identities';

function fail(reply: FastifyReply, code: WxpayErrorCode, message: string, detail?: WxpayErrorDetail) {
  const e = wxpayError(code, message, detail);
  return reply.code(e.status).send(e.body);
}

/** The identity a merchant names in Wechatpay-Serial, when this platform run signs with it. */
function identityFor(ctx: PlatformContext, serial: string): SigningIdentity | undefined {
  if (ctx.identities.mode !== 'certificate' && serial === ctx.keys.publicKeyId) return { serial, privateKey: ctx.keys.publicKeyPrivateKey };
  return ctx.identities.signingCertificate(serial);
}

export function securityRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/v3/certificates', { config: { endpoint: 'certificates' } }, async (_request, reply) => {
    const listed = ctx.identities.listed();
    if (listed.length === 0) {
      return fail(reply, 'RESOURCE_NOT_EXISTS', `certificate does not exist: merchant ${ctx.keys.mchid} verifies with the WeChat Pay public key ${ctx.keys.publicKeyId}`);
    }
    const body: CertificatesResponse = {
      data: listed.map((c) => {
        const enc = encryptResource(ctx.keys.apiV3Key.reveal(), c.pem, 'certificate');
        return {
          serial_no: c.serial,
          effective_time: rfc3339Beijing(c.notBefore.getTime()),
          expire_time: rfc3339Beijing(c.notAfter.getTime()),
          encrypt_certificate: { algorithm: enc.algorithm, nonce: enc.nonce, associated_data: 'certificate', ciphertext: enc.ciphertext },
        };
      }),
    };
    return reply.send(body);
  });

  app.post('/v3/security/echo', { config: { endpoint: 'echo' } }, async (request, reply) => {
    const h = request.headers[H_WECHATPAY_SERIAL];
    const serial = Array.isArray(h) ? h[0] : h;
    if (!serial) return fail(reply, 'PARAM_ERROR', 'Wechatpay-Serial header is required', { field: 'Wechatpay-Serial', location: 'header', issue: 'missing' });
    const id = identityFor(ctx, serial);
    if (!id) {
      return fail(reply, 'PARAM_ERROR', `Wechatpay-Serial ${serial} is not a platform certificate serial or public key id this platform signs with`, {
        field: 'Wechatpay-Serial',
        value: serial,
        location: 'header',
        issue: 'unknown serial',
      });
    }
    const b = (request.body ?? {}) as { notify_url?: unknown };
    if (b.notify_url !== undefined && (typeof b.notify_url !== 'string' || !/^https?:\/\/[^?#]+$/.test(b.notify_url))) {
      return fail(reply, 'PARAM_ERROR', 'notify_url must be an http(s) URL without a query', { field: '/notify_url', value: b.notify_url, location: 'body', issue: 'invalid url' });
    }
    request.signAs = id;
    const echoTime = rfc3339Beijing();
    if (typeof b.notify_url === 'string') {
      ctx.notifier.send({
        envelope: securityEchoNotify(ctx.keys, { mchid: ctx.keys.mchid, wechatpay_serial: id.serial, echo_time: echoTime }),
        url: b.notify_url,
        outTradeNo: '',
        trace: traceFromHeaders(request.headers),
        signAs: id,
      });
    }
    return reply.send({ wechatpay_serial: id.serial, echo_time: echoTime });
  });
}
