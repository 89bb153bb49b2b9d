/** Host, container and process metrics, by the system and process semantic conventions. */
import { metric } from './prometheus';

export const SYSTEM_CPU_UTILIZATION = metric('system.cpu.utilization', 'gauge', '1', 'Host CPU utilisation (0..1), all cores.');
export const SYSTEM_CPU_LOAD_1M = metric('system.cpu.load_average.1m', 'gauge', '{thread}', 'Host 1-minute load average.');
export const SYSTEM_MEMORY_USAGE = metric('system.memory.usage', 'gauge', 'By', 'Host memory in use, by state.');
export const SYSTEM_MEMORY_LIMIT = metric('system.memory.limit', 'gauge', 'By', 'Host total memory.');
export const SYSTEM_NETWORK_IO = metric('system.network.io', 'counter', 'By', 'Bytes sent and received, by interface and direction.');
export const SYSTEM_NETWORK_CONNECTIONS = metric('system.network.connections', 'gauge', '{connection}', 'TCP connections by state.');
export const PROCESS_CPU_UTILIZATION = metric('process.cpu.utilization', 'gauge', '1', 'CPU utilisation of the watched process (0..1 of all CPUs, as the semantic conventions define it).');
export const PROCESS_MEMORY_USAGE = metric('process.memory.usage', 'gauge', 'By', 'Resident memory of the process.');
export const CONTAINER_MEMORY_LIMIT = metric('paysidecar.container.memory.limit', 'gauge', 'By', 'cgroup v2 memory.max (absent when unlimited).');
export const CONTAINER_MEMORY_USAGE = metric('paysidecar.container.memory.usage', 'gauge', 'By', 'cgroup v2 memory.current.');
export const CONTAINER_CPU_LIMIT = metric('paysidecar.container.cpu.limit', 'gauge', '{cpu}', 'cgroup v2 cpu.max quota in CPUs (absent when unlimited).');
export const CONTAINER_CPU_THROTTLED = metric('paysidecar.container.cpu.throttled_time', 'counter', 's', 'cgroup v2 cpu.stat throttled time.');
export const CONTAINER_CPU_THROTTLED_PERIODS = metric('paysidecar.container.cpu.throttled_periods', 'counter', '{period}', 'cgroup v2 cpu.stat nr_throttled: CFS periods in which the container was throttled.');
export const CONTAINER_CPU_USAGE = metric('paysidecar.container.cpu.usage', 'counter', 's', 'cgroup v2 cpu.stat usage: CPU time used by the container.');
export const KERNEL_PARAM = metric('paysidecar.kernel.param', 'gauge', '1', 'Kernel and process limits that matter for a busy proxy, by name.');
export const COLLECTOR_DURATION = metric('paysidecar.host.collector.duration', 'gauge', 's', 'How long the last run of each host collector took.');
export const COLLECTOR_UP = metric('paysidecar.host.collector.up', 'gauge', '1', '1 when the collector last succeeded, 0 when it failed.');

/** Span export (OTLP): spans that never reach the collector, by reason; the proxy never waits for export. */
export const SPANS_DROPPED = metric('paysidecar.trace.spans.dropped', 'counter', '{span}', 'Sampled spans not delivered to the OTLP collector, by reason (queue_full, export_failed).');
export const SPANS_EXPORTED = metric('paysidecar.trace.spans.exported', 'counter', '{span}', 'Spans the OTLP collector accepted.');
export const SPANS_KEPT_FAILED = metric('paysidecar.trace.spans.kept_failed', 'counter', '{span}', 'Spans the head sampler did not sample but that were exported because their request failed (tail keep).');
export const ATTR_DROP_REASON = 'reason';
export const SPAN_DROP_REASONS = { queueFull: 'queue_full', exportFailed: 'export_failed' } as const;

export const ATTR_CONNECTION_STATE = 'network.connection.state';
export const ATTR_MEMORY_STATE = 'system.memory.state';
export const ATTR_NETWORK_INTERFACE = 'network.interface.name';
export const ATTR_NETWORK_DIRECTION = 'network.io.direction';
export const ATTR_PROCESS_NAME = 'process.executable.name';
export const ATTR_PROCESS_PID = 'process.pid';
export const ATTR_COLLECTOR = 'collector';
export const ATTR_PARAM_NAME = 'name';

/** Label values, as the system semantic conventions spell them. */
export const MEMORY_STATES = { used: 'used', free: 'free', buffers: 'buffers', cached: 'cached' } as const;
export const NETWORK_DIRECTIONS = { receive: 'receive', transmit: 'transmit' } as const;
/** TCP states in the netstat spelling (ss's `ESTAB`, `TIME-WAIT`… are normalised to these). */
export const CONNECTION_STATES = [
  'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING',
] as const;

/** Collector label values. */
export const COLLECTORS = ['cpu', 'memory', 'network', 'connections', 'process', 'cgroup', 'kernel'] as const;
export type CollectorName = (typeof COLLECTORS)[number];

/** `name` label values of paysidecar.kernel.param. */
export const KERNEL_PARAMS = {
  somaxconn: 'net.core.somaxconn',
  synBacklog: 'net.ipv4.tcp_max_syn_backlog',
  twReuse: 'net.ipv4.tcp_tw_reuse',
  portRangeLow: 'net.ipv4.ip_local_port_range.low',
  portRangeHigh: 'net.ipv4.ip_local_port_range.high',
  openFiles: 'process.open_files.soft_limit',
  listenBacklog: 'listener.backlog',
  effectiveBacklog: 'listener.backlog.effective',
} as const;

export const CPU_SATURATION_ALERT = 0.9;
export const CGROUP_MEMORY_ALERT_RATIO = 0.9;
