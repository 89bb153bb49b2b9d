/**
 * The agent's metrics: one MeterProvider, registered globally so the app's own
 * `@opentelemetry/api` metrics (the gateway's retries, breaker state, ...) land on the agent's
 * /metrics beside the runtime ones, read by a Prometheus exporter whose own server stays off
 * (the agent listener serves /metrics).
 */
import { metrics, type Meter } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';

export interface AgentMetrics {
  readonly exporter: PrometheusExporter;
  /** The agent's own meter (runtime sampler, hook errors). */
  readonly meter: Meter;
  /** False when another MeterProvider was global first: the app's metrics then go there, not here. */
  readonly global: boolean;
  shutdown(): Promise<void>;
}

export function startAgentMetrics(resource: Resource | undefined, version: string): AgentMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ resource, readers: [exporter] });
  const global = metrics.setGlobalMeterProvider(provider);
  return {
    exporter,
    meter: provider.getMeter('paysidecar-agent', version),
    global,
    shutdown: () => provider.shutdown(),
  };
}
