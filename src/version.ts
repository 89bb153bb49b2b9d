import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/** The package version, read once from package.json (dist/src/ sits two levels below it). */
export function packageVersion(): string {
  if (cached) return cached;
  try {
    cached = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
