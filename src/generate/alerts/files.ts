/** Everything `paysidecar alerts --out DIR` writes: rules, alertmanager.yml, promtool tests. */
import type { GeneratorConfig } from '../config';
import { toYaml, type GeneratedFile } from '../files';
import { GENERATED_BY_ALERTS } from '../header';
import { alertmanagerConfig } from './alertmanager';
import { promtoolTestDocument, promtoolTestFiles } from './promtool-tests';
import { recordingGroups } from './recording';
import { alertGroups } from './rules';

export const RULES_FILE = 'paysidecar.rules.yml';
export const ALERTMANAGER_FILE = 'alertmanager.yml';
export const TESTS_DIR = 'tests';

/** Recording groups first: alerts read what they record. */
export function ruleGroups(config: GeneratorConfig): Array<{ name: string; rules: object[] }> {
  return [...recordingGroups(config), ...alertGroups(config)].map((g) => ({ name: g.name, rules: g.rules.map((r) => ({ ...r })) }));
}

export function alertFiles(config: GeneratorConfig): GeneratedFile[] {
  return [
    { path: RULES_FILE, text: toYaml({ groups: ruleGroups(config) }, GENERATED_BY_ALERTS) },
    { path: ALERTMANAGER_FILE, text: toYaml(alertmanagerConfig(config), GENERATED_BY_ALERTS) },
    ...promtoolTestFiles(config).map((f) => ({
      path: `${TESTS_DIR}/${f.file}`,
      text: toYaml(promtoolTestDocument(config, f, `../${RULES_FILE}`), GENERATED_BY_ALERTS),
    })),
  ];
}
