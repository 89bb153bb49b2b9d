/** `paysidecar dashboards --out DIR`: the Grafana dashboards, exported copies, provisioning YAML. */
import type { Command } from 'commander';
import { registerGenerator } from './generate-options';

export function registerDashboards(program: Command): void {
  registerGenerator(program, 'dashboards', 'generate the Grafana dashboards (and the Kubernetes ConfigMap with --kubernetes-out)');
}
