/** A meter whose metrics come back as the Prometheus text the exporter would serve. */
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { Meter } from '@opentelemetry/api';

export interface PromMeter {
  meter: Meter;
  text(): Promise<string>;
  shutdown(): Promise<void>;
}

export function promMeter(): PromMeter {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const serializer = new PrometheusSerializer();
  return {
    meter: provider.getMeter('test'),
    async text() {
      const { resourceMetrics } = await exporter.collect();
      return serializer.serialize(resourceMetrics);
    },
    shutdown: () => provider.shutdown(),
  };
}

/** Values of the series `name` whose labels include every given label. */
export function values(text: string, name: string, labels: Record<string, string> = {}): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    out.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

export function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const v = values(text, name, labels);
  if (v.length !== 1) throw new Error(`expected one ${name}${JSON.stringify(labels)} series, found ${v.length}`);
  return v[0];
}
