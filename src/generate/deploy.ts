/**
 * Deployment artefacts generated from the same config: a Prometheus scrape config example, and
 * for Kubernetes a PrometheusRule (Prometheus Operator) and a ConfigMap of the dashboards that
 * Grafana's dashboard sidecar (kube-prometheus-stack) picks up by label.
 */
import type { GeneratorConfig } from './config';
import { ruleGroups } from './alerts/files';
import { DASHBOARDS } from './dashboards/catalog';
import { buildDashboard } from './dashboards/files';
import { toJson, toYaml, type GeneratedFile } from './files';
import { GENERATED_BY_ALERTS, GENERATED_BY_DASHBOARDS } from './header';

export interface ScrapeOptions {
  readonly sidecarTargets: readonly string[];
  readonly agentTargets: readonly string[];
  readonly alertmanagers: readonly string[];
  readonly ruleFiles: readonly string[];
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
}

function plainJob(name: string, key: string): string {
  if (!/^[a-zA-Z0-9_.:-]+$/.test(name)) {
    throw new Error(`jobs.${key} = "${name}": a scrape config needs a plain job name, not a regex`);
  }
  return name;
}

/** A prometheus.yml scraping the sidecar admin listener and the agent listener. */
export function prometheusConfig(config: GeneratorConfig, o: ScrapeOptions): Record<string, unknown> {
  return {
    global: { scrape_interval: o.scrapeInterval, evaluation_interval: o.evaluationInterval },
    rule_files: [...o.ruleFiles],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [...o.alertmanagers] }] }] },
    scrape_configs: [
      { job_name: plainJob(config.jobs.sidecar, 'sidecar'), metrics_path: '/metrics', static_configs: [{ targets: [...o.sidecarTargets] }] },
      // Merged: the sidecar's /metrics already carries the agent's series.
      ...(config.agentMetrics === 'merged'
        ? []
        : [{ job_name: plainJob(config.jobs.agent, 'agent'), metrics_path: '/metrics', static_configs: [{ targets: [...o.agentTargets] }] }]),
    ],
  };
}

export const PROMETHEUS_EXAMPLE = 'prometheus.yml';

export function prometheusFiles(config: GeneratorConfig): GeneratedFile[] {
  const example = prometheusConfig(config, {
    sidecarTargets: ['127.0.0.1:15090'],
    agentTargets: ['127.0.0.1:15091'],
    alertmanagers: ['127.0.0.1:9093'],
    // Relative to this file, so `prometheus --config.file=deploy/prometheus/prometheus.yml` works from a clone.
    ruleFiles: ['../../alerts/paysidecar.rules.yml'],
    scrapeInterval: '15s',
    evaluationInterval: '15s',
  });
  return [{ path: PROMETHEUS_EXAMPLE, text: toYaml(example, GENERATED_BY_ALERTS) }];
}

export const PROMETHEUS_RULE_FILE = 'paysidecar-prometheusrule.yaml';
export const DASHBOARDS_CONFIGMAP_FILE = 'paysidecar-dashboards-configmap.yaml';

export function prometheusRuleFiles(config: GeneratorConfig): GeneratedFile[] {
  const k = config.kubernetes;
  return [
    {
      path: PROMETHEUS_RULE_FILE,
      text: toYaml(
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { name: 'paysidecar', namespace: k.namespace, labels: { 'app.kubernetes.io/name': 'paysidecar', ...k.ruleLabels } },
          spec: { groups: ruleGroups(config) },
        },
        GENERATED_BY_ALERTS,
      ),
    },
  ];
}

export function dashboardsConfigMapFiles(config: GeneratorConfig): GeneratedFile[] {
  const k = config.kubernetes;
  return [
    {
      path: DASHBOARDS_CONFIGMAP_FILE,
      text: toYaml(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'paysidecar-dashboards',
            namespace: k.namespace,
            labels: { 'app.kubernetes.io/name': 'paysidecar', [k.dashboardLabel]: '1' },
            annotations: { grafana_folder: 'Paysidecar' },
          },
          data: Object.fromEntries(DASHBOARDS.map((ref) => [ref.file, toJson(buildDashboard(config, ref))])),
        },
        GENERATED_BY_DASHBOARDS,
      ),
    },
  ];
}
