/**
 * The one place the product names the included payment example (examples/payments): its commands
 * and its bench scenario, each loaded only when asked for. The example imports the product, never
 * the reverse; this lazy table is the CLI's door to it (a guard test allows no other).
 */
import type { Command } from 'commander';
import type { Scenario } from '../bench/options';

type Register = (program: Command) => void;

export const EXAMPLE_COMMANDS: Record<string, () => Register> = {
  demo: () => (require('../../examples/payments/cli/demo') as typeof import('../../examples/payments/cli/demo')).registerDemo,
  gateway: () => (require('../../examples/payments/cli/gateway') as typeof import('../../examples/payments/cli/gateway')).registerGateway,
  platform: () => (require('../../examples/payments/cli/platform') as typeof import('../../examples/payments/cli/platform')).registerPlatform,
};

/** `paysidecar bench --scenario <name>`: the request mixes bench knows. */
export const EXAMPLE_SCENARIOS: Record<string, () => Scenario> = {
  payment: () => (require('../../examples/payments/bench/scenario') as typeof import('../../examples/payments/bench/scenario')).PAYMENT_SCENARIO,
};
