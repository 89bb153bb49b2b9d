/**
 * The product's dashboards by uid, title and file name. Alerts link to them (`dashboard_url`), the
 * dashboards link to each other, and the runbooks name them: all through this one list.
 */

export interface DashboardRef {
  readonly uid: string;
  readonly title: string;
  /** File name under dashboards/ (and the ConfigMap key). */
  readonly file: string;
}

export function dashboardRef(uid: string, title: string): DashboardRef {
  return { uid, title, file: `${uid}.json` };
}

export const GOLDEN = dashboardRef('paysidecar-golden', 'Paysidecar / Payment golden signals');
export const RUNTIME = dashboardRef('paysidecar-runtime', 'Paysidecar / Runtime');
export const HOST = dashboardRef('paysidecar-host', 'Paysidecar / Host and container');
export const STRESS = dashboardRef('paysidecar-stress', 'Paysidecar / Stress test');
export const HEALTH = dashboardRef('paysidecar-health', 'Paysidecar / Sidecar health');

export const DASHBOARDS: readonly DashboardRef[] = [GOLDEN, RUNTIME, HOST, STRESS, HEALTH];

/** Grafana's URL slug for a title (lower case, runs of other characters become one dash). */
function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Path of a dashboard inside Grafana, without query string. */
export function dashboardPath(d: DashboardRef): string {
  return `/d/${d.uid}/${slug(d.title)}`;
}

/** The tag every generated dashboard carries; Grafana's dashboard links find the others by it. */
export const DASHBOARD_TAG = 'paysidecar';
