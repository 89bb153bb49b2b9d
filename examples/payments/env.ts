/** The PAYSIDECAR_* variables of the included gateway and mock platform (`paysidecar gateway`, `paysidecar platform`). */
import { envVar, type EnvVar } from '../../src/config/env';

export const EXAMPLE_ENV = {
  KEYS_DIR: envVar('PAYSIDECAR_KEYS_DIR', 'example', 'keys directory shared by the gateway and the mock platform (same as --keys-dir)'),
  GATEWAY_LISTEN: envVar('PAYSIDECAR_GATEWAY_LISTEN', 'example', 'gateway listen address host:port (same as --listen)'),
  GATEWAY_PLATFORM: envVar('PAYSIDECAR_GATEWAY_PLATFORM', 'example', 'payment platform base URL (same as --platform)'),
  GATEWAY_NOTIFY_URL: envVar('PAYSIDECAR_GATEWAY_NOTIFY_URL', 'example', 'base URL the platform calls back (same as --notify-url)'),
  GATEWAY_JOURNAL: envVar('PAYSIDECAR_GATEWAY_JOURNAL', 'example', 'gateway state journal file (same as --journal)'),
  PLATFORM_LISTEN: envVar('PAYSIDECAR_PLATFORM_LISTEN', 'example', 'mock platform listen address host:port (same as --listen)'),
} as const satisfies Record<string, EnvVar>;
