/**
 * Which spans are recorded and exported. Roots follow a ratio (or OTEL_TRACES_SAMPLER), children
 * follow their parent's sampled flag so a trace is kept or dropped whole, and stress traffic is
 * always kept by default: a stress run is rare, deliberate and exactly when someone reads traces.
 *
 * The stress decision is the `paysidecar.traffic` span attribute, so it must be passed in the
 * attributes given to startSpan — a sampler never sees attributes set after the span started.
 */
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { SPAN_ATTR_TRAFFIC, TRAFFIC_STRESS } from './names';
import type { SamplerName } from './otlp-env';

class StressAwareSampler implements Sampler {
  constructor(
    private readonly delegate: Sampler,
    private readonly sampleStress: boolean,
  ) {}

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (this.sampleStress && attributes[SPAN_ATTR_TRAFFIC] === TRAFFIC_STRESS) {
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    }
    return this.delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `StressAwareSampler{sampleStress=${this.sampleStress}, ${this.delegate.toString()}}`;
  }
}

export interface SamplerChoice {
  /** `--trace-sample-ratio`: parent-based with this ratio for roots; wins over the env sampler. */
  ratio?: number;
  /** From OTEL_TRACES_SAMPLER / _ARG, used when no ratio is given. */
  fromEnv?: { name: SamplerName; arg?: number };
  /** Always sample spans whose `paysidecar.traffic` attribute is `stress` (default true). */
  sampleStress?: boolean;
}

function fromName(name: SamplerName, arg: number | undefined): Sampler {
  // The spec's default ratio when _ARG is missing is 1.0.
  const ratio = arg ?? 1;
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

export function buildSampler(choice: SamplerChoice): Sampler {
  const base =
    choice.ratio !== undefined
      ? new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(choice.ratio) })
      : fromName(choice.fromEnv?.name ?? 'parentbased_always_on', choice.fromEnv?.arg);
  return new StressAwareSampler(base, choice.sampleStress ?? true);
}
