/**
 * The tracer provider takes its sampler once, at construction; this slot lets a config reload
 * change the sampling ratio underneath it. Spans already started keep the decision they got.
 */
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';

export class ReloadableSampler implements Sampler {
  constructor(private delegate: Sampler) {}

  set(next: Sampler): void {
    this.delegate = next;
  }

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    return this.delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return this.delegate.toString();
  }
}
