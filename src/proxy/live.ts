/**
 * The request path's live settings (trusted CIDRs, stress secrets, routes, access-log sampling,
 * the in-flight limit) and how a config reload replaces them. A new CidrSet and RouteTable are
 * built a slice at a time while requests go on using the old ones; then each piece is swapped whole
 * in one synchronous step, so a request sees either the old settings or the new ones, never a mix;
 * requests already in flight keep the decisions they made.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import type { ConfigKey } from '../config/keys';
import type { ReloadSubscriber, Swap } from '../config/reload';
import { CidrSet } from '../config/cidr';
import { RouteTable } from '../context/route';
import { StressSecretRotation } from '../context/stress-rotation';
import type { LiveSettings } from './handler';

export interface Live {
  readonly settings: LiveSettings;
  readonly onReload: ReloadSubscriber;
  /** Ends a pending secret overlap, so it cannot keep a stopping process alive or fire after it. */
  close(): void;
}

export function createLive(config: Config, stressSecret: string | undefined, logger: Logger): Live {
  const settings: LiveSettings = {
    policy: { trusted: new CidrSet(config.trustCidr), secrets: stressSecret ? [stressSecret] : [] },
    routes: new RouteTable(config.route),
    accessLogSample: config.accessLogSample,
    maxInflight: config.maxInflight,
  };
  const rotation = new StressSecretRotation(settings.policy, stressSecret, () => logger.info({}, 'stress-secret overlap ended: only the current secret is accepted'));

  async function onReload(next: Config, changed: ReadonlySet<ConfigKey>, secret: string | undefined): Promise<Swap> {
    // Built here: anything that can throw does so before any part of the sidecar swaps.
    const trusted = changed.has('trustCidr') ? await CidrSet.build(next.trustCidr) : undefined;
    const routes = changed.has('route') ? await RouteTable.build(next.route) : undefined;
    return () => {
      if (trusted) settings.policy.trusted = trusted;
      if (routes) settings.routes = routes;
      if (changed.has('accessLogSample')) settings.accessLogSample = next.accessLogSample;
      if (changed.has('maxInflight')) settings.maxInflight = next.maxInflight;
      if (!changed.has('stressSecret') && !changed.has('stressSecretFile')) return;
      const how = rotation.rotate(secret, next.stressSecretOverlap);
      if (how === 'rotated') {
        logger.info({ overlapMs: next.stressSecretOverlap }, 'stress secret rotated; tokens signed with the previous secret are accepted until the overlap ends');
      } else if (how === 'removed') {
        logger.warn({}, 'stress secret removed: X-Stress-Token is no longer accepted');
      }
    };
  }

  return { settings, onReload, close: () => rotation.close() };
}
