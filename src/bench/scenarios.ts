/** The `--scenario` names bench knows, each with the factory that builds its request source. */
import type { ScenarioFactory } from './options';
import { paymentScenarioFromFlags } from './scenario-payment';

export const SCENARIO_FACTORIES: Record<string, ScenarioFactory> = {
  payment: paymentScenarioFromFlags,
};
