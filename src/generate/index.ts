/**
 * The generators' entry: which files land where in the repository. The CLI writes them; the drift
 * test regenerates them and compares byte for byte.
 */
import { alertFiles } from './alerts/files';
import type { GeneratorConfig } from './config';
import { dashboardFiles } from './dashboards/files';
import { dashboardsConfigMapFiles, prometheusFiles, prometheusRuleFiles } from './deploy';
import type { GeneratedFile } from './files';

export interface OutputSet {
  /** Directory relative to the repository root where the committed copy lives. */
  readonly dir: string;
  readonly command: 'dashboards' | 'alerts';
  /** The CLI flag that writes this set (`--out` for the primary one). */
  readonly flag: string;
  readonly files: (config: GeneratorConfig) => GeneratedFile[];
  /** Set when other generators share `dir`, so the drift test only claims these files. */
  readonly shared?: boolean;
}

export const OUTPUTS: readonly OutputSet[] = [
  { dir: 'dashboards', command: 'dashboards', flag: '--out', files: dashboardFiles },
  { dir: 'deploy/kubernetes', command: 'dashboards', flag: '--kubernetes-out', files: dashboardsConfigMapFiles, shared: true },
  { dir: 'alerts', command: 'alerts', flag: '--out', files: alertFiles },
  { dir: 'deploy/kubernetes', command: 'alerts', flag: '--kubernetes-out', files: prometheusRuleFiles, shared: true },
  { dir: 'deploy/prometheus', command: 'alerts', flag: '--prometheus-out', files: prometheusFiles },
];
