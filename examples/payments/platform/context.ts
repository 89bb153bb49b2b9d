/** What the platform's route handlers share. */
import type { Logger } from 'pino';
import type { PlatformKeys } from '../wxpay/keys';
import type { Notifier } from './notify/notifier';
import type { PlatformStore } from './store';
import type { FaultInjector } from './faults';
import type { PlatformIdentities } from './identities';

export interface PlatformContext {
  keys: PlatformKeys;
  /** Who responses and callbacks are signed as (certificate, public key, or both during a migration). */
  identities: PlatformIdentities;
  /** How long a replaced platform certificate stays listed after POST /mock/certificates/rotate. */
  rotationWindowMs: number;
  store: PlatformStore;
  notifier: Notifier;
  faults: FaultInjector;
  logger: Logger;
  /** How long a refund stays PROCESSING before it succeeds. */
  refundDelayMs: number;
}
