/** Wires the sidecar: config → telemetry → proxy listener → admin listener. (Being written.) */
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema';

export interface SidecarOptions {
  configFile?: string;
}

export interface Sidecar {
  readonly logger: Logger;
  /** Bound proxy address (port resolved when configured as 0). */
  readonly proxyAddress: AddressInfo;
  readonly adminAddress: AddressInfo;
  /** Drain and stop: /ready → 503, stop accepting, wait for in-flight up to drainTimeout, flush. */
  shutdown(): Promise<void>;
}

export declare function startSidecar(config: Config, options?: SidecarOptions): Promise<Sidecar>;
