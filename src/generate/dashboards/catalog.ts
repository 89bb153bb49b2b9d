/**
 * The four dashboards by uid, title and file name. Alerts link to them (`dashboard_url`), the
 * dashboards link to each other, and the runbooks name them: all through this one list.
 */

export interface DashboardRef {
  readonly uid: string;
  readonly title: string;
  /** File name under dashboards/ (and the ConfigMap key). */
  readonly file: string;
}

function ref(uid: string, title: string): DashboardRef {
  return { uid, title, file: `${uid}.json` };
}

export const GOLDEN = ref('paysidecar-golden', 'Paysidecar / Payment golden signals');
export const RUNTIME = ref('paysidecar-runtime', 'Paysidecar / Runtime');
export const HOST = ref('paysidecar-host', 'Paysidecar / Host and container');
export const STRESS = ref('paysidecar-stress', 'Paysidecar / Stress test');

export const DASHBOARDS: readonly DashboardRef[] = [GOLDEN, RUNTIME, HOST, STRESS];

/** Grafana's URL slug for a title (lower case, runs of other characters become one dash). */
export function slug(title: string): string {
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
