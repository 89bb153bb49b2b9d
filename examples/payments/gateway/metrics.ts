/**
 * The gateway's instruments, created through @opentelemetry/api. Without an installed
 * MeterProvider they are no-ops; the agent installs one before the gateway starts (the API has
 * no proxy meter provider, so instruments made before that would stay no-ops forever: that is
 * why they are created in startGateway, not at import).
 */
import { metrics, type Attributes, type BatchObservableCallback, type Counter, type Histogram, type Meter, type ObservableGauge } from '@opentelemetry/api';
import * as N from './names';
import type { MetricName } from '../../../src/telemetry/names/prometheus';
import { packageVersion } from '../../../src/version';

function counter(meter: Meter, m: MetricName): Counter {
  return meter.createCounter(m.otel, { unit: m.unit, description: m.description });
}

function histogram(meter: Meter, m: MetricName, buckets: readonly number[]): Histogram {
  return meter.createHistogram(m.otel, { unit: m.unit, description: m.description, advice: { explicitBucketBoundaries: [...buckets] } });
}

export class GatewayMetrics {
  readonly platformCalls: Counter;
  readonly platformCallDuration: Histogram;
  readonly platformRetries: Counter;
  readonly breakerTransitions: Counter;
  readonly rateLimited: Counter;
  readonly notifyReceived: Counter;
  readonly orders: Counter;
  readonly deductions: Counter;
  readonly journalWrites: Counter;
  readonly journalFsync: Histogram;
  readonly journalTruncated: Counter;
  readonly cacheLookups: Counter;
  readonly faultsInjected: Counter;
  private readonly breakerState: ObservableGauge;
  private readonly observe: BatchObservableCallback;
  private readonly meter: Meter;

  constructor(breakerState: () => number, meter: Meter = metrics.getMeter(N.METER_NAME, packageVersion())) {
    this.meter = meter;
    this.platformCalls = counter(meter, N.PLATFORM_CALLS);
    this.platformCallDuration = histogram(meter, N.PLATFORM_CALL_DURATION, N.PLATFORM_CALL_BUCKETS);
    this.platformRetries = counter(meter, N.PLATFORM_RETRIES);
    this.breakerTransitions = counter(meter, N.BREAKER_TRANSITIONS);
    this.rateLimited = counter(meter, N.RATE_LIMITED);
    this.notifyReceived = counter(meter, N.NOTIFY_RECEIVED);
    this.orders = counter(meter, N.ORDERS);
    this.deductions = counter(meter, N.ACCOUNT_DEDUCTIONS);
    this.journalWrites = counter(meter, N.JOURNAL_WRITES);
    this.journalFsync = histogram(meter, N.JOURNAL_FSYNC_DURATION, N.JOURNAL_FSYNC_BUCKETS);
    this.journalTruncated = counter(meter, N.JOURNAL_TRUNCATED);
    this.cacheLookups = counter(meter, N.CACHE_LOOKUPS);
    this.faultsInjected = counter(meter, N.FAULTS_INJECTED);
    this.breakerState = meter.createObservableGauge(N.BREAKER_STATE.otel, { unit: N.BREAKER_STATE.unit, description: N.BREAKER_STATE.description });
    this.observe = (result) => result.observe(this.breakerState, breakerState());
    meter.addBatchObservableCallback(this.observe, [this.breakerState]);
  }

  notify(kind: string, outcome: N.NotifyOutcome): void {
    this.notifyReceived.add(1, { [N.ATTR_KIND]: kind, [N.ATTR_OUTCOME]: outcome });
  }

  cache(cache: string, hit: boolean): void {
    this.cacheLookups.add(1, { [N.ATTR_CACHE]: cache, [N.ATTR_RESULT]: hit ? N.CACHE_RESULTS.hit : N.CACHE_RESULTS.miss });
  }

  call(operation: N.Operation, outcome: N.CallOutcome, seconds: number): void {
    const attrs: Attributes = { [N.ATTR_OPERATION]: operation, [N.ATTR_OUTCOME]: outcome };
    this.platformCalls.add(1, attrs);
    this.platformCallDuration.record(seconds, attrs);
  }

  /** Stops observing the breaker (a closed gateway must not report a stale state). */
  dispose(): void {
    this.meter.removeBatchObservableCallback(this.observe, [this.breakerState]);
  }
}
