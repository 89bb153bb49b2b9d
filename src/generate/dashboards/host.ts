/**
 * Host and container as the sidecar sees them: CPU, memory against the cgroup limit, network,
 * TCP states (TIME_WAIT), the kernel parameters a busy proxy depends on, and collector health.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { host, prom, promLabel } from '../../telemetry/names';
import type { GeneratorConfig } from '../config';
import { INSTANCE, eq, re, sel, sumBy } from '../promql';
import { HOST } from './catalog';
import { TARGET, finish, frame } from './frame';
import { row, statPanel, tablePanel, timeSeries } from './panels';
import { orZero, sumRate } from './queries';

export function hostDashboard(config: GeneratorConfig): dashboard.Dashboard {
  const state = promLabel(host.ATTR_CONNECTION_STATE);
  const memState = promLabel(host.ATTR_MEMORY_STATE);
  const proc = promLabel(host.ATTR_PROCESS_NAME);
  const collector = promLabel(host.ATTR_COLLECTOR);
  const param = promLabel(host.ATTR_PARAM_NAME);
  const direction = promLabel(host.ATTR_NETWORK_DIRECTION);
  const timeWait = re(state, '(?i)time_wait');
  const byInstance = (m: Parameters<typeof prom>[0], agg = 'max', ...extra: Parameters<typeof sel>[1][]) => sumBy([INSTANCE], sel(prom(m), ...TARGET, ...extra), agg);
  const b = frame(config, {
    ref: HOST,
    description: 'Host, container and processes as seen by the paysidecar sidecar: CPU, memory vs the cgroup limit, network, TCP states, kernel parameters.',
    jobMetric: prom(host.SYSTEM_CPU_UTILIZATION),
  });

  b.withRow(row('CPU'))
    .withPanel(
      timeSeries({
        title: 'Host CPU',
        description: `Host CPU utilisation, all cores. Above ${config.host.cpuUtilization * 100}% for 10 minutes alerts.`,
        unit: 'percentunit',
        threshold: config.host.cpuUtilization,
        min: 0,
        max: 1,
        targets: [{ expr: byInstance(host.SYSTEM_CPU_UTILIZATION, 'avg'), legend: '{{instance}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Watched process CPU',
        description: 'CPU of the payment process the sidecar watches (--watch-process), as a share of all CPUs.',
        unit: 'percentunit',
        min: 0,
        targets: [{ expr: sumBy([INSTANCE, proc], sel(prom(host.PROCESS_CPU_UTILIZATION), ...TARGET)), legend: '{{instance}} {{process_executable_name}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Load average (1m)',
        description: 'Runnable and waiting threads; above the core count means queueing for CPU.',
        unit: 'short',
        targets: [{ expr: byInstance(host.SYSTEM_CPU_LOAD_1M), legend: '{{instance}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'CPU throttled (cgroup)',
        description: 'Share of time the container was throttled by its cgroup CPU quota; 0 when no quota is set.',
        unit: 'percentunit',
        min: 0,
        targets: [{ expr: orZero(sumRate([INSTANCE], prom(host.CONTAINER_CPU_THROTTLED), ...TARGET)), legend: '{{instance}}' }],
      }),
    );

  b.withRow(row('Memory'))
    .withPanel(
      timeSeries({
        title: 'Container memory vs cgroup limit',
        description: `cgroup memory in use against memory.max (host total when no cgroup limit is set). Above ${config.host.memoryRatio * 100}% of the limit alerts: the OOM killer is next.`,
        unit: 'bytes',
        targets: [
          {
            expr: `${byInstance(host.CONTAINER_MEMORY_USAGE)}\nor\n${byInstance(host.SYSTEM_MEMORY_USAGE, 'sum', eq(memState, host.MEMORY_STATES.used))}`,
            legend: 'used {{instance}}',
          },
          { expr: `${byInstance(host.CONTAINER_MEMORY_LIMIT)}\nor\n${byInstance(host.SYSTEM_MEMORY_LIMIT)}`, legend: 'limit {{instance}}' },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Host memory by state',
        description: 'Host memory used, free, buffers and page cache.',
        unit: 'bytes',
        targets: [{ expr: sumBy([INSTANCE, memState], sel(prom(host.SYSTEM_MEMORY_USAGE), ...TARGET)), legend: '{{instance}} {{system_memory_state}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Watched process memory',
        description: 'Resident memory of the watched payment process.',
        unit: 'bytes',
        targets: [{ expr: sumBy([INSTANCE, proc], sel(prom(host.PROCESS_MEMORY_USAGE), ...TARGET)), legend: '{{instance}} {{process_executable_name}}' }],
      }),
    );

  b.withRow(row('Network'))
    .withPanel(
      timeSeries({
        title: 'Network throughput',
        description: 'Bytes per second received and transmitted, all interfaces.',
        unit: 'Bps',
        targets: [{ expr: sumRate([INSTANCE, direction], prom(host.SYSTEM_NETWORK_IO), ...TARGET), legend: '{{instance}} {{network_io_direction}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'TCP connections by state',
        description: 'TCP sockets by state. Many TIME_WAIT means connections are closed instead of reused (keep-alive off somewhere); many CLOSE_WAIT means a peer closed and we did not.',
        unit: 'short',
        targets: [{ expr: sumBy([INSTANCE, state], sel(prom(host.SYSTEM_NETWORK_CONNECTIONS), ...TARGET)), legend: '{{instance}} {{network_connection_state}}' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'TIME_WAIT sockets',
        description: `Sockets in TIME_WAIT now. Alerts above ${config.host.timeWaitMin} and ${config.host.timeWaitSurgeFactor}x the last hour's average.`,
        unit: 'short',
        threshold: config.host.timeWaitMin,
        width: 6,
        height: 8,
        targets: [{ expr: `${sumBy([], sel(prom(host.SYSTEM_NETWORK_CONNECTIONS), ...TARGET, timeWait))} or vector(0)`, legend: 'TIME_WAIT' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Host collectors failing',
        description: 'Host collectors whose last run failed (each logs once and keeps trying).',
        unit: 'short',
        threshold: 1,
        width: 6,
        height: 8,
        targets: [{ expr: `count(${sel(prom(host.COLLECTOR_UP), ...TARGET)} == 0) or vector(0)`, legend: 'failing' }],
      }),
    );

  b.withRow(row('Kernel and collectors'))
    .withPanel(
      tablePanel({
        title: 'Kernel parameters',
        description: 'Kernel and process limits a busy proxy depends on (somaxconn, SYN backlog, tcp_tw_reuse, local port range, open files, listen backlog). The sidecar logs advice at start-up when one is too low.',
        unit: 'short',
        width: 12,
        columnUnits: ['short'],
        targets: [{ expr: sumBy([INSTANCE, param], sel(prom(host.KERNEL_PARAM), ...TARGET), 'max'), legend: 'value' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Collector run time',
        description: 'How long each host collector took on its last run (some spawn ss/netstat).',
        unit: 's',
        targets: [{ expr: sumBy([INSTANCE, collector], sel(prom(host.COLLECTOR_DURATION), ...TARGET), 'max'), legend: '{{instance}} {{collector}}' }],
      }),
    );
  return finish(b.build());
}
