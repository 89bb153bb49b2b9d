/**
 * Wires the sidecar: config → telemetry → proxy listener → admin listener, the config reload
 * (config/reload.ts), and one ordered list of closers run by both shutdown and a failed start.
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Config } from './config/schema';
import { redactedConfig } from './config/redact';
import type { LoadInput } from './config/load';
import { resolveStressSecret } from './config/stress-secret';
import { startConfigReload, type ReloadOutcome } from './config/reload';
import type { WatchOptions } from './config/watch-files';
import { createMetrics } from './telemetry/metrics';
import { createSidecarTracing } from './telemetry/sidecar-tracing';
import { createLogs, type Logs } from './telemetry/logs';
import { startHostMetrics } from './telemetry/host';
import { createForwarderOf, type Forwarder } from './proxy/forwarder';
import { LISTEN_BACKLOG } from './proxy/accept';
import type { LiveSettings } from './proxy/handler';
import { createProxyPipeline } from './proxy/pipeline';
import { createLive } from './proxy/live';
import { InFlight, drainServer } from './proxy/drain';
import { RecentRequests } from './proxy/recent-requests';
import { Readiness } from './admin/readiness';
import { createAdminListener } from './admin/listener';
import { startRuntimeSampler } from './runtime/sampler';
import { listen } from './net/listen';
import { closeInOrder, type Closer } from './lifecycle';

export interface SidecarOptions {
  /** The config file the config was loaded from (resolved from --config or PAYSIDECAR_CONFIG); watched for changes. */
  configFile?: string;
  /** What the config was loaded from. A reload loads it again, so flags and env keep winning over the file; without it `reload()` refuses and nothing is watched. */
  loadInput?: LoadInput;
  /** Watch timing, or false to reload on SIGHUP (`reload()`) only. */
  watch?: WatchOptions | false;
  /** Extra span processors (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  /** Replace the configured logs (tests). */
  logs?: Logs;
}

export interface Sidecar {
  readonly logger: Logger;
  /** Bound proxy address (port resolved when configured as 0). */
  readonly proxyAddress: AddressInfo;
  readonly adminAddress: AddressInfo;
  /** The config in effect (live keys as last reloaded). */
  readonly config: Config;
  /** Settings a reload may swap (trusted CIDRs, secrets, routes, log sampling, the in-flight limit). */
  readonly live: LiveSettings;
  readonly forwarder: Forwarder;
  readonly inflight: InFlight;
  metricsText(): Promise<string>;
  /** Load the config again and apply what can change without a restart (SIGHUP does this); never rejects. */
  reload(trigger?: string): Promise<ReloadOutcome>;
  /** Drain and stop: /ready → 503, stop accepting, wait for in-flight up to drainTimeout, flush. */
  shutdown(): Promise<void>;
}

export async function startSidecar(config: Config, options: SidecarOptions = {}): Promise<Sidecar> {
  // First, so an unreadable secret file stops the start before anything listens.
  const stressSecret = resolveStressSecret(config);
  const logs = options.logs ?? (await createLogs(config));
  const { logger } = logs;
  const metrics = createMetrics(config.serviceName);
  const { meter } = metrics;
  const { tracing, sampler } = createSidecarTracing(config, { env: process.env, meter, logger, spanProcessors: options.spanProcessors });
  metrics.requestExemplars.exportedOnly = tracing.recording;
  const upstreamLoopback = ['localhost', '[::1]'].includes(config.upstream.hostname) || config.upstream.hostname.startsWith('127.');
  const hostMetrics = startHostMetrics(meter, { intervalMs: config.hostInterval, watchProcess: config.watchProcess, procRoot: config.procRoot, listenBacklog: LISTEN_BACKLOG, upstreamLoopback }, logger);
  const live = createLive(config, stressSecret, logger);
  const reload = startConfigReload({ initial: config, initialSecret: stressSecret, input: options.loadInput, configFile: options.configFile, watch: options.watch, subscribers: [live.onReload, sampler.onReload], logger, meter });
  const inflight = new InFlight();
  const readiness = new Readiness(config.upstream);
  const isDraining = () => readiness.isDraining;
  const forwarder = createForwarderOf(config.forwarder, meter, { upstreamTimeoutMs: config.upstreamTimeout, connectTimeoutMs: config.connectTimeout, socketWaitTimeoutMs: config.socketWaitTimeout, maxSockets: config.maxSockets, keepAliveTimeoutMs: config.keepAliveTimeout, isDraining });
  const deps = { tracer: tracing.tracer, recording: tracing.recording, forwarder, logs, upstream: config.upstream, stressUpstream: config.stressUpstream, live: live.settings, inflight, isDraining };
  const recent = new RecentRequests();
  const proxyServer = createProxyPipeline(meter, config, deps, { exemplars: metrics.requestExemplars, recent });
  const runtimeSampler = startRuntimeSampler(meter, { onError: (hook, err) => logger.debug({ hook, err }, 'runtime sampler hook failed') });
  const admin = createAdminListener({ headersTimeoutMs: config.headersTimeout, readiness, ownMetrics: () => metrics.exposition(), exemplars: metrics.exemplarSources, agentMetrics: config.agentMetrics, debugToken: config.debugToken, config: () => redactedConfig(reload.current()), meter, logger,
    status: { collect: () => runtimeSampler.quietly(() => metrics.collect()), recent, advice: hostMetrics.advice } });

  let drained = { completed: true, abandoned: 0 };
  const drainProxy = async () => {
    readiness.startDraining();
    const { drainTimeout } = reload.current();
    drained = await drainServer(proxyServer, inflight, drainTimeout);
    if (!drained.completed) logger.warn({ abandoned: drained.abandoned, drainTimeoutMs: drainTimeout }, 'drain timeout passed; closed remaining connections');
  };
  // In this order on shutdown and on a failed start alike.
  const closers: Closer[] = [
    { name: 'config reload', close: () => reload.close() },
    { name: 'stress-secret overlap', close: () => live.close() },
    { name: 'proxy listener', close: drainProxy },
    { name: 'upstream pool', close: () => forwarder.close() },
    { name: 'span export', close: () => tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'span flush failed')) },
    { name: 'admin listener', close: () => admin.close() },
    { name: 'host metrics', close: () => hostMetrics.stop() },
    { name: 'runtime sampler', close: () => runtimeSampler.stop() },
    { name: 'metrics', close: () => metrics.shutdown().catch(() => undefined) },
    { name: 'stop log', close: () => logger.info({ completed: drained.completed }, 'paysidecar stopped') },
    { name: 'logs', close: () => logs.flush() },
  ];
  const close = () => closeInOrder(closers, (name, err) => logger.warn({ err }, `closing the ${name} failed`));

  let proxyAddress: AddressInfo, adminAddress: AddressInfo;
  try {
    adminAddress = await listen(admin.server, config.admin, { what: 'the admin server', flag: '--admin', backlog: LISTEN_BACKLOG });
    proxyAddress = await listen(proxyServer, config.listen, { what: 'proxied traffic', flag: '--listen', backlog: LISTEN_BACKLOG });
  } catch (err) {
    await close();
    throw err;
  }
  logger.info({ listen: `${proxyAddress.address}:${proxyAddress.port}`, admin: `${adminAddress.address}:${adminAddress.port}`, upstream: config.upstream.href }, 'paysidecar started');

  let stopped: Promise<void> | undefined;
  return {
    logger, proxyAddress, adminAddress, live: live.settings, forwarder, inflight, metricsText: admin.metricsText,
    get config() {
      return reload.current();
    },
    reload: (trigger = 'api') => reload.reload(trigger),
    shutdown: () => (stopped ??= close()),
  };
}
