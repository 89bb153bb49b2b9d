/**
 * The resource every exported span carries: who sent it. Precedence, lowest first: defaults
 * (telemetry.sdk.*), our own attributes (service.name from --service-name, a fresh
 * service.instance.id, host.name, Kubernetes attributes from Downward-API env vars), then
 * OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME — the order users of any OpenTelemetry SDK
 * expect, so a platform team's OTEL_* settings win over the image's built-in defaults.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';

/**
 * Env var names a pod spec may use to pass Downward-API fields, first match wins. The first column
 * is what the OpenTelemetry operator and collector docs use; the others are common in charts and
 * in the Kubernetes docs' own example (MY_POD_NAME…).
 */
const DOWNWARD_API_ENV: Readonly<Record<string, readonly string[]>> = {
  'k8s.pod.name': ['K8S_POD_NAME', 'POD_NAME', 'MY_POD_NAME'],
  'k8s.namespace.name': ['K8S_NAMESPACE_NAME', 'K8S_POD_NAMESPACE', 'POD_NAMESPACE', 'MY_POD_NAMESPACE'],
  'k8s.node.name': ['K8S_NODE_NAME', 'NODE_NAME', 'MY_NODE_NAME'],
  'k8s.pod.uid': ['K8S_POD_UID', 'POD_UID', 'MY_POD_UID'],
};

export interface ResourceOptions {
  /** service.name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name one. */
  serviceName: string;
  serviceVersion?: string;
  /** Defaults to a random UUID per process start, as the semantic conventions recommend. */
  instanceId?: string;
  /** Parsed OTEL_RESOURCE_ATTRIBUTES. */
  resourceAttributes?: Record<string, string>;
  /** OTEL_SERVICE_NAME. */
  otelServiceName?: string;
}

function kubernetesAttributes(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [attr, names] of Object.entries(DOWNWARD_API_ENV)) {
    const value = names.map((n) => env[n]?.trim()).find((v) => v !== undefined && v !== '');
    if (value !== undefined) out[attr] = value;
  }
  return out;
}

export function buildResource(opts: ResourceOptions, env: NodeJS.ProcessEnv): Resource {
  const ours: Record<string, string> = {
    'service.name': opts.serviceName,
    'service.instance.id': opts.instanceId ?? randomUUID(),
    'host.name': hostname(),
    ...kubernetesAttributes(env),
  };
  if (opts.serviceVersion) ours['service.version'] = opts.serviceVersion;
  const overrides: Record<string, string> = { ...opts.resourceAttributes };
  if (opts.otelServiceName) overrides['service.name'] = opts.otelServiceName;
  return defaultResource().merge(resourceFromAttributes(ours)).merge(resourceFromAttributes(overrides));
}
