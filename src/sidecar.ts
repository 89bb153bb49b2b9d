/**
 * Wires the sidecar: config → telemetry → proxy listener → admin listener, the config reload
 * (file watch, SIGHUP through `reload()`), and the drain on shutdown.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Logger } from 'pino';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from './config/schema';
import type { LoadInput } from './config/load';
import { redactedConfig } from './config/load';
import { CidrSet } from './config/cidr';
import { formatHostPort, type HostPort } from './config/address';
import { createMetrics } from './telemetry/metrics';
import { createTracing } from './telemetry/tracing';
import { createLogs, type Logs } from './telemetry/logs';
import { RouteTable } from './context/route';
import { createTraceInstruments } from './context/trace';
import { createStressInstruments } from './context/stress';
import { createForwarder, type Forwarder } from './proxy/forward';
import { createProxyListener, LISTEN_BACKLOG } from './proxy/accept';
import { createRequestHandler, createUpgradeHandler, type LiveSettings } from './proxy/handler';
import { createRecordInstruments } from './proxy/record';
import { InFlight, drainServer } from './proxy/drain';
import { Readiness } from './admin/readiness';
import { createAdminServer } from './admin/server';
import { createSpanExport } from './telemetry/otlp';
import { startHostMetrics } from './telemetry/host';
import { packageVersion } from './version';
import { startRuntimeSampler } from './runtime/sampler';
import { createDebugHandler } from './runtime/pprof/routes';
import { createAgentMetricsSource, mergeExpositions } from './admin/agent-metrics';
import { countDebugRefusals } from './admin/debug-refusals';
import { createShedInstruments } from './proxy/shed';
import { resolveStressSecret } from './config/stress-secret';
import { StressSecretRotation } from './config/secret-rotation';
import { ReloadableSampler } from './config/reloadable-sampler';
import { applyReloadedConfig } from './config/apply-reload';
import { createConfigReloader, type ReloadOutcome } from './config/reload';
import { watchFiles, type FileWatch, type WatchOptions } from './config/watch-files';

export interface SidecarOptions {
  /** The config file the config was loaded from (resolved from --config or PAYSIDECAR_CONFIG); watched for changes. */
  configFile?: string;
  /**
   * What the config was loaded from. A reload loads it again, so flags and env keep winning over
   * the file; without it `reload()` refuses and nothing is watched.
   */
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
  /** The config in effect (reloadable keys as last reloaded). */
  readonly config: Config;
  /** Settings a reload may swap (trusted CIDRs, secrets, routes, log sampling, the in-flight limit). */
  readonly live: LiveSettings;
  readonly forwarder: Forwarder;
  readonly inflight: InFlight;
  metricsText(): Promise<string>;
  /** Load the config again and apply what can change without a restart (SIGHUP does this). */
  reload(trigger?: string): ReloadOutcome;
  /** Drain and stop: /ready → 503, stop accepting, wait for in-flight up to drainTimeout, flush. */
  shutdown(): Promise<void>;
}

async function listen(server: Server, at: HostPort, what: string, flag: string): Promise<AddressInfo> {
  server.listen({ host: at.host, port: at.port, backlog: LISTEN_BACKLOG });
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new Error(`cannot listen for ${what} on ${formatHostPort(at)}: ${why} (change it with ${flag})`);
  }
  return server.address() as AddressInfo;
}

export function liveSettingsFrom(config: Config, stressSecret: string | undefined = config.stressSecret): LiveSettings {
  return {
    policy: { trusted: new CidrSet(config.trustCidr), secrets: stressSecret ? [stressSecret] : [] },
    routes: new RouteTable(config.route),
    accessLogSample: config.accessLogSample,
    maxInflight: config.maxInflight,
  };
}

const NO_RELOAD_SOURCE: ReloadOutcome = {
  result: 'failure',
  applied: [],
  restartRequired: [],
  problems: ['this sidecar was started without SidecarOptions.loadInput, so there is nothing to reload from'],
};

export async function startSidecar(config: Config, options: SidecarOptions = {}): Promise<Sidecar> {
  // First, so an unreadable secret file stops the start before anything listens.
  const stressSecret = resolveStressSecret(config);
  const logs = options.logs ?? createLogs(config);
  const { logger } = logs;
  const metrics = createMetrics(config.serviceName);
  const spanExport = createSpanExport(
    {
      endpoint: config.otlpEndpoint,
      sampleRatio: config.traceSampleRatio,
      sampleStress: config.sampleStress,
      serviceName: config.serviceName,
      serviceVersion: packageVersion(),
      logger,
    },
    process.env,
    metrics.meter,
  );
  for (const note of spanExport.notes) logger.warn(note);
  if (spanExport.endpoint) logger.info({ endpoint: spanExport.endpoint }, 'exporting spans over OTLP/HTTP');
  const sampler = new ReloadableSampler(spanExport.sampler);
  const tracing = createTracing({
    serviceName: config.serviceName,
    resource: spanExport.resource,
    sampler,
    spanProcessors: [...(spanExport.processor ? [spanExport.processor] : []), ...(options.spanProcessors ?? [])],
  });
  const upstreamHost = config.upstream.hostname;
  const hostMetrics = startHostMetrics(
    metrics.meter,
    {
      intervalMs: config.hostInterval,
      watchProcess: config.watchProcess,
      procRoot: config.procRoot,
      listenBacklog: LISTEN_BACKLOG,
      upstreamLoopback: upstreamHost === 'localhost' || upstreamHost === '[::1]' || upstreamHost.startsWith('127.'),
    },
    logger,
  );
  const live = liveSettingsFrom(config, stressSecret);
  const rotation = new StressSecretRotation(live.policy, stressSecret, () => logger.info({}, 'stress-secret overlap ended: only the current secret is accepted'));
  const reloader = options.loadInput
    ? createConfigReloader({
        input: options.loadInput,
        initial: config,
        initialSecret: stressSecret,
        target: { apply: (next, changed, secret) => applyReloadedConfig({ live, logger, sampler, rotation, env: process.env }, next, changed, secret) },
        logger,
        meter: metrics.meter,
      })
    : undefined;
  const current = () => reloader?.current() ?? config;
  const inflight = new InFlight();
  const readiness = new Readiness(config.upstream);
  const forwarder = createForwarder(metrics.meter, {
    upstreamTimeoutMs: config.upstreamTimeout,
    connectTimeoutMs: config.connectTimeout,
    socketWaitTimeoutMs: config.socketWaitTimeout,
    maxSockets: config.maxSockets,
    keepAliveTimeoutMs: config.keepAliveTimeout,
    isDraining: () => readiness.isDraining,
  });
  const deps = {
    tracer: tracing.tracer,
    recording: tracing.recording,
    forwarder,
    logs,
    upstream: config.upstream,
    stressUpstream: config.stressUpstream,
    live,
    inflight,
    instruments: {
      trace: createTraceInstruments(metrics.meter),
      stress: createStressInstruments(metrics.meter),
      record: createRecordInstruments(metrics.meter),
      shed: createShedInstruments(metrics.meter),
    },
    isDraining: () => readiness.isDraining,
  };
  const proxyServer = createProxyListener(
    metrics.meter,
    { maxHeaderSize: config.maxHeaderSize, headersTimeoutMs: config.headersTimeout },
    { request: createRequestHandler(deps), upgrade: createUpgradeHandler(deps) },
  );
  const runtimeSampler = startRuntimeSampler(metrics.meter, { onError: (hook, err) => logger.debug({ hook, err }, 'runtime sampler hook failed') });
  const agentMetrics = config.agentMetrics ? createAgentMetricsSource(config.agentMetrics, { meter: metrics.meter, logger }) : undefined;
  const metricsText = agentMetrics
    ? async () => {
        // The agent first, so paysidecar_agent_up in our own exposition describes this scrape.
        const agentText = await agentMetrics.text();
        return mergeExpositions(await metrics.exposition(), agentText);
      }
    : () => metrics.exposition();
  const adminServer = createAdminServer({
    headersTimeoutMs: config.headersTimeout,
    readiness,
    metricsText,
    config: () => redactedConfig(current()),
    mounts: [countDebugRefusals(createDebugHandler({ token: config.debugToken, logger }), metrics.meter)],
  });

  const adminAddress = await listen(adminServer, config.admin, 'the admin server', '--admin');
  let proxyAddress: AddressInfo;
  try {
    proxyAddress = await listen(proxyServer, config.listen, 'proxied traffic', '--listen');
  } catch (err) {
    adminServer.close();
    hostMetrics.stop();
    runtimeSampler.stop();
    agentMetrics?.close();
    throw err;
  }
  logger.info(
    { listen: `${proxyAddress.address}:${proxyAddress.port}`, admin: `${adminAddress.address}:${adminAddress.port}`, upstream: config.upstream.href },
    'paysidecar started',
  );

  // The config file and the stress-secret file are watched; a reload may point at another secret file.
  const watchedPaths = () => [options.configFile, current().stressSecretFile].filter((p): p is string => p !== undefined);
  let watch: FileWatch | undefined;
  const startWatch = () => {
    watch?.close();
    watch = watchFiles(watchedPaths(), () => reload('file change'), options.watch || {});
  };
  function reload(trigger: string): ReloadOutcome {
    if (!reloader) return NO_RELOAD_SOURCE;
    const before = watchedPaths().join('\0');
    const outcome = reloader.reload(trigger);
    if (watch && watchedPaths().join('\0') !== before) startWatch();
    return outcome;
  }
  if (reloader && options.watch !== false && watchedPaths().length > 0) startWatch();

  let stopped: Promise<void> | undefined;
  return {
    logger,
    proxyAddress,
    adminAddress,
    get config() {
      return current();
    },
    live,
    forwarder,
    inflight,
    metricsText,
    reload: (trigger = 'api') => reload(trigger),
    shutdown() {
      stopped ??= (async () => {
        watch?.close();
        rotation.close();
        readiness.startDraining();
        const { drainTimeout } = current();
        const { completed, abandoned } = await drainServer(proxyServer, inflight, drainTimeout);
        if (!completed) logger.warn({ abandoned, drainTimeoutMs: drainTimeout }, 'drain timeout passed; closed remaining connections');
        forwarder.close();
        await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'span flush failed'));
        adminServer.closeAllConnections();
        await new Promise<void>((resolve) => adminServer.close(() => resolve()));
        hostMetrics.stop();
        runtimeSampler.stop();
        agentMetrics?.close();
        await metrics.shutdown().catch(() => undefined);
        logger.info({ completed }, 'paysidecar stopped');
        logs.flush();
      })();
      return stopped;
    },
  };
}
