/**
 * Counts refused /debug/pprof calls. A refusal means someone off the pod reached the admin port
 * without the token: worth a dashboard panel and an alert, not only a log line.
 */
import type { Meter } from '@opentelemetry/api';
import { admin } from '../telemetry/names';
import type { AdminMount } from './server';

export function countDebugRefusals(mount: AdminMount, meter: Meter): AdminMount {
  const refusals = meter.createCounter(admin.DEBUG_REFUSALS.otel, { description: admin.DEBUG_REFUSALS.description, unit: admin.DEBUG_REFUSALS.unit });
  return (req, res) => {
    const handled = mount(req, res);
    // The access check answers synchronously, so the status is already set when the mount returns.
    if (handled && res.statusCode === 403) refusals.add(1);
    return handled;
  };
}
