/**
 * The platform's error codes with their HTTP status, and the error body shape:
 * `{"code":"PARAM_ERROR","message":"…","detail":{"field":"/amount/total","value":0,"issue":"…","location":"body"}}`.
 */

export const WXPAY_ERRORS = {
  PARAM_ERROR: 400,
  INVALID_REQUEST: 400,
  APPID_MCHID_NOT_MATCH: 400,
  MCH_NOT_EXISTS: 400,
  ORDER_CLOSED: 400,
  SIGN_ERROR: 401,
  NO_AUTH: 403,
  OUT_TRADE_NO_USED: 403,
  ORDERPAID: 403,
  RULE_LIMIT: 403,
  TRADE_ERROR: 403,
  ACCOUNT_ERROR: 403,
  NOT_ENOUGH: 403,
  ORDER_NOT_EXIST: 404,
  RESOURCE_NOT_EXISTS: 404,
  FREQUENCY_LIMITED: 429,
  SYSTEM_ERROR: 500,
  BANK_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type WxpayErrorCode = keyof typeof WXPAY_ERRORS;

export interface WxpayErrorDetail {
  field?: string;
  value?: unknown;
  issue?: string;
  location?: 'body' | 'query' | 'header' | 'path' | 'authorization';
  /** On SIGN_ERROR for a signature that does not verify: what the platform signed, so the merchant can compare. */
  sign_information?: { method: string; url: string; sign_message_length: number; truncated_sign_message: string };
}

export interface WxpayErrorBody {
  code: string;
  message: string;
  detail?: WxpayErrorDetail;
}

export function wxpayError(code: WxpayErrorCode, message: string, detail?: WxpayErrorDetail): { status: number; body: WxpayErrorBody } {
  const body: WxpayErrorBody = { code, message };
  if (detail) body.detail = detail;
  return { status: WXPAY_ERRORS[code], body };
}

/** The merchant's callback failure reply. */
export interface NotifyFailBody {
  code: 'FAIL';
  message: string;
}
