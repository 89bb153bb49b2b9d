/** Host, container, process and kernel metrics, and the kernel advice. */
export { startHostMetrics } from './start';
export type { HostMetrics, HostMetricsOptions } from './start';
export { readKernelParams } from './kernel-params';
export type { KernelParams, KernelParamOptions } from './kernel-params';
export { kernelAdvice, RECOMMENDED } from './kernel-advice';
export type { Advice, AdviceOptions, KubernetesScope } from './kernel-advice';
