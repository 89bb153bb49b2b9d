/**
 * The standard OpenTelemetry SDK environment variables for span export, read from an explicit
 * `env` (not `process.env`) so the sidecar, the agent and tests see the same rules. Malformed
 * values are a ConfigError naming the variable and what was expected, like every other paysidecar
 * setting; header values are never echoed because they usually carry API keys.
 *
 * Spec: https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/ and
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/
 */
import { ConfigError } from '../errors';
import { collect, httpUrl, intAtLeast, oneOf } from '../config/values';

const OTEL_ENV = {
  SDK_DISABLED: 'OTEL_SDK_DISABLED',
  TRACES_EXPORTER: 'OTEL_TRACES_EXPORTER',
  ENDPOINT: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  TRACES_ENDPOINT: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  HEADERS: 'OTEL_EXPORTER_OTLP_HEADERS',
  TRACES_HEADERS: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  TIMEOUT: 'OTEL_EXPORTER_OTLP_TIMEOUT',
  TRACES_TIMEOUT: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
  COMPRESSION: 'OTEL_EXPORTER_OTLP_COMPRESSION',
  TRACES_COMPRESSION: 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
  PROTOCOL: 'OTEL_EXPORTER_OTLP_PROTOCOL',
  TRACES_PROTOCOL: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  SERVICE_NAME: 'OTEL_SERVICE_NAME',
  RESOURCE_ATTRIBUTES: 'OTEL_RESOURCE_ATTRIBUTES',
  TRACES_SAMPLER: 'OTEL_TRACES_SAMPLER',
  TRACES_SAMPLER_ARG: 'OTEL_TRACES_SAMPLER_ARG',
  BSP_SCHEDULE_DELAY: 'OTEL_BSP_SCHEDULE_DELAY',
  BSP_EXPORT_TIMEOUT: 'OTEL_BSP_EXPORT_TIMEOUT',
  BSP_MAX_QUEUE_SIZE: 'OTEL_BSP_MAX_QUEUE_SIZE',
  BSP_MAX_EXPORT_BATCH_SIZE: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
} as const;

const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface BatchSettings {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

/** The SDK defaults, as the spec lists them. */
const BATCH_DEFAULTS: BatchSettings = {
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
  scheduledDelayMillis: 5000,
  exportTimeoutMillis: 30000,
};

export interface OtlpEnv {
  /** OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. */
  exportDisabled: boolean;
  /** Traces URL from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (as is) or _ENDPOINT (+ /v1/traces). */
  tracesUrl?: string;
  /** Generic headers overlaid by the traces-specific ones, as the spec says. */
  headers: Record<string, string>;
  timeoutMillis?: number;
  compression?: 'gzip' | 'none';
  batch: BatchSettings;
  sampler?: { name: SamplerName; arg?: number };
  serviceName?: string;
  resourceAttributes: Record<string, string>;
  /** Things worth one log line at start-up (ignored or adjusted values). */
  notes: string[];
}

function get(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/** `key=value,key=value` with percent-encoded values (W3C baggage syntax, as the spec says). */
function parseKeyValues(
  env: NodeJS.ProcessEnv,
  name: string,
  problems: string[],
  opts: { secretValues: boolean },
): Record<string, string> {
  const raw = get(env, name);
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  raw.split(',').forEach((entry, i) => {
    if (entry.trim() === '') return;
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim() : '';
    if (key === '') {
      const shown = opts.secretValues ? `entry ${i + 1}` : `"${entry.trim()}"`;
      problems.push(`${name}: ${shown} is invalid, expected key=value pairs separated by commas`);
      return;
    }
    try {
      out[decodeURIComponent(key)] = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      const shown = opts.secretValues ? `the value of "${key}"` : `"${entry.trim()}"`;
      problems.push(`${name}: ${shown} is invalid, expected percent-encoding (%XX) only for reserved characters`);
    }
  });
  return out;
}

const COLLECTOR_URL = httpUrl({ like: 'http://otel-collector:4318' });
const COMPRESSION = oneOf(['gzip', 'none'] as const);

function intVar(env: NodeJS.ProcessEnv, name: string, min: number, problems: string[]): number | undefined {
  return collect(name, get(env, name), intAtLeast(min), problems);
}

/** `/v1/traces` joined onto a base endpoint the way the spec does it (keep any path prefix). */
function appendTracesPath(base: string): string {
  return base.endsWith('/') ? `${base}v1/traces` : `${base}/v1/traces`;
}

/**
 * Reads every OTEL_* variable paysidecar honours for spans. Throws one ConfigError listing all
 * problems.
 */
export function readOtlpEnv(env: NodeJS.ProcessEnv): OtlpEnv {
  const problems: string[] = [];
  const notes: string[] = [];

  const sdkDisabled = get(env, OTEL_ENV.SDK_DISABLED);
  if (sdkDisabled !== undefined && !['true', 'false'].includes(sdkDisabled.toLowerCase())) {
    problems.push(`${OTEL_ENV.SDK_DISABLED}: "${sdkDisabled}" is invalid, expected true or false`);
  }
  const exporters = (get(env, OTEL_ENV.TRACES_EXPORTER) ?? 'otlp').split(',').map((s) => s.trim().toLowerCase());
  const unsupported = exporters.filter((e) => e !== 'otlp' && e !== 'none' && e !== '');
  if (unsupported.length > 0) {
    notes.push(`${OTEL_ENV.TRACES_EXPORTER}: ${unsupported.join(',')} ignored; paysidecar exports spans over OTLP/HTTP only`);
  }
  const exportDisabled = sdkDisabled?.toLowerCase() === 'true' || (exporters.includes('none') && !exporters.includes('otlp'));

  let tracesUrl: string | undefined;
  const specific = get(env, OTEL_ENV.TRACES_ENDPOINT);
  const generic = get(env, OTEL_ENV.ENDPOINT);
  // Checked as URLs, used as written: URL.href would add a slash to a bare host.
  const specificOk = collect(OTEL_ENV.TRACES_ENDPOINT, specific, COLLECTOR_URL, problems) !== undefined;
  const genericOk = collect(OTEL_ENV.ENDPOINT, generic, COLLECTOR_URL, problems) !== undefined;
  if (specificOk) tracesUrl = specific;
  else if (genericOk && generic !== undefined) tracesUrl = appendTracesPath(generic);

  const headers = {
    ...parseKeyValues(env, OTEL_ENV.HEADERS, problems, { secretValues: true }),
    ...parseKeyValues(env, OTEL_ENV.TRACES_HEADERS, problems, { secretValues: true }),
  };

  const timeoutMillis = intVar(env, OTEL_ENV.TRACES_TIMEOUT, 1, problems) ?? intVar(env, OTEL_ENV.TIMEOUT, 1, problems);

  let compression: OtlpEnv['compression'];
  for (const name of [OTEL_ENV.TRACES_COMPRESSION, OTEL_ENV.COMPRESSION]) {
    const value = collect(name, get(env, name), COMPRESSION, problems);
    if (value !== undefined) compression ??= value;
  }

  const protocol = get(env, OTEL_ENV.TRACES_PROTOCOL) ?? get(env, OTEL_ENV.PROTOCOL);
  if (protocol === 'grpc') {
    problems.push(
      `${get(env, OTEL_ENV.TRACES_PROTOCOL) ? OTEL_ENV.TRACES_PROTOCOL : OTEL_ENV.PROTOCOL}: "grpc" is not supported, expected http/json or http/protobuf (point paysidecar at the collector's OTLP/HTTP port, usually 4318)`,
    );
  } else if (protocol === 'http/protobuf') {
    // Collectors serve JSON and protobuf on the same OTLP/HTTP path, so this still works.
    notes.push('OTLP protocol http/protobuf requested; paysidecar sends OTLP/HTTP JSON, which OTLP/HTTP receivers also accept');
  } else if (protocol !== undefined && protocol !== 'http/json') {
    problems.push(`${OTEL_ENV.PROTOCOL}: "${protocol}" is invalid, expected http/json or http/protobuf`);
  }

  const batch: BatchSettings = {
    maxQueueSize: intVar(env, OTEL_ENV.BSP_MAX_QUEUE_SIZE, 1, problems) ?? BATCH_DEFAULTS.maxQueueSize,
    maxExportBatchSize: intVar(env, OTEL_ENV.BSP_MAX_EXPORT_BATCH_SIZE, 1, problems) ?? BATCH_DEFAULTS.maxExportBatchSize,
    scheduledDelayMillis: intVar(env, OTEL_ENV.BSP_SCHEDULE_DELAY, 0, problems) ?? BATCH_DEFAULTS.scheduledDelayMillis,
    exportTimeoutMillis: intVar(env, OTEL_ENV.BSP_EXPORT_TIMEOUT, 1, problems) ?? BATCH_DEFAULTS.exportTimeoutMillis,
  };
  if (batch.maxExportBatchSize > batch.maxQueueSize) {
    notes.push(
      `${OTEL_ENV.BSP_MAX_EXPORT_BATCH_SIZE}=${batch.maxExportBatchSize} exceeds ${OTEL_ENV.BSP_MAX_QUEUE_SIZE}=${batch.maxQueueSize}; using ${batch.maxQueueSize}`,
    );
    batch.maxExportBatchSize = batch.maxQueueSize;
  }

  let sampler: OtlpEnv['sampler'];
  const samplerName = get(env, OTEL_ENV.TRACES_SAMPLER);
  if (samplerName !== undefined) {
    if (!(SAMPLER_NAMES as readonly string[]).includes(samplerName)) {
      problems.push(`${OTEL_ENV.TRACES_SAMPLER}: "${samplerName}" is invalid, expected one of ${SAMPLER_NAMES.join('|')}`);
    } else {
      sampler = { name: samplerName as SamplerName };
      const arg = get(env, OTEL_ENV.TRACES_SAMPLER_ARG);
      if (arg !== undefined && samplerName.endsWith('traceidratio')) {
        const n = Number(arg);
        if (!/^\d*\.?\d+$/.test(arg) || n > 1) {
          problems.push(`${OTEL_ENV.TRACES_SAMPLER_ARG}: "${arg}" is invalid, expected a number from 0 to 1`);
        } else sampler.arg = n;
      }
    }
  }

  const resourceAttributes = parseKeyValues(env, OTEL_ENV.RESOURCE_ATTRIBUTES, problems, { secretValues: false });

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    exportDisabled,
    tracesUrl,
    headers,
    timeoutMillis,
    compression,
    batch,
    sampler,
    serviceName: get(env, OTEL_ENV.SERVICE_NAME),
    resourceAttributes,
    notes,
  };
}
