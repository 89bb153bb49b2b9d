/** Wires the sidecar: config → telemetry → proxy listener → admin listener, and the drain on shutdown. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Logger } from 'pino';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from './config/schema';
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

export interface SidecarOptions {
  configFile?: string;
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
  readonly config: Config;
  /** Settings a reload may swap (trusted CIDRs, secrets, routes, log sampling). */
  readonly live: LiveSettings;
  readonly forwarder: Forwarder;
  readonly inflight: InFlight;
  metricsText(): Promise<string>;
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

export function liveSettingsFrom(config: Config): LiveSettings {
  return {
    policy: { trusted: new CidrSet(config.trustCidr), secrets: config.stressSecret ? [config.stressSecret] : [] },
    routes: new RouteTable(config.route),
    accessLogSample: config.accessLogSample,
  };
}

export async function startSidecar(config: Config, options: SidecarOptions = {}): Promise<Sidecar> {
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
  const tracing = createTracing({
    serviceName: config.serviceName,
    resource: spanExport.resource,
    sampler: spanExport.sampler,
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
  const live = liveSettingsFrom(config);
  const inflight = new InFlight();
  const readiness = new Readiness(config.upstream);
  const forwarder = createForwarder(metrics.meter, {
    upstreamTimeoutMs: config.upstreamTimeout,
    connectTimeoutMs: config.connectTimeout,
    maxSockets: config.maxSockets,
    keepAliveTimeoutMs: config.keepAliveTimeout,
  });
  const deps = {
    tracer: tracing.tracer,
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
    ? async () => mergeExpositions(await metrics.exposition(), await agentMetrics.text())
    : () => metrics.exposition();
  const adminServer = createAdminServer({
    readiness,
    metricsText,
    config: () => redactedConfig(config),
    mounts: [createDebugHandler({ token: config.debugToken, logger })],
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

  let stopped: Promise<void> | undefined;
  return {
    logger,
    proxyAddress,
    adminAddress,
    config,
    live,
    forwarder,
    inflight,
    metricsText,
    shutdown() {
      stopped ??= (async () => {
        readiness.startDraining();
        const { completed, abandoned } = await drainServer(proxyServer, inflight, config.drainTimeout);
        if (!completed) logger.warn({ abandoned, drainTimeoutMs: config.drainTimeout }, 'drain timeout passed; closed remaining connections');
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
