/**
 * What the SDKs themselves get wrong or leave out, shown against the mock as it stands: the mock
 * keeps the protocol, and these tests pin each SDK's behaviour so a fix upstream shows up here.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type RunningPlatform } from '../../../examples/payments/platform/server';
import { mockPlatformAgent } from '../../../examples/payments/platform/sdk-agent';
import { KEY_FILES } from '../../../examples/payments/wxpay/keys';
import { silent, tempKeys, type TempKeys } from '../platform/harness';

const Pay = require('wechatpay-node-v3') as any;

describe('wechatpay-node-v3 with its own transport (superagent) through the agent', () => {
  let keys: TempKeys;
  let platform: RunningPlatform;
  let agent: https.Agent;
  const saved = https.globalAgent;
  before(async () => {
    keys = await tempKeys('paysidecar-quirks-');
    platform = await startPlatform({ keysDir: keys.dir, port: 0, tls: true, logger: silent });
    agent = mockPlatformAgent({ platformUrl: platform.url, ca: keys.merchant.caCertificatePem });
    // The whole-process form of the redirect: no createHttp(), the SDK's superagent as shipped.
    https.globalAgent = agent;
  });
  after(async () => {
    https.globalAgent = saved;
    agent.destroy();
    await platform.close();
    keys.cleanup();
  });
  const pay = () => {
    Pay.certificates = {};
    return new Pay({ appid: keys.merchant.appid, mchid: keys.merchant.mchid, publicKey: readFileSync(join(keys.dir, KEY_FILES.merchantCertificate)), privateKey: readFileSync(join(keys.dir, KEY_FILES.merchantPrivate)), key: keys.merchant.apiV3Key.reveal() });
  };

  it('reads serial_no from apiclient_cert.pem in lower case; the platform matches it as it does any hex serial', async () => {
    const p = pay();
    assert.equal(p.serial_no, keys.merchant.merchantSerial.toLowerCase());
    await p.fetchCertificates();
    assert.deepEqual(Object.keys(Pay.certificates), [keys.merchant.platformSerial]);
  });

  it('signs the path before its HTTP client encodes it: an out_trade_no with "|" gets 401 SIGN_ERROR (SDK bug)', async () => {
    const r = await pay().query({ out_trade_no: 'SDK|000001' });
    assert.equal(r.status, 401);
    const body = JSON.parse(r.error);
    assert.equal(body.code, 'SIGN_ERROR');
    // The platform signed what came over the wire; the SDK signed the unencoded path.
    assert.equal(body.detail.sign_information.url, `/v3/pay/transactions/out-trade-no/SDK%7C000001?mchid=${keys.merchant.mchid}`);
  });

  it('drops the response headers: a caller of the stock transport cannot verify anything', async () => {
    const r = await pay().transactions_native({ description: 'x', out_trade_no: 'NOHDR000001', notify_url: 'https://merchant.example/notify', amount: { total: 1 } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r).sort(), ['data', 'status']);
  });
});

describe('wechatpay-node-v3 in public-key mode', () => {
  it('has no public-key mode: verifySign on PUB_KEY_ID_… downloads certificates, gets 404, throws', async () => {
    const keys = await tempKeys('paysidecar-quirks-pk-');
    const platform = await startPlatform({ keysDir: keys.dir, port: 0, tls: true, verifyMode: 'public-key', logger: silent });
    const agent = mockPlatformAgent({ platformUrl: platform.url, ca: keys.merchant.caCertificatePem });
    const saved = https.globalAgent;
    https.globalAgent = agent;
    try {
      Pay.certificates = {};
      const p = new Pay({ appid: keys.merchant.appid, mchid: keys.merchant.mchid, publicKey: readFileSync(join(keys.dir, KEY_FILES.merchantCertificate)), privateKey: readFileSync(join(keys.dir, KEY_FILES.merchantPrivate)), key: keys.merchant.apiV3Key.reveal() });
      await assert.rejects(p.verifySign({ timestamp: '1', nonce: 'n', serial: keys.merchant.publicKeyId, signature: 'x', body: '' }), /拉取平台证书失败/);
    } finally {
      https.globalAgent = saved;
      agent.destroy();
      await platform.close();
      keys.cleanup();
    }
  });
});

describe("wechatpay-axios-plugin's `wxpay crt` downloader", () => {
  it('reaches the mock over TLS but cannot verify its first download: the client copies `certs`, so the certificates it injects are never seen (SDK bug)', async () => {
    const keys = await tempKeys('paysidecar-quirks-crt-');
    const platform = await startPlatform({ keysDir: keys.dir, port: 0, tls: true, logger: silent });
    const out = mkdtempSync(join(tmpdir(), 'paysidecar-crt-'));
    try {
      const cli = require.resolve('wechatpay-axios-plugin/bin/cli.js');
      const args = [cli, 'crt', '-m', keys.merchant.mchid, '-s', keys.merchant.merchantSerial, '-f', join(keys.dir, KEY_FILES.merchantPrivate), '-k', keys.merchant.apiV3Key.reveal(), '-o', out, '-u', `${platform.url}/`];
      // Asynchronously, so the platform in this process keeps answering.
      const r = await new Promise<{ output: string }>((resolve) => {
        const child = spawn(process.execPath, args, { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(keys.dir, KEY_FILES.caCertificate) } });
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d));
        child.stderr.on('data', (d: Buffer) => (output += d));
        child.on('close', () => resolve({ output }));
      });
      assert.match(r.output, /status: 200/, 'TLS and the merchant signature passed: the platform answered 200');
      assert.deepEqual(readdirSync(out), [], 'but nothing was saved: the response failed the SDK\'s own verification');
      // The same steps in-process name the cause.
      const { Wechatpay, Aes } = require('wechatpay-axios-plugin') as any;
      const certs: Record<string, string | undefined> = { any: undefined };
      const secret = keys.merchant.apiV3Key.reveal();
      const injector = (raw: string) => {
        for (const e of JSON.parse(raw).data) certs[e.serial_no] = Aes.AesGcm.decrypt(e.encrypt_certificate.ciphertext, secret, e.encrypt_certificate.nonce, e.encrypt_certificate.associated_data);
        return raw;
      };
      const agent = new https.Agent({ ca: keys.merchant.caCertificatePem });
      const wx = new Wechatpay({ baseURL: `${platform.url}/`, mchid: keys.merchant.mchid, serial: keys.merchant.merchantSerial, privateKey: readFileSync(join(keys.dir, KEY_FILES.merchantPrivate)), certs, httpsAgent: agent });
      await assert.rejects(wx.v3.certificates.get({ transformResponse: [injector, ...wx.client.v3.defaults.transformResponse] }), { code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
      assert.ok(certs[keys.merchant.platformSerial], 'the injector did decrypt the certificate, into the object the client no longer reads');
      agent.destroy();
    } finally {
      rmSync(out, { recursive: true, force: true });
      await platform.close();
      keys.cleanup();
    }
  });
});
