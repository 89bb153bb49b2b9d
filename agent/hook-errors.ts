/**
 * What the agent does instead of throwing into the app: count the failure by hook
 * (paysidecar_agent_hook_errors_total) and log the first one of each hook, so a hook failing on
 * every request cannot flood the app's logs.
 */
import type { Meter } from '@opentelemetry/api';
import { AGENT_HOOK_ERRORS, ATTR_HOOK } from '../src/telemetry/names/runtime';
import type { Logger } from '../src/telemetry/logger';

export function hookErrorReporter(meter: Meter, logger: Logger): (hook: string, err: unknown) => void {
  const counter = meter.createCounter(AGENT_HOOK_ERRORS.otel, { unit: AGENT_HOOK_ERRORS.unit, description: AGENT_HOOK_ERRORS.description });
  const logged = new Set<string>();
  return (hook, err) => {
    try {
      counter.add(1, { [ATTR_HOOK]: hook });
      if (logged.has(hook)) return;
      logged.add(hook);
      logger.warn({ hook, err: err instanceof Error ? err.message : String(err) }, 'agent hook failed; the app runs on (further failures of this hook are only counted)');
    } catch {
      // Nothing left to report to.
    }
  };
}
