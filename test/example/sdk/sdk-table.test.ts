/**
 * The merchant SDKs against the mock platform over TLS, in both verify modes: create (JSAPI,
 * Native), query by out_trade_no and transaction_id, close, refund, refund query, certificate
 * download, response verification, callback verification and decryption, SIGNTEST probes
 * refused. Each SDK verifies with its own code; the mock's keys never help it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { startPlatform, type RunningPlatform } from '../../../examples/payments/platform/server';
import { mockPlatformAgent } from '../../../examples/payments/platform/sdk-agent';
import { plainCall, receiver, silent, tempKeys, waitFor, type Receiver, type TempKeys } from '../platform/harness';
import { axiosPlugin, nodeV3, type MerchantSdk, type VerifyMode } from './merchants';

interface Callback {
  event_type: string;
  verified: boolean;
  plaintext?: any;
}

for (const sdkName of ['wechatpay-axios-plugin', 'wechatpay-node-v3'] as const) {
  for (const mode of ['certificate', 'public-key'] as const satisfies readonly VerifyMode[]) {
    describe(`${sdkName}, ${mode} mode`, () => {
      let keys: TempKeys;
      let platform: RunningPlatform;
      let notify: Receiver;
      let sdk: MerchantSdk;
      let agent: Agent;
      const callbacks: Callback[] = [];
      const n = (s: string) => `${sdkName === 'wechatpay-axios-plugin' ? 'AX' : 'NV'}${mode === 'certificate' ? 'C' : 'P'}${s}`;

      before(async () => {
        keys = await tempKeys('paysidecar-sdk-');
        platform = await startPlatform({ keysDir: keys.dir, port: 0, tls: true, verifyMode: mode, signtestProbes: true, notifyTimeScale: 0.001, refundDelayMs: 30, logger: silent });
        // axios-plugin takes a base URL and an agent; node-v3 keeps https://api.mch.weixin.qq.com and
        // reaches the mock through an agent that connects there (TLS still checks that host name).
        agent = sdkName === 'wechatpay-axios-plugin' ? new Agent({ ca: keys.merchant.caCertificatePem, keepAlive: true }) : mockPlatformAgent({ platformUrl: platform.url, ca: keys.merchant.caCertificatePem });
        sdk = sdkName === 'wechatpay-axios-plugin' ? axiosPlugin(keys.merchant, platform.url, agent, mode) : nodeV3(keys.merchant, agent, mode);
        // The merchant's callback handler: the SDK verifies, then decrypts; 401 when it does not verify.
        notify = await receiver(async (r, _i, res) => {
          const ok = await sdk.verifyCallback(r.headers, r.body);
          const cb: Callback = { event_type: JSON.parse(r.body).event_type, verified: ok };
          if (ok) cb.plaintext = sdk.decrypt(JSON.parse(r.body).resource);
          callbacks.push(cb);
          res.writeHead(ok ? 204 : 401, ok ? {} : { 'content-type': 'application/json' }).end(ok ? undefined : '{"code":"FAIL","message":"signature"}');
        });
      });
      after(async () => {
        await notify.close();
        await platform.close();
        agent.destroy();
        keys.cleanup();
      });

      it('certificate download: the platform certificate in certificate mode, none in public-key mode', async () => {
        if (mode === 'certificate') {
          assert.deepEqual(await sdk.downloadCertificates(), [keys.merchant.platformSerial]);
        } else {
          await assert.rejects(sdk.downloadCertificates(), (err: any) => (err.status ?? err.response?.status) === 404 || /拉取平台证书失败/.test(err.message));
        }
      });

      const order = (no: string, extra: Record<string, unknown> = {}) => ({
        description: 'sdk table',
        out_trade_no: no,
        notify_url: `${notify.url}/notify`,
        amount: { total: 100, currency: 'CNY' },
        ...(sdkName === 'wechatpay-axios-plugin' ? { appid: keys.merchant.appid, mchid: keys.merchant.mchid } : {}),
        ...extra,
      });

      it('create JSAPI and Native: signed answers the SDK verifies', async () => {
        const j = await sdk.jsapi(order(n('J00001'), { payer: { openid: 'oSDKtable0000000000000000001' } }));
        assert.equal(j.status, 200);
        assert.equal(j.verified, true);
        assert.match(JSON.stringify(j.data), /wx\d{14}/, 'a prepay_id (node-v3 hands back the paySign bundle around it)');
        const nat = await sdk.native(order(n('N00001')));
        assert.deepEqual([nat.status, nat.verified], [200, true]);
        assert.match(nat.data.code_url, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
      });

      it('pay → TRANSACTION.SUCCESS callback verified and decrypted by the SDK; the SIGNTEST probe refused', async () => {
        const paid = await plainCall(platform.url, 'POST', '/mock/pay', { out_trade_no: n('J00001') }, {}, keys.merchant.caCertificatePem);
        assert.equal(paid.status, 200, 'the order is paid');
        const cb = await waitFor('the transaction callback', () => callbacks.find((c) => c.event_type === 'TRANSACTION.SUCCESS' && c.verified));
        assert.equal(cb.plaintext.out_trade_no, n('J00001'));
        assert.equal(cb.plaintext.trade_state, 'SUCCESS');
        const probes = await waitFor('the probe record', () => platform.notifier.probes().length > 0 && platform.notifier.probes());
        assert.deepEqual(probes.map((p) => p.outcome), ['refused']);
      });

      it('query by out_trade_no and by transaction_id', async () => {
        const byNo = await sdk.queryByOutTradeNo(n('J00001'));
        assert.deepEqual([byNo.status, byNo.verified, byNo.data.trade_state], [200, true, 'SUCCESS']);
        const byId = await sdk.queryById(byNo.data.transaction_id);
        assert.deepEqual([byId.status, byId.verified, byId.data.out_trade_no], [200, true, n('J00001')]);
      });

      it('close an unpaid order: 204, empty body, still signed', async () => {
        const c = await sdk.close(n('N00001'));
        assert.deepEqual([c.status, c.verified], [204, true]);
        assert.equal((await sdk.queryByOutTradeNo(n('N00001'))).data.trade_state, 'CLOSED');
      });

      it('refund, refund query, REFUND.SUCCESS callback decrypted', async () => {
        const r = await sdk.refund({ out_trade_no: n('J00001'), out_refund_no: n('R00001'), notify_url: `${notify.url}/refund`, amount: { refund: 40, total: 100, currency: 'CNY' } });
        assert.deepEqual([r.status, r.verified, r.data.status], [200, true, 'PROCESSING']);
        const cb = await waitFor('the refund callback', () => callbacks.find((c) => c.event_type === 'REFUND.SUCCESS' && c.verified));
        assert.equal(cb.plaintext.out_refund_no, n('R00001'));
        const q = await sdk.refundQuery(n('R00001'));
        assert.deepEqual([q.status, q.verified, q.data.status], [200, true, 'SUCCESS']);
      });

      it('every callback the SDK accepted was a real one; every probe was refused', () => {
        assert.ok(callbacks.filter((c) => !c.verified).length >= 1, 'probes reached the handler and failed verification');
        assert.ok(callbacks.filter((c) => c.verified).every((c) => c.plaintext !== undefined));
      });
    });
  }
}
