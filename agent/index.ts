/**
 * paysidecar's in-process agent: `node --import paysidecar/agent app.js` or
 * `node --require paysidecar/agent app.js` (one CommonJS file serves both).
 *
 * Wires, in this order: env settings → a global MeterProvider with a Prometheus reader → the
 * runtime sampler → trace and stress propagation → the /metrics and /debug/pprof listener.
 * Everything is required inside start(), so the start-up time logged covers it all, and a
 * failure anywhere is one warning on stderr: the agent never stops the app from running.
 */
import { performance } from 'node:perf_hooks';
import { basename } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AgentHandle {
  /** Milliseconds from the first line of the agent to the end of its start-up. */
  readonly startupMs: number;
  /** The listener's bound address; undefined when it is off or could not bind. */
  readonly listening: Promise<AddressInfo | undefined>;
  shutdown(): Promise<void>;
}

const t0 = performance.now();
const LOADED = Symbol.for('paysidecar.agent');

/** `paysidecar run` samples itself; an agent inherited through NODE_OPTIONS must stay out of it. */
function isSidecarProcess(): boolean {
  const script = basename(process.argv[1] ?? '');
  return (script === 'main.js' || script === 'paysidecar') && process.argv[2] === 'run';
}

function start(): AgentHandle | undefined {
  (require('../src/runtime/profile-attribution') as typeof import('../src/runtime/profile-attribution')).keepProfilesAttributable();
  const { createAgentLogger } = require('./log') as typeof import('./log');
  const { readAgentConfig } = require('./config') as typeof import('./config');
  const { ENV, readEnv } = require('../src/config/env') as typeof import('../src/config/env');
  const logger = createAgentLogger(readEnv(ENV.LOG_LEVEL));
  if (isSidecarProcess()) {
    logger.info({}, 'paysidecar agent: not starting inside `paysidecar run` (the sidecar samples itself)');
    return undefined;
  }
  const config = readAgentConfig(process.env, (problem) => logger.warn({}, `agent: ${problem}`));

  const { packageVersion } = require('../src/version') as typeof import('../src/version');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { startAgentMetrics } = require('./metrics') as typeof import('./metrics');
  const { hookErrorReporter } = require('./hook-errors') as typeof import('./hook-errors');
  const { startRuntimeSampler } = require('../src/runtime/sampler') as typeof import('../src/runtime/sampler');
  const { agentSpanExport } = require('./span-export') as typeof import('./span-export');
  const { AGENT_HOOKS } = require('../src/telemetry/names/runtime') as typeof import('../src/telemetry/names/runtime');
  const version = packageVersion();

  const metrics = startAgentMetrics(resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME || 'unknown_service:node' }), version);
  if (!metrics.global) {
    logger.warn({}, "agent: another OpenTelemetry MeterProvider was registered first; the app's own metrics go there, not to the agent's /metrics");
  }
  const onError = hookErrorReporter(metrics.meter, logger);
  const spanExport = agentSpanExport(process.env, metrics.meter, logger);
  const sampler = startRuntimeSampler(metrics.meter, {
    eventLoopResolutionMs: config.eventLoopResolutionMs,
    blockThresholdMs: config.blockThresholdMs,
    onError,
  });

  let listener: import('./listener').AgentListener | undefined;
  const ownRequest = (req: IncomingMessage) => listener !== undefined && (req.socket as { server?: unknown }).server === listener.server;

  let propagation: import('./propagation/index').AppPropagation | undefined;
  if (config.propagation) {
    try {
      const { installAppPropagation } = require('./propagation/index') as typeof import('./propagation/index');
      propagation = installAppPropagation({
        spanProcessors: spanExport.spanProcessors,
        sampler: spanExport.sampler,
        resource: spanExport.resource,
        ignoreIncoming: ownRequest,
        onError: (err) => onError(AGENT_HOOKS.propagation, err),
      });
    } catch (err) {
      onError(AGENT_HOOKS.propagation, err);
    }
  }

  if (config.admin) {
    const { createDebugHandler } = require('../src/runtime/pprof/routes') as typeof import('../src/runtime/pprof/routes');
    const { startAgentListener } = require('./listener') as typeof import('./listener');
    listener = startAgentListener({
      address: config.admin,
      // `?quiet=1` (the sidecar's status page) reads without ending the sampler's scrape interval.
      metrics: (req, res) =>
        /[?&]quiet=1(&|$)/.test(req.url ?? '')
          ? void sampler.quietly(() => new Promise<void>((resolve) => { res.once('close', resolve); metrics.exporter.getMetricsRequestHandler(req, res); }))
          : metrics.exporter.getMetricsRequestHandler(req, res),
      debug: createDebugHandler({
        token: config.debugToken,
        logger,
        cpuIntervalUs: config.cpuIntervalUs,
        heapIntervalBytes: config.heapIntervalBytes,
      }),
      logger,
      onError,
    });
  }

  const startupMs = Number((performance.now() - t0).toFixed(1));
  const listening = listener ? listener.ready : Promise.resolve(undefined);
  listening.then(
    (addr) =>
      logger.info(
        {
          startup_ms: startupMs,
          admin: addr ? `${addr.address}:${addr.port}` : 'off',
          propagation: propagation !== undefined,
          span_export: spanExport.endpoint ?? 'off',
          version,
        },
        'paysidecar agent started',
      ),
    () => {},
  );

  return {
    startupMs,
    listening,
    async shutdown() {
      sampler.stop();
      await listener?.close();
      await propagation?.shutdown();
      await spanExport.shutdown();
      await metrics.shutdown();
    },
  };
}

function boot(): AgentHandle | undefined {
  const g = globalThis as { [LOADED]?: AgentHandle | null };
  // --require and --import together, or two copies of the package: start once.
  if (g[LOADED] !== undefined) return g[LOADED] ?? undefined;
  g[LOADED] = null;
  try {
    const handle = start();
    g[LOADED] = handle ?? null;
    return handle;
  } catch (err) {
    try {
      process.stderr.write(
        JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, name: 'paysidecar-agent', err: err instanceof Error ? err.message : String(err), msg: 'paysidecar agent failed to start; the app runs without it' }) + '\n',
      );
    } catch {
      // stderr closed: nothing more to do, and nothing to throw.
    }
    return undefined;
  }
}

export const agent: AgentHandle | undefined = boot();
