/**
 * Puts a reloaded config into effect. Each piece is swapped whole (a new CidrSet, a new
 * RouteTable, a new sampler) in one synchronous call, so a request sees either the old settings
 * or the new ones, never a mix; requests already in flight keep the decisions they made.
 */
import type { Logger } from '../telemetry/logger';
import type { ConfigKey, Config } from './schema';
import type { LiveSettings } from '../proxy/handler';
import { CidrSet } from './cidr';
import { RouteTable } from '../context/route';
import { buildSampler } from '../telemetry/trace-sampler';
import { readOtlpEnv } from '../telemetry/otlp-env';
import type { ReloadableSampler } from './reloadable-sampler';
import type { StressSecretRotation } from './secret-rotation';

export interface ReloadablePieces {
  live: LiveSettings;
  /** pino's, whose level a reload sets. */
  logger: Logger & { level: string };
  sampler: ReloadableSampler;
  rotation: StressSecretRotation;
  /** The env the sidecar started with: OTEL_TRACES_SAMPLER still applies when no ratio is set. */
  env: NodeJS.ProcessEnv;
}

export function applyReloadedConfig(pieces: ReloadablePieces, next: Config, changed: ReadonlySet<ConfigKey>, stressSecret: string | undefined): void {
  const { live } = pieces;
  // Built first: anything that can throw does so before the first swap.
  const trusted = changed.has('trustCidr') ? new CidrSet(next.trustCidr) : undefined;
  const routes = changed.has('route') ? new RouteTable(next.route) : undefined;
  const sampler =
    changed.has('traceSampleRatio') || changed.has('sampleStress')
      ? buildSampler({ ratio: next.traceSampleRatio, fromEnv: readOtlpEnv(pieces.env).sampler, sampleStress: next.sampleStress })
      : undefined;

  if (trusted) live.policy.trusted = trusted;
  if (routes) live.routes = routes;
  if (sampler) pieces.sampler.set(sampler);
  if (changed.has('accessLogSample')) live.accessLogSample = next.accessLogSample;
  if (changed.has('maxInflight')) live.maxInflight = next.maxInflight;
  if (changed.has('logLevel')) pieces.logger.level = next.logLevel;
  if (changed.has('stressSecret') || changed.has('stressSecretFile')) {
    const how = pieces.rotation.rotate(stressSecret, next.stressSecretOverlap);
    if (how === 'rotated') {
      pieces.logger.info({ overlapMs: next.stressSecretOverlap }, 'stress secret rotated; tokens signed with the previous secret are accepted until the overlap ends');
    } else if (how === 'removed') {
      pieces.logger.warn({}, 'stress secret removed: X-Stress-Token is no longer accepted');
    }
  }
}
