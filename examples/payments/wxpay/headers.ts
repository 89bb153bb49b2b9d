/** WeChat Pay v3 header names and the Authorization scheme, lower-case as node keys them. */
export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

export const H_AUTHORIZATION = 'authorization';
export const H_WECHATPAY_TIMESTAMP = 'wechatpay-timestamp';
export const H_WECHATPAY_NONCE = 'wechatpay-nonce';
export const H_WECHATPAY_SIGNATURE = 'wechatpay-signature';
export const H_WECHATPAY_SERIAL = 'wechatpay-serial';
export const H_WECHATPAY_SIGNATURE_TYPE = 'wechatpay-signature-type';
export const H_REQUEST_ID = 'request-id';

/** Probe callbacks carry a signature with this prefix; a correct merchant must refuse them. */
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

/** Timestamps further than this from the receiver's clock are rejected (both directions). */
export const MAX_CLOCK_SKEW_SECONDS = 300;
