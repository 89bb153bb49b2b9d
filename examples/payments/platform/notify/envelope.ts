/** Builds callback bodies: the resource encrypted with AEAD_AES_256_GCM under the APIv3 key. */
import { encryptResource } from '../../wxpay/aead';
import type { PlatformKeys } from '../../wxpay/keys';
import { rfc3339Beijing } from '../../wxpay/time';
import type { NotifyEnvelope, NotifyEventType, RefundNotifyResource, Transaction } from '../../wxpay/types';
import { notifyId } from '../ids';

const SUMMARY: Record<NotifyEventType, string> = {
  'TRANSACTION.SUCCESS': '支付成功',
  'REFUND.SUCCESS': '退款成功',
  'REFUND.ABNORMAL': '退款异常',
  'REFUND.CLOSED': '退款关闭',
  'SECURITY_ECHO.SUCCESS': '回调测试',
};

function envelope(keys: PlatformKeys, eventType: NotifyEventType, originalType: 'transaction' | 'refund' | 'security', plaintext: unknown): NotifyEnvelope {
  const resource = encryptResource(keys.apiV3Key.reveal(), JSON.stringify(plaintext), originalType);
  return {
    id: notifyId(),
    create_time: rfc3339Beijing(),
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: SUMMARY[eventType],
    resource: { ...resource, original_type: originalType },
  };
}

export function transactionNotify(keys: PlatformKeys, transaction: Transaction): NotifyEnvelope {
  return envelope(keys, 'TRANSACTION.SUCCESS', 'transaction', transaction);
}

export function refundNotify(keys: PlatformKeys, resource: RefundNotifyResource): NotifyEnvelope {
  const event: NotifyEventType = resource.refund_status === 'SUCCESS' ? 'REFUND.SUCCESS' : resource.refund_status === 'CLOSED' ? 'REFUND.CLOSED' : 'REFUND.ABNORMAL';
  return envelope(keys, event, 'refund', resource);
}

/** The callback of POST /v3/security/echo. */
export function securityEchoNotify(keys: PlatformKeys, resource: { mchid: string; wechatpay_serial: string; echo_time: string }): NotifyEnvelope {
  return envelope(keys, 'SECURITY_ECHO.SUCCESS', 'security', resource);
}
