/**
 * The fixture app on both propagation paths (context-only, and the OpenTelemetry SDK's
 * instrumentations) beside one downstream that records what each call carried; started before a
 * file's tests and stopped after them. For cases that must hold on both paths alike.
 */
import { after, before } from 'node:test';
import { startApp, type AppProcess } from './app-process';
import { startDownstream, type Downstream } from './downstream';

export const SCENARIO = 'stress-v2';
export const TRACE = '0af7651916cd43dd8448eb211c80319c';

export interface BothPaths {
  downstream: Downstream;
  plain: AppProcess;
  sdk: AppProcess;
  /** Each path by name, read once the apps are up. */
  paths: ReadonlyArray<readonly [string, () => AppProcess]>;
}

export function useBothPaths(): BothPaths {
  const both = {} as BothPaths;
  both.paths = [
    ['context-only path', () => both.plain],
    ['SDK path', () => both.sdk],
  ];
  before(async () => {
    both.downstream = await startDownstream();
    // The SDK path needs an exporter endpoint; nothing listens on port 9, its exports just fail.
    [both.plain, both.sdk] = await Promise.all([
      startApp({ loader: 'require', env: { FIXTURE_DOWNSTREAM: both.downstream.url } }),
      startApp({ loader: 'require', env: { FIXTURE_DOWNSTREAM: both.downstream.url, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' } }),
    ]);
  });
  after(async () => {
    await Promise.all([both.plain?.stop(), both.sdk?.stop()]);
    await both.downstream?.close();
  });
  return both;
}
