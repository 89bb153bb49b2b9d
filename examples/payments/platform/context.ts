/** What the platform's route handlers share. */
import type { Logger } from 'pino';
import type { PlatformKeys } from '../wxpay/keys';
import type { Notifier } from './notify/notifier';
import type { PlatformStore } from './store';
import type { FaultInjector } from './faults';

export interface PlatformContext {
  keys: PlatformKeys;
  store: PlatformStore;
  notifier: Notifier;
  faults: FaultInjector;
  logger: Logger;
  /** How long a refund stays PROCESSING before it succeeds. */
  refundDelayMs: number;
}
