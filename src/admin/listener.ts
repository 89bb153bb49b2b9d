/**
 * The admin listener as the sidecar runs it: the routes (server.ts), /metrics with the agent's
 * series merged in when `--agent-metrics` is set, /debug/pprof behind its access check (refusals
 * counted), the status page at / behind the same check, and how it closes.
 */
import type { Server } from 'node:http';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { createAdminServer } from './server';
import type { Readiness } from './readiness';
import { adminMetricsText } from './agent-metrics';
import { countDebugRefusals } from './debug-refusals';
import { createDebugHandler } from '../runtime/pprof/routes';
import { toOpenMetrics, type ExemplarSource } from '../telemetry/exemplars/openmetrics';
import { createStatus, type StatusDeps } from './status/status';
import { createStatusMount } from './status/routes';

export interface AdminListenerDeps {
  /** `--headers-timeout`, for the admin listener too (slow-loris clients). */
  headersTimeoutMs?: number;
  readiness: Readiness;
  /** The sidecar's own exposition. */
  ownMetrics(): Promise<string>;
  /** Where the OpenMetrics exposition finds exemplars (the request-duration histogram's). */
  exemplars?: readonly ExemplarSource[];
  /** `--agent-metrics`: the in-process agent's /metrics URL. */
  agentMetrics?: URL;
  /** `--debug-token`: what non-loopback callers of /debug/pprof must present. */
  debugToken?: string;
  /** The effective config, secrets redacted. */
  config(): Record<string, unknown>;
  meter: Meter;
  logger: Logger;
  /** What the status page at / reads (the agent's URL is `agentMetrics`). */
  status: Omit<StatusDeps, 'agentMetrics' | 'onError'>;
}

export interface AdminListener {
  readonly server: Server;
  /** What /metrics serves: Prometheus text, or OpenMetrics with exemplars when `openMetrics`. */
  metricsText(openMetrics?: boolean): Promise<string>;
  /** Drops open connections (scrapes, profiles) and waits for the listener to close. */
  close(): Promise<void>;
}

export function createAdminListener(deps: AdminListenerDeps): AdminListener {
  const { meter, logger } = deps;
  const metrics = adminMetricsText(deps.ownMetrics, deps.agentMetrics, { meter, logger });
  const debug = countDebugRefusals(createDebugHandler({ token: deps.debugToken, logger }), meter);
  const metricsText = async (openMetrics = false) => {
    const text = await metrics.text();
    return openMetrics ? toOpenMetrics(text, deps.exemplars) : text;
  };
  const status = createStatus({ ...deps.status, agentMetrics: deps.agentMetrics, onError: (err) => logger.debug({ err }, 'status page reading failed') });
  const page = createStatusMount(status, { token: deps.debugToken, logger });
  const server = createAdminServer({ headersTimeoutMs: deps.headersTimeoutMs, readiness: deps.readiness, metricsText, config: deps.config, mounts: [debug, page] });
  return {
    server,
    metricsText,
    close() {
      metrics.close();
      status.close();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
