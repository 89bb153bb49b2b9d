/**
 * Generated files as data (path + text), so the CLI writes them and the drift test compares them
 * without touching the tree.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { yamlHeader } from './header';

export interface GeneratedFile {
  /** Relative to the output directory. */
  readonly path: string;
  readonly text: string;
}

/** Block scalars for multi-line PromQL, no line folding (a folded expr is unreadable in review). */
export function toYaml(value: unknown, command: string): string {
  return yamlHeader(command) + stringify(value, { lineWidth: 0, blockQuote: 'literal' });
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function writeGenerated(outDir: string, files: readonly GeneratedFile[]): string[] {
  const written: string[] = [];
  for (const f of files) {
    const target = join(outDir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.text);
    written.push(target);
  }
  return written;
}
