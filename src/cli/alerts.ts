/** `paysidecar alerts --out DIR`: Prometheus rules, alertmanager.yml and their promtool tests. */
import type { Command } from 'commander';
import { registerGenerator } from './generate-options';

export function registerAlerts(program: Command): void {
  registerGenerator(program, 'alerts', 'generate Prometheus recording and alerting rules, alertmanager.yml and promtool tests');
}
