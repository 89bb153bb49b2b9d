/** Reads the TypeScript sources (not dist/) and lists every relative import with its resolved target. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const REPO = join(__dirname, '..', '..', '..');

export interface SourceImport {
  /** Repo-relative path of the importing file, e.g. src/cli/main.ts. */
  readonly file: string;
  /** Repo-relative path the specifier points at (without extension). */
  readonly target: string;
  readonly specifier: string;
  /** `require(...)` or `import(...)` at run time, rather than a top-level import/export. */
  readonly lazy: boolean;
  readonly line: number;
}

const STATIC = /^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/;
const DYNAMIC = /\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

export function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export function importsOf(absFile: string): SourceImport[] {
  const file = relative(REPO, absFile);
  const out: SourceImport[] = [];
  const lines = readFileSync(absFile, 'utf8').split('\n');
  lines.forEach((text, i) => {
    const add = (specifier: string, lazy: boolean) => {
      if (!specifier.startsWith('.')) return;
      out.push({ file, specifier, lazy, line: i + 1, target: relative(REPO, resolve(dirname(absFile), specifier)) });
    };
    const s = STATIC.exec(text);
    if (s) add(s[1] ?? s[2], false);
    for (const m of text.matchAll(DYNAMIC)) {
      // `typeof import('x')` is a type, erased at compile time; the require beside it is the load.
      if (/typeof\s+$/.test(text.slice(0, m.index))) continue;
      add(m[1], true);
    }
  });
  return out;
}

export function importsUnder(...dirs: string[]): SourceImport[] {
  return dirs.flatMap((d) => tsFiles(join(REPO, d))).flatMap(importsOf);
}

export const inside = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
export const show = (i: SourceImport) => `${i.file}:${i.line} imports ${i.specifier}`;
