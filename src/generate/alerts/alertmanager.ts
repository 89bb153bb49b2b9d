/**
 * alertmanager.yml: critical pages (`pager` webhook), warning tickets (`ticket` webhook), info
 * stays unrouted. A critical alert mutes the warning of the same alert and service, so a burn
 * that pages does not also open a ticket. Only what Alertmanager 0.25 parses (matchers,
 * source_/target_matchers; no webhook url_file or timeout).
 */
import type { GeneratorConfig } from '../config';

export const RECEIVER_PAGER = 'pager';
export const RECEIVER_TICKET = 'ticket';
/** Catch-all for info alerts: a receiver with no integrations drops them. */
export const RECEIVER_NONE = 'unrouted';

const GROUP_BY = ['alertname', 'service'] as const;

export function alertmanagerConfig(config: GeneratorConfig): Record<string, unknown> {
  const am = config.alertmanager;
  return {
    global: { resolve_timeout: am.resolveTimeout },
    route: {
      receiver: RECEIVER_NONE,
      group_by: [...GROUP_BY],
      group_wait: am.groupWait,
      group_interval: am.groupInterval,
      repeat_interval: am.repeatInterval,
      routes: [
        { receiver: RECEIVER_PAGER, matchers: ['severity="critical"'] },
        { receiver: RECEIVER_TICKET, matchers: ['severity="warning"'] },
      ],
    },
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: [...GROUP_BY],
      },
    ],
    receivers: [
      { name: RECEIVER_NONE },
      { name: RECEIVER_PAGER, webhook_configs: [{ url: am.pagerUrl, send_resolved: true }] },
      { name: RECEIVER_TICKET, webhook_configs: [{ url: am.ticketUrl, send_resolved: true }] },
    ],
  };
}
