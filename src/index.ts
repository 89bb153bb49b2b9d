/**
 * The programmatic API (`require('paysidecar')`): start the sidecar in-process, load config the
 * way the CLI does, and sign stress tokens. An explicit list: what is not here is internal. The
 * included payment example (gateway, mock platform) is not part of it.
 */
export { startSidecar } from './sidecar';
export type { Sidecar, SidecarOptions } from './sidecar';
export { loadConfig } from './config/load';
export { redactedConfig } from './config/redact';
export type { LoadInput, LoadedConfig } from './config/load';
export type { Config } from './config/schema';
export { ENV } from './config/env';
export { ConfigError, ERROR_CODES } from './errors';
export type { ErrorCode } from './errors';
export { signStressToken, verifyStressToken } from './context/stress-token';
export * as names from './telemetry/names';
