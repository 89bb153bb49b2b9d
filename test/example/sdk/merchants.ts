/**
 * The two most used Node SDKs as merchant clients of the mock, behind one shape so the table
 * runs the same steps on both. Each SDK is used as its README shows; where it needs a hook to
 * reach the mock (node-v3's fixed https://api.mch.weixin.qq.com), the hook is the one it offers.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest, type Agent } from 'node:https';
import { join } from 'node:path';
import { KEY_FILES, type MerchantKeys } from '../../../examples/payments/wxpay/keys';

/* The SDKs ship plain JS; these are the few members the table uses. */
interface AxiosLike {
  status: number;
  data: any;
  headers: Record<string, string>;
}
type Resource = { get(config?: object): Promise<AxiosLike>; post(data: unknown, config?: object): Promise<AxiosLike> } & Record<string, any>;
const { Wechatpay, Aes, Rsa, Formatter } = require('wechatpay-axios-plugin') as {
  Wechatpay: new (config: object) => { v3: Resource };
  Aes: { AesGcm: { decrypt(ciphertext: string, key: string, iv: string, aad?: string): string } };
  Rsa: { verify(message: string, signature: string, publicKey: string | Buffer): boolean };
  Formatter: { response(timestamp: string, nonce: string, body: string): string };
};
const Pay = require('wechatpay-node-v3') as any;

export interface SdkReply {
  status: number;
  data: any;
  /** The SDK verified the response signature (axios-plugin: no throw; node-v3: verifySign). */
  verified: boolean;
}

export interface MerchantSdk {
  readonly name: string;
  /** Downloads GET /v3/certificates through the SDK; the serials it now trusts. */
  downloadCertificates(): Promise<string[]>;
  jsapi(body: Record<string, unknown>): Promise<SdkReply>;
  native(body: Record<string, unknown>): Promise<SdkReply>;
  queryByOutTradeNo(no: string): Promise<SdkReply>;
  queryById(id: string): Promise<SdkReply>;
  close(no: string): Promise<SdkReply>;
  refund(body: Record<string, unknown>): Promise<SdkReply>;
  refundQuery(no: string): Promise<SdkReply>;
  /** The SDK's own callback verification over the raw body. */
  verifyCallback(headers: Record<string, string | string[] | undefined>, body: string): Promise<boolean>;
  decrypt(resource: { ciphertext: string; nonce: string; associated_data: string }): any;
}

const h = (headers: Record<string, string | string[] | undefined>, name: string) => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : (v ?? '');
};

export type VerifyMode = 'certificate' | 'public-key';

/**
 * wechatpay-axios-plugin: baseURL and an httpsAgent trusting the demo CA. `certs` maps
 * Wechatpay-Serial to a certificate or public key: the downloaded certificates, or
 * `{PUB_KEY_ID_…: pub_key.pem}` in public-key mode.
 */
export function axiosPlugin(keys: MerchantKeys, platformUrl: string, agent: Agent, mode: VerifyMode): MerchantSdk {
  const privateKey = readFileSync(join(keys.dir, KEY_FILES.merchantPrivate));
  const apiV3 = keys.apiV3Key.reveal();
  let certs: Record<string, string | Buffer> =
    mode === 'public-key' ? { [keys.publicKeyId]: readFileSync(join(keys.dir, KEY_FILES.publicKey)) } : { [keys.platformSerial]: keys.platformCertificate.pem };
  let wx = build();
  function build() {
    return new Wechatpay({ mchid: keys.mchid, serial: keys.merchantSerial, privateKey, certs, baseURL: `${platformUrl}/`, httpsAgent: agent });
  }
  const call = async (p: Promise<AxiosLike>): Promise<SdkReply> => {
    const r = await p;
    return { status: r.status, data: r.data, verified: true };
  };
  return {
    name: 'wechatpay-axios-plugin',
    async downloadCertificates() {
      const downloaded: Record<string, string> = {};
      // As the plugin's `wxpay crt` does: an injector decrypts each entry ahead of the verifier. The
      // verifier only knows the certificates the client was built with (see the crt test).
      const injector = (raw: string) => {
        for (const e of JSON.parse(raw).data ?? []) downloaded[e.serial_no] = Aes.AesGcm.decrypt(e.encrypt_certificate.ciphertext, apiV3, e.encrypt_certificate.nonce, e.encrypt_certificate.associated_data);
        return raw;
      };
      const defaults = (wx as any).client.v3.defaults.transformResponse;
      await wx.v3.certificates.get({ transformResponse: [injector, ...defaults] });
      certs = downloaded;
      wx = build();
      return Object.keys(downloaded);
    },
    jsapi: (b) => call(wx.v3.pay.transactions.jsapi.post(b)),
    native: (b) => call(wx.v3.pay.transactions.native.post(b)),
    queryByOutTradeNo: (no) => call(wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: no, params: { mchid: keys.mchid } })),
    queryById: (id) => call(wx.v3.pay.transactions.id._transaction_id_.get({ transaction_id: id, params: { mchid: keys.mchid } })),
    close: (no) => call(wx.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ mchid: keys.mchid }, { out_trade_no: no })),
    refund: (b) => call(wx.v3.refund.domestic.refunds.post(b)),
    refundQuery: (no) => call(wx.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: no })),
    async verifyCallback(headers, body) {
      const serial = h(headers, 'wechatpay-serial');
      const key = certs[serial];
      if (!key) return false;
      return Rsa.verify(Formatter.response(h(headers, 'wechatpay-timestamp'), h(headers, 'wechatpay-nonce'), body), h(headers, 'wechatpay-signature'), key);
    },
    decrypt: (r) => JSON.parse(Aes.AesGcm.decrypt(r.ciphertext, apiV3, r.nonce, r.associated_data)),
  };
}

/** What node-v3's createHttp() service returns: its own {status, data} plus what verification needs. */
interface NodeV3Reply {
  status: number;
  data: any;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * An http service for node-v3's `createHttp()`: node:https through the given agent, returning
 * the raw body and headers (the SDK's own service drops the headers, so nothing can be verified).
 */
export function nodeV3Service(agent: Agent) {
  const send = (method: string, url: string, headers: Record<string, string>, body?: unknown) =>
    new Promise<NodeV3Reply>((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = httpsRequest(url, { method, headers: text === undefined ? headers : { ...headers, 'content-type': 'application/json' }, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let data: unknown;
          try {
            data = raw ? JSON.parse(raw) : undefined;
          } catch {
            data = raw;
          }
          resolve({ status: res.statusCode ?? 0, data, text: raw, headers: res.headers });
        });
      });
      req.on('error', reject);
      req.end(text);
    });
  return {
    get: (url: string, headers: Record<string, string>) => send('GET', url, headers),
    post: (url: string, params: unknown, headers: Record<string, string>) => send('POST', url, headers, params),
    put: (url: string, params: unknown, headers: Record<string, string>) => send('PUT', url, headers, params),
    upload: () => Promise.reject(new Error('not used')),
  };
}

/**
 * wechatpay-node-v3 as its README shows it: publicKey is apiclient_cert.pem (the SDK reads
 * serial_no from it), key is the APIv3 key; createHttp() supplies the transport through `agent`.
 */
export function nodeV3(keys: MerchantKeys, agent: Agent, mode: VerifyMode): MerchantSdk & { pay: any } {
  Pay.certificates = {};
  if (mode === 'public-key') {
    // node-v3 knows certificates only; its static map is the one place a public key can go.
    Pay.certificates[keys.publicKeyId] = readFileSync(join(keys.dir, KEY_FILES.publicKey), 'utf8');
  }
  const pay = new Pay({
    appid: keys.appid,
    mchid: keys.mchid,
    publicKey: readFileSync(join(keys.dir, KEY_FILES.merchantCertificate)),
    privateKey: readFileSync(join(keys.dir, KEY_FILES.merchantPrivate)),
    key: keys.apiV3Key.reveal(),
  });
  pay.createHttp(nodeV3Service(agent));
  const verify = async (r: NodeV3Reply): Promise<SdkReply> => {
    const verified = await pay.verifySign({
      timestamp: h(r.headers, 'wechatpay-timestamp'),
      nonce: h(r.headers, 'wechatpay-nonce'),
      serial: h(r.headers, 'wechatpay-serial'),
      signature: h(r.headers, 'wechatpay-signature'),
      body: r.text,
    });
    return { status: r.status, data: r.data, verified };
  };
  return {
    name: 'wechatpay-node-v3',
    pay,
    async downloadCertificates() {
      await pay.fetchCertificates();
      return Object.keys(Pay.certificates).filter((s) => !s.startsWith('PUB_KEY_ID_'));
    },
    // transactions_jsapi swaps data for the paySign bundle; text and headers stay for verification.
    jsapi: async (b) => verify(await pay.transactions_jsapi(b)),
    native: async (b) => verify(await pay.transactions_native(b)),
    queryByOutTradeNo: async (no) => verify(await pay.query({ out_trade_no: no })),
    queryById: async (id) => verify(await pay.query({ transaction_id: id })),
    close: async (no) => verify(await pay.close(no)),
    refund: async (b) => verify(await pay.refunds(b)),
    refundQuery: async (no) => verify(await pay.find_refunds(no)),
    async verifyCallback(headers, body) {
      try {
        return await pay.verifySign({ timestamp: h(headers, 'wechatpay-timestamp'), nonce: h(headers, 'wechatpay-nonce'), serial: h(headers, 'wechatpay-serial'), signature: h(headers, 'wechatpay-signature'), body });
      } catch {
        return false;
      }
    },
    decrypt: (r) => pay.decipher_gcm(r.ciphertext, r.associated_data, r.nonce),
  };
}
