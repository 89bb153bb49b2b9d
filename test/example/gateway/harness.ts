/** Gateway test harness: a platform + gateway pair on port 0, an API client, and a metrics reader. */
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type CollectionResult } from '@opentelemetry/sdk-metrics';
import { startPlatform, type PlatformOptions, type RunningPlatform } from '../../../examples/payments/platform/server';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../../examples/payments/gateway/server';
import { plainCall, silent, tempKeys, type Reply, type TempKeys } from '../platform/harness';

export { silent, plainCall, type Reply };

/** Small timeouts and backoffs so failure paths finish in well under a second. */
export const FAST = { timeoutMs: 500, maxRetries: 2, backoffInitialMs: 10, backoffMaxMs: 50, breakerThreshold: 1000, breakerHalfOpenAfterMs: 500 };

export interface Pair {
  keys: TempKeys;
  platform: RunningPlatform;
  gateway: RunningGateway;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  pay(outTradeNo: string, extra?: Record<string, unknown>): Promise<Reply>;
  close(): Promise<void>;
}

export async function startPair(o: { platform?: PlatformOptions; gateway?: GatewayOptions } = {}): Promise<Pair> {
  const keys = await tempKeys('paysidecar-gw-');
  const platform = await startPlatform({ keysDir: keys.dir, port: 0, logger: silent, notifyTimeScale: 0.001, refundDelayMs: 20, ...o.platform });
  const gateway = await startGateway({ keysDir: keys.dir, port: 0, platformUrl: platform.url, logger: silent, ...o.gateway, resilience: { ...FAST, ...o.gateway?.resilience } });
  return {
    keys,
    platform,
    gateway,
    api: (method, path, body, headers) => plainCall(gateway.url, method, path, body, headers),
    pay: (no, extra = {}) => plainCall(platform.url, 'POST', '/mock/pay', { out_trade_no: no, ...extra }),
    async close() {
      await gateway.close();
      await platform.close();
      keys.cleanup();
    },
  };
}

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

export interface MetricsProbe {
  /** Sum of a counter's points whose attributes include `attrs`. */
  sum(name: string, attrs?: Record<string, string>): Promise<number>;
  /** Last value of a gauge. */
  gauge(name: string): Promise<number | undefined>;
}

/** Installs a global MeterProvider (once per test process) before the gateway makes its instruments. */
export function installMetrics(): MetricsProbe {
  const reader = new TestReader();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  const points = async (name: string) => {
    const r: CollectionResult = await reader.collect();
    return r.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as { attributes: Record<string, unknown>; value: unknown }[]);
  };
  return {
    async sum(name, attrs = {}) {
      return (await points(name))
        .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
        .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : 0), 0);
    },
    async gauge(name) {
      const p = await points(name);
      return p.length ? (p[p.length - 1].value as number) : undefined;
    },
  };
}
