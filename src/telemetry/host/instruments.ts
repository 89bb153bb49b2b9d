/**
 * Registers one observable instrument per host metric and a single batch callback that reports
 * whatever the sampler last cached. The callback is synchronous and does no I/O, so a scrape never
 * waits on a collector.
 */
import type { Meter, Observable, BatchObservableResult } from '@opentelemetry/api';
import type { MetricName } from '../names';
import type { Observation } from './collector';

export function registerObservables(meter: Meter, metrics: readonly MetricName[], read: () => Observation[]): () => void {
  const instruments = new Map<string, Observable>();
  for (const m of metrics) {
    const opts = { unit: m.unit, description: m.description };
    const instrument =
      m.kind === 'counter'
        ? meter.createObservableCounter(m.otel, opts)
        : m.kind === 'updowncounter'
          ? meter.createObservableUpDownCounter(m.otel, opts)
          : meter.createObservableGauge(m.otel, opts);
    instruments.set(m.otel, instrument);
  }
  const callback = (result: BatchObservableResult) => {
    for (const o of read()) {
      const instrument = instruments.get(o.metric.otel);
      if (instrument && Number.isFinite(o.value)) result.observe(instrument, o.value, o.attributes);
    }
  };
  const all = [...instruments.values()];
  meter.addBatchObservableCallback(callback, all);
  return () => meter.removeBatchObservableCallback(callback, all);
}
