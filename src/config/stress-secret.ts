/**
 * The stress secret comes from `--stress-secret` / PAYSIDECAR_STRESS_SECRET, or from the file
 * named by `--stress-secret-file` (a mounted Kubernetes Secret, which the kubelet updates in place
 * so a reload can pick up a rotated secret). Never both: two sources would make a rotation
 * ambiguous. Problems name the key and the path, never the contents.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';
import type { Config } from './schema';

export function resolveStressSecret(config: Pick<Config, 'stressSecret' | 'stressSecretFile'>): string | undefined {
  if (config.stressSecretFile === undefined) return config.stressSecret;
  if (config.stressSecret !== undefined) {
    throw new ConfigError(['stressSecretFile: set either the stress secret or a file holding it, not both']);
  }
  let text: string;
  try {
    text = readFileSync(config.stressSecretFile, 'utf8');
  } catch (err) {
    throw new ConfigError([`stressSecretFile: cannot read "${config.stressSecretFile}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  // `kubectl create secret --from-file` and editors leave a trailing newline that is not part of the secret.
  const secret = text.replace(/\r?\n$/, '');
  if (secret.length === 0) throw new ConfigError([`stressSecretFile: "${config.stressSecretFile}" is empty`]);
  return secret;
}
