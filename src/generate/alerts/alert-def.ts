/**
 * The shape of an alert before it becomes a rule, shared by the rule files of each area
 * (rules.ts, sidecar-health.ts): one prefix, three severities, a dashboard to link.
 */
import type { DashboardRef } from '../dashboards/catalog';

export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

export const ALERT_PREFIX = 'Paysidecar';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface AlertGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

export interface AlertDef {
  name: string;
  severity: Severity;
  expr: string;
  for: string;
  extraLabels?: Record<string, string>;
  summary: string;
  description: string;
  dashboard: DashboardRef;
  /** The expression keeps a `job` label, so the dashboard link can pre-select it. */
  hasJob: boolean;
  /** The expression keeps the request histogram's `traffic` label: the link pre-selects it too. */
  hasTraffic?: boolean;
}
