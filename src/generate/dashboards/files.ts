/**
 * Everything `paysidecar dashboards --out DIR` writes: the product's dashboards as Grafana provisions
 * them, an exported copy of each for manual import (`__inputs` / `__requires`), and the
 * provisioning YAML for a file provider and a Prometheus data source.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { TRACE_ID_PLACEHOLDER, type GeneratorConfig } from '../config';
import { toJson, toYaml, type GeneratedFile } from '../files';
import { GENERATED_BY_DASHBOARDS } from '../header';
import { EXEMPLAR_TRACE_ID } from '../../telemetry/names';
import { DASHBOARDS, type DashboardRef } from './catalog';
import { goldenSignals } from './golden-signals';
import { healthDashboard } from './health';
import { hostDashboard } from './host';
import { runtimeDashboard } from './runtime';
import { stressDashboard } from './stress';

export const EXPORT_DIR = 'export';
const PROVISIONING_DIR = 'provisioning';
/** Provisioned data source uid; the `datasource` variable still lets users pick another. */
const PROVISIONED_DATASOURCE_UID = 'prometheus';
export const EXPORT_INPUT = 'DS_PROMETHEUS';
/** The Grafana release line that reads schemaVersion 42 dashboards. */
const GRAFANA_REQUIRED = '12.0.0';

const BUILDERS: Record<string, (c: GeneratorConfig) => dashboard.Dashboard> = {
  'paysidecar-golden': goldenSignals,
  'paysidecar-runtime': runtimeDashboard,
  'paysidecar-host': hostDashboard,
  'paysidecar-stress': stressDashboard,
  'paysidecar-health': healthDashboard,
};

export function buildDashboard(config: GeneratorConfig, ref: DashboardRef): dashboard.Dashboard {
  const build = BUILDERS[ref.uid];
  if (!build) throw new Error(`no builder for dashboard ${ref.uid}`);
  return build(config);
}

function panelTypes(d: dashboard.Dashboard): string[] {
  const types = new Set<string>();
  for (const p of d.panels ?? []) if (p.type !== 'row') types.add(p.type);
  return [...types].sort();
}

const PANEL_NAMES: Record<string, string> = { timeseries: 'Time series', stat: 'Stat', table: 'Table', heatmap: 'Heatmap' };

/**
 * What Grafana's "Export for sharing externally" adds: an input for the data source, the plugins
 * required, and no instance-specific id. The `datasource` variable defaults to the chosen input.
 */
function exportedCopy(d: dashboard.Dashboard): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(d)) as dashboard.Dashboard & Record<string, unknown>;
  const ds = copy.templating?.list?.find((v) => v.name === 'datasource');
  if (ds) ds.current = { text: `\${${EXPORT_INPUT}}`, value: `\${${EXPORT_INPUT}}` };
  return {
    __inputs: [
      { name: EXPORT_INPUT, label: 'Prometheus', description: 'The Prometheus that scrapes paysidecar', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' },
    ],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: GRAFANA_REQUIRED },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ...panelTypes(d).map((id) => ({ type: 'panel', id, name: PANEL_NAMES[id] ?? id, version: '' })),
    ],
    ...copy,
    id: null,
  };
}

/**
 * A link template as Grafana's exemplar destination wants it: the exemplar label's value is
 * `${__value.raw}`, and `$$` keeps Grafana's provisioning from reading it as an environment variable.
 */
function exemplarUrl(template: string): string {
  return template.split(TRACE_ID_PLACEHOLDER).join('$${__value.raw}');
}


function provisioning(config: GeneratorConfig): GeneratedFile[] {
  return [
    {
      path: `${PROVISIONING_DIR}/dashboards.yaml`,
      text: toYaml(
        {
          apiVersion: 1,
          providers: [
            {
              name: 'paysidecar',
              folder: 'Paysidecar',
              type: 'file',
              disableDeletion: false,
              allowUiUpdates: false,
              updateIntervalSeconds: 60,
              options: { path: config.grafanaDashboardsPath, foldersFromFilesStructure: false },
            },
          ],
        },
        GENERATED_BY_DASHBOARDS,
      ),
    },
    {
      path: `${PROVISIONING_DIR}/datasources.yaml`,
      text: toYaml(
        {
          apiVersion: 1,
          datasources: [
            {
              name: 'Prometheus',
              type: 'prometheus',
              uid: PROVISIONED_DATASOURCE_UID,
              access: 'proxy',
              url: config.prometheusUrl,
              isDefault: true,
              jsonData: {
                timeInterval: '15s',
                // An exemplar on a latency panel opens its trace, or the access-log lines of that trace.
                exemplarTraceIdDestinations: [
                  { name: EXEMPLAR_TRACE_ID, url: exemplarUrl(config.links.traceUrl), urlDisplayLabel: 'Open trace' },
                  { name: EXEMPLAR_TRACE_ID, url: exemplarUrl(config.links.logsUrl), urlDisplayLabel: 'Access log of this trace' },
                ],
              },
            },
          ],
        },
        GENERATED_BY_DASHBOARDS,
      ),
    },
  ];
}

export function dashboardFiles(config: GeneratorConfig): GeneratedFile[] {
  const out: GeneratedFile[] = [];
  for (const ref of DASHBOARDS) {
    const d = buildDashboard(config, ref);
    out.push({ path: ref.file, text: toJson(d) });
    out.push({ path: `${EXPORT_DIR}/${ref.file}`, text: toJson(exportedCopy(d)) });
  }
  return [...out, ...provisioning(config)];
}
