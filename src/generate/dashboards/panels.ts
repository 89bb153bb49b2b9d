/**
 * Panel helpers over @grafana/grafana-foundation-sdk. Each helper takes a title, description,
 * unit and targets as required fields, so a panel without them does not compile — the
 * dashboard-linter rules (title, description, unit, target) hold by construction.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Every query goes to the data source the `datasource` variable picks. */
export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** Grafana sizes the window to at least four scrape intervals; never hard-code a window. */
export const RATE_INTERVAL = '$__rate_interval';

export interface Target {
  readonly expr: string;
  readonly legend: string;
  /** Ask Prometheus for this query's exemplars too (one target per panel, or Grafana draws them twice). */
  readonly exemplar?: boolean;
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  /** A Grafana unit id: reqps, ops, s, percentunit, bytes, Bps, short, none. */
  readonly unit: string;
  readonly targets: readonly Target[];
  readonly width?: number;
  readonly height?: number;
  /** Dashed threshold line (e.g. an alert threshold), in the panel's unit. */
  readonly threshold?: number;
  readonly links?: readonly DataLink[];
  readonly min?: number;
  readonly max?: number;
}

export interface DataLink {
  readonly title: string;
  readonly url: string;
}

/**
 * Field data links are `{title, url}` in Grafana; the SDK only has the dashboard-link builder, so
 * this builds the plain shape and casts (the extra dashboard-link fields would be noise).
 */
function dataLinkBuilder(link: DataLink): cog.Builder<dashboard.DashboardLink> {
  return { build: () => ({ title: link.title, url: link.url, targetBlank: false }) as unknown as dashboard.DashboardLink };
}

function queries(targets: readonly Target[], configure?: (q: prometheus.DataqueryBuilder) => prometheus.DataqueryBuilder) {
  return targets.map((t, i) => {
    const q = new prometheus.DataqueryBuilder()
      .datasource(DATASOURCE)
      .expr(t.expr)
      .legendFormat(t.legend)
      .refId(String.fromCharCode(65 + i));
    if (t.exemplar) q.exemplar(true);
    return configure ? configure(q) : q;
  });
}

function thresholds(threshold: number | undefined): dashboard.ThresholdsConfigBuilder {
  const steps: dashboard.Threshold[] = [{ value: null, color: 'green' }];
  if (threshold !== undefined) steps.push({ value: threshold, color: 'red' });
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

export function timeSeries(spec: PanelSpec): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(queries(spec.targets))
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .thresholds(thresholds(spec.threshold));
  if (spec.threshold !== undefined) {
    p.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  if (spec.min !== undefined) p.min(spec.min);
  if (spec.max !== undefined) p.max(spec.max);
  if (spec.links?.length) p.dataLinks(spec.links.map(dataLinkBuilder));
  return p;
}

export interface StatSpec extends PanelSpec {
  /** Value → text (and colour) mappings, e.g. 0 → OK. */
  readonly mappings?: Readonly<Record<string, { text: string; color: string }>>;
}

export function statPanel(spec: StatSpec): stat.PanelBuilder {
  const p = new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(queries(spec.targets))
    .span(spec.width ?? 4)
    .height(spec.height ?? 4)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(spec.threshold));
  if (spec.mappings) {
    p.mappings([{ type: dashboard.MappingType.ValueToText, options: Object.fromEntries(Object.entries(spec.mappings).map(([v, m], index) => [v, { ...m, index }])) }]);
  }
  if (spec.links?.length) p.dataLinks(spec.links.map(dataLinkBuilder));
  return p;
}

export interface TableSpec extends PanelSpec {
  /** Units of the value columns, by target (in the order of `targets`). */
  readonly columnUnits: readonly string[];
}

/** Instant queries merged on their labels: one row per label set, one column per target. */
export function tablePanel(spec: TableSpec): table.PanelBuilder {
  const p = new table.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(queries(spec.targets, (q) => q.instant().format(prometheus.PromQueryFormat.Table)))
    .span(spec.width ?? 24)
    .height(spec.height ?? 8)
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'organize',
      options: {
        excludeByName: { Time: true },
        renameByName: Object.fromEntries(spec.targets.map((t, i) => [`Value #${String.fromCharCode(65 + i)}`, t.legend])),
      },
    });
  spec.columnUnits.forEach((unit, i) => p.overrideByName(spec.targets[i].legend, [{ id: 'unit', value: unit }]));
  return p;
}

/** Prometheus histogram buckets drawn as they are (no re-bucketing by Grafana). */
export function heatmapPanel(spec: PanelSpec): heatmap.PanelBuilder {
  return new heatmap.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(queries(spec.targets, (q) => q.format(prometheus.PromQueryFormat.Heatmap)))
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .calculate(false)
    .yAxis(new heatmap.YAxisConfigBuilder().unit(spec.unit))
    .cellValues(new heatmap.CellValuesBuilder().unit('ops'))
    .color(new heatmap.HeatmapColorOptionsBuilder().mode(heatmap.HeatmapColorMode.Scheme).scheme('Oranges').scale(heatmap.HeatmapColorScale.Exponential).exponent(0.5))
    .showLegend();
}

export function row(title: string): dashboard.RowBuilder {
  return new dashboard.RowBuilder(title);
}
