/**
 * A bounded, counted span queue in front of the SDK's BatchSpanProcessor.
 *
 * The BatchSpanProcessor already never blocks (onEnd only pushes onto an array) and drops spans
 * when its queue is full, but it counts drops only in a debug log. We keep the same count
 * ourselves: `queued` rises when a span is handed to the processor and falls when the processor
 * hands a batch to the exporter, so it mirrors the processor's queue length exactly, and we drop
 * (and count) at the same bound before the processor ever would. Spans the collector refused or
 * never received (refused connection, timeout, 5xx after retries) are counted by the exporter
 * wrapper.
 */
import { TraceFlags, type Context, type Counter } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { host } from './names';
import { asSampled, spanFailed } from './tail-keep';

export interface SpanQueueCounters {
  dropped: Counter;
  exported: Counter;
  /** Unsampled spans let through because their request failed (tail-keep.ts). */
  keptFailed?: Counter;
}

/** Shared between the processor and the exporter wrapper. */
class QueueDepth {
  queued = 0;
}

class CountingSpanExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly depth: QueueDepth,
    private readonly counters: SpanQueueCounters,
    private readonly onResult: (ok: boolean, error: Error | undefined) => void,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.depth.queued = Math.max(0, this.depth.queued - spans.length);
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        this.counters.exported.add(spans.length);
        this.onResult(true, undefined);
      } else {
        this.counters.dropped.add(spans.length, { [host.ATTR_DROP_REASON]: host.SPAN_DROP_REASONS.exportFailed });
        this.onResult(false, result.error);
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * Resolves when `work` settles or after `ms`, whichever is first. With a dead collector the
 * exporter retries for its whole timeout; a draining sidecar must not wait for that.
 */
function bounded(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work.catch(() => undefined), limit]).finally(() => clearTimeout(timer));
}

class CountingSpanProcessor implements SpanProcessor {
  private closed = false;

  constructor(
    private readonly inner: SpanProcessor,
    private readonly depth: QueueDepth,
    private readonly maxQueueSize: number,
    private readonly counters: SpanQueueCounters,
    /** Upper bound for forceFlush and shutdown. */
    private readonly flushTimeoutMs: number,
    /** Export unsampled spans of failed requests too (tail-keep.ts). */
    private readonly keepFailed: boolean,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (this.closed) return;
    const sampled = (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
    if (!sampled && !(this.keepFailed && spanFailed(span))) return;
    if (this.depth.queued >= this.maxQueueSize) {
      this.counters.dropped.add(1, { [host.ATTR_DROP_REASON]: host.SPAN_DROP_REASONS.queueFull });
      return;
    }
    this.depth.queued++;
    if (sampled) return this.inner.onEnd(span);
    this.counters.keptFailed?.add(1);
    this.inner.onEnd(asSampled(span));
  }

  forceFlush(): Promise<void> {
    return bounded(this.inner.forceFlush(), this.flushTimeoutMs);
  }

  shutdown(): Promise<void> {
    this.closed = true;
    return bounded(this.inner.shutdown(), this.flushTimeoutMs);
  }
}

/** Wires the pair around a processor built from the wrapped exporter. */
export function countedQueue(
  exporter: SpanExporter,
  opts: { maxQueueSize: number; flushTimeoutMs: number; keepFailed?: boolean },
  counters: SpanQueueCounters,
  onResult: (ok: boolean, error: Error | undefined) => void,
  makeProcessor: (exporter: SpanExporter) => SpanProcessor,
): SpanProcessor {
  const depth = new QueueDepth();
  const counting = new CountingSpanExporter(exporter, depth, counters, onResult);
  return new CountingSpanProcessor(makeProcessor(counting), depth, opts.maxQueueSize, counters, opts.flushTimeoutMs, opts.keepFailed ?? false);
}
