/** A flag, else its PAYSIDECAR_* variable: the text, and the name a problem should point at. */
import { readEnv, type EnvVar } from '../../../src/config/env';

export function flagOrEnv(flag: string, flagText: string | undefined, e: EnvVar, env: NodeJS.ProcessEnv): [source: string, text: string | undefined] {
  return flagText !== undefined ? [flag, flagText] : [e.name, readEnv(e, env)];
}
