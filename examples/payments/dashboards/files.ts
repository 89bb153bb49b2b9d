/**
 * What the example's dashboard generator writes: the payment gateway dashboard as Grafana
 * provisions it. Data, like the product's generators, so the drift test compares without writing.
 */
import type { GeneratorConfig } from '../../../src/generate/config';
import { toJson, type GeneratedFile } from '../../../src/generate/files';
import { GATEWAY_DASHBOARD, paymentGatewayDashboard } from './gateway';

/** Where the committed copy lives, relative to the repository root. */
export const EXAMPLE_DASHBOARDS_DIR = 'examples/payments/dashboards';

export function exampleDashboardFiles(config: GeneratorConfig): GeneratedFile[] {
  return [{ path: GATEWAY_DASHBOARD.file, text: toJson(paymentGatewayDashboard(config)) }];
}
