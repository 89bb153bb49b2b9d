/**
 * What every paysidecar dashboard shares: the variables (datasource, job, instance, route,
 * traffic), the links between the four dashboards (time range and variables kept), the firing
 * alerts as annotations, and the filters queries put on the variables.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { TRAFFIC_PROD, TRAFFIC_STRESS } from '../../telemetry/names';
import type { GeneratorConfig } from '../config';
import { generatedNotice, GENERATED_BY_DASHBOARDS } from '../header';
import { ALERTS, INSTANCE, JOB, L, REQUESTS, eq, re, sel, type Matcher } from '../promql';
import { DASHBOARD_TAG, dashboardPath, type DashboardRef } from './catalog';
import { DATASOURCE, type DataLink } from './panels';

/** "All" matches any non-empty value, as dashboard-linter asks (a literal `.*` would also match absent labels). */
const ALL = '.+';

export const VAR = { job: '$job', instance: '$instance', route: '$route', traffic: '$traffic' } as const;

/** Filters for series the sidecar and the agent write (job and instance only). */
export const TARGET: readonly Matcher[] = [re(JOB, VAR.job), re(INSTANCE, VAR.instance)];
/** Filters for the request histogram: targets plus route and traffic. */
export const REQUEST: readonly Matcher[] = [...TARGET, re(L.route, VAR.route), re(L.traffic, VAR.traffic)];

function queryVariable(name: string, label: string, query: string, description: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(ALL)
    .current({ text: 'All', value: '$__all' });
}

/**
 * `jobMetric` is a series every target of this dashboard writes, so the job list shows only jobs
 * that have something to draw here.
 */
function buildVariables(jobMetric: string) {
  return [
    new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus').description('The Prometheus that scrapes the sidecar and the agent.'),
    queryVariable('job', 'Job', `label_values(${jobMetric}, ${JOB})`, 'Scrape jobs of the sidecar and the agent.'),
    queryVariable('instance', 'Instance', `label_values(${sel(jobMetric, re(JOB, VAR.job))}, ${INSTANCE})`, 'Pods or hosts of the selected jobs.'),
    queryVariable('route', 'Route', `label_values(${sel(REQUESTS.count, ...TARGET)}, ${L.route})`, 'Route templates seen by the sidecar (never raw paths).'),
    new dashboard.CustomVariableBuilder('traffic')
      .label('Traffic')
      .description('prod is real traffic; stress is trusted, coloured stress-test traffic.')
      .values(`${TRAFFIC_PROD},${TRAFFIC_STRESS}`)
      .multi(true)
      .includeAll(true)
      .allValue(ALL)
      .current({ text: 'All', value: '$__all' }),
  ];
}

/** A data link to another dashboard at the clicked panel's time range, with every variable. */
export function detailLink(d: DashboardRef, title = `Open ${d.title}`): DataLink {
  return { title, url: `${dashboardPath(d)}?\${__url_time_range}&\${__all_variables}` };
}

export interface Frame {
  readonly ref: DashboardRef;
  readonly description: string;
  /** Series used for the job/instance variables. */
  readonly jobMetric: string;
  /**
   * Who generates this dashboard, for its do-not-edit notice; the product's `paysidecar
   * dashboards` by default. An example's dashboard names its own script and folder.
   */
  readonly generatedBy?: { readonly command: string; readonly from: string };
  /** Tags besides the shared one (which keeps the dashboards linked to each other). */
  readonly tags?: readonly string[];
}

export function frame(config: GeneratorConfig, f: Frame): dashboard.DashboardBuilder {
  const b = new dashboard.DashboardBuilder(f.ref.title)
    .uid(f.ref.uid)
    .description(`${f.description} ${f.generatedBy ? generatedNotice(f.generatedBy.command, f.generatedBy.from) : generatedNotice(GENERATED_BY_DASHBOARDS)}`)
    .tags([DASHBOARD_TAG, ...(f.tags ?? [])])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .link(
      new dashboard.DashboardLinkBuilder('Paysidecar dashboards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(false)
        .keepTime(true)
        .includeVars(true)
        .targetBlank(false)
        .icon('external link')
        .tooltip('')
        .url(''),
    )
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Annotations & Alerts')
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .builtIn(1)
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)')
        .type('dashboard'),
    )
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Firing alerts')
        .datasource(DATASOURCE)
        .enable(true)
        .hide(false)
        .iconColor('red')
        .expr(sel(ALERTS, eq('alertstate', 'firing'), eq('service', config.service)))
        .step('60s')
        .titleFormat('{{alertname}}')
        .textFormat('{{severity}} {{job}} {{instance}}')
        .tagKeys('severity')
        .useValueForTime(false),
    );
  for (const v of buildVariables(f.jobMetric)) b.withVariable(v);
  return b;
}

/**
 * Grafana needs a unique id per panel; the SDK leaves ids unset. Numbered in layout order so the
 * output is stable.
 */
export function finish(d: dashboard.Dashboard): dashboard.Dashboard {
  let id = 1;
  for (const p of d.panels ?? []) {
    p.id = id++;
    if (p.type === 'row') for (const inner of (p as dashboard.RowPanel).panels ?? []) inner.id = id++;
  }
  return d;
}
