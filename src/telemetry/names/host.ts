/** Host, container and process metrics, by the system and process semantic conventions. */
import { metric } from './prometheus';

export const SYSTEM_CPU_UTILIZATION = metric('system.cpu.utilization', 'gauge', '1', 'Host CPU utilisation (0..1), all cores.');
export const SYSTEM_CPU_LOAD_1M = metric('system.cpu.load_average.1m', 'gauge', '{thread}', 'Host 1-minute load average.');
export const SYSTEM_MEMORY_USAGE = metric('system.memory.usage', 'gauge', 'By', 'Host memory in use, by state.');
export const SYSTEM_MEMORY_LIMIT = metric('system.memory.limit', 'gauge', 'By', 'Host total memory.');
export const SYSTEM_NETWORK_IO = metric('system.network.io', 'counter', 'By', 'Bytes sent and received, by interface and direction.');
export const SYSTEM_NETWORK_CONNECTIONS = metric('system.network.connections', 'gauge', '{connection}', 'TCP connections by state.');
export const PROCESS_CPU_UTILIZATION = metric('process.cpu.utilization', 'gauge', '1', 'CPU utilisation of the watched process (0..1 of one core).');
export const PROCESS_MEMORY_USAGE = metric('process.memory.usage', 'gauge', 'By', 'Resident memory of the process.');
export const CONTAINER_MEMORY_LIMIT = metric('paysidecar.container.memory.limit', 'gauge', 'By', 'cgroup v2 memory.max (absent when unlimited).');
export const CONTAINER_MEMORY_USAGE = metric('paysidecar.container.memory.usage', 'gauge', 'By', 'cgroup v2 memory.current.');
export const CONTAINER_CPU_LIMIT = metric('paysidecar.container.cpu.limit', 'gauge', '{cpu}', 'cgroup v2 cpu.max quota in CPUs (absent when unlimited).');
export const CONTAINER_CPU_THROTTLED = metric('paysidecar.container.cpu.throttled_time', 'counter', 's', 'cgroup v2 cpu.stat throttled time.');
export const KERNEL_PARAM = metric('paysidecar.kernel.param', 'gauge', '1', 'Kernel and process limits that matter for a busy proxy, by name.');
export const COLLECTOR_DURATION = metric('paysidecar.host.collector.duration', 'gauge', 's', 'How long the last run of each host collector took.');
export const COLLECTOR_UP = metric('paysidecar.host.collector.up', 'gauge', '1', '1 when the collector last succeeded, 0 when it failed.');

export const ATTR_CONNECTION_STATE = 'network.connection.state';
export const ATTR_MEMORY_STATE = 'system.memory.state';
export const ATTR_NETWORK_INTERFACE = 'network.interface.name';
export const ATTR_NETWORK_DIRECTION = 'network.io.direction';
export const ATTR_PROCESS_NAME = 'process.executable.name';
export const ATTR_PROCESS_PID = 'process.pid';
export const ATTR_COLLECTOR = 'collector';
export const ATTR_PARAM_NAME = 'name';

export const CPU_SATURATION_ALERT = 0.9;
export const CGROUP_MEMORY_ALERT_RATIO = 0.9;
