/**
 * How an OpenTelemetry instrument name reaches Prometheus through
 * @opentelemetry/exporter-prometheus 0.2xx: every character outside [a-zA-Z0-9_] becomes `_`,
 * monotonic sums gain `_total`, no unit suffix is added. The generators use these so a query can
 * never name a series the exporter does not write.
 */

export type InstrumentKind = 'counter' | 'histogram' | 'gauge' | 'updowncounter';

export function promName(otelName: string, kind: InstrumentKind): string {
  const base = otelName.replace(/[^a-zA-Z0-9_]/g, '_');
  return kind === 'counter' && !base.endsWith('_total') ? `${base}_total` : base;
}

/** Label names go through the same sanitising as metric names. */
export function promLabel(otelAttribute: string): string {
  return otelAttribute.replace(/[^a-zA-Z0-9_]/g, '_');
}

export interface MetricName {
  /** The OpenTelemetry instrument name. */
  readonly otel: string;
  readonly kind: InstrumentKind;
  readonly unit: string;
  readonly description: string;
}

export function metric(otel: string, kind: InstrumentKind, unit: string, description: string): MetricName {
  return { otel, kind, unit, description };
}

/** The series name Prometheus stores (histograms add _bucket/_sum/_count to this). */
export function prom(m: MetricName): string {
  return promName(m.otel, m.kind);
}
