/** The sidecar's control side: config reloads and who is turned away from the debug endpoints. */
import { metric } from './prometheus';

export const CONFIG_RELOADS = metric(
  'paysidecar.config.reloads',
  'counter',
  '{reload}',
  'Config reload attempts (file change or SIGHUP), by result: success, or failure when the new config was invalid and the old one kept.',
);

export const CONFIG_RESTART_REQUIRED = metric(
  'paysidecar.config.restart_required',
  'gauge',
  '1',
  '1 when the config file changes a setting that only a restart applies (listen addresses, upstream, timeouts …), else 0.',
);

export const DEBUG_REFUSALS = metric(
  'paysidecar.debug.refusals',
  'counter',
  '{request}',
  'Requests to /debug/pprof refused because the caller was neither on loopback nor carrying the debug token.',
);

export const ATTR_RESULT = 'result';
export const RELOAD_RESULTS = { success: 'success', failure: 'failure' } as const;
