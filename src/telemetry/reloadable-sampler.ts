/**
 * The tracer provider takes its sampler once, at construction; this slot lets a config reload
 * change the sampling ratio underneath it. Spans already started keep the decision they got.
 */
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';
import type { Config } from '../config/schema';
import type { ConfigKey } from '../config/keys';
import { buildSampler } from './trace-sampler';
import { readOtlpEnv } from './otlp-env';

export class ReloadableSampler implements Sampler {
  /** `env` is the one the sidecar started with: OTEL_TRACES_SAMPLER still applies when no ratio is set. */
  constructor(
    private delegate: Sampler,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  set(next: Sampler): void {
    this.delegate = next;
  }

  /** A config-reload subscriber: builds the new sampler now, swaps it in when every part is ready. */
  readonly onReload = (next: Config, changed: ReadonlySet<ConfigKey>): (() => void) | undefined => {
    if (!changed.has('traceSampleRatio') && !changed.has('sampleStress')) return undefined;
    const sampler = buildSampler({ ratio: next.traceSampleRatio, fromEnv: readOtlpEnv(this.env).sampler, sampleStress: next.sampleStress });
    return () => this.set(sampler);
  };

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    return this.delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return this.delegate.toString();
  }
}
