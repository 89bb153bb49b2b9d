/** Reading the deployment artefacts as data: every Kubernetes manifest, and the Dockerfile's runtime stage. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const REPO = join(__dirname, '..', '..', '..');
export const K8S_DIR = join(REPO, 'deploy', 'kubernetes');

export interface EnvEntry {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; fieldRef?: { fieldPath: string }; configMapKeyRef?: { name: string; key: string } };
}

export interface Probe {
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvEntry[];
  ports?: Array<{ name?: string; containerPort: number }>;
  restartPolicy?: string;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; items?: Array<{ key: string; path: string }> };
  emptyDir?: Record<string, never>;
  persistentVolumeClaim?: { claimName: string };
}

export interface PodSpec {
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; sysctls?: Array<{ name: string; value: string }> };
  terminationGracePeriodSeconds?: number;
}

export interface K8sDoc {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

export interface Workload {
  doc: K8sDoc;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  pod: PodSpec;
}

export function manifestFiles(): string[] {
  return readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
}

/** Every document of every manifest; a YAML error anywhere throws, naming the file. */
export function loadManifests(): K8sDoc[] {
  return manifestFiles().flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      return { ...(d.toJS() as Omit<K8sDoc, 'file'>), file };
    }),
  );
}

export function workloads(docs: K8sDoc[]): Workload[] {
  return docs.flatMap((doc) => {
    const template = (doc.spec as { template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } } | undefined)?.template;
    if (!template) return [];
    return [{ doc, labels: template.metadata?.labels ?? {}, annotations: template.metadata?.annotations ?? {}, pod: template.spec }];
  });
}

export function allContainers(w: Workload): Container[] {
  return [...(w.pod.initContainers ?? []), ...w.pod.containers];
}

export interface DockerStage {
  from: string;
  name?: string;
  instructions: Array<{ op: string; args: string }>;
}

/** Dockerfile → stages, with comments dropped and `\` continuations joined. */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: DockerStage[] } {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && (line.trimStart().startsWith('#') || line.trim() === '')) continue;
    if (line.trimStart().startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  const args: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const l of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(l);
    if (!m) continue;
    const [, op, rest] = m;
    if (op.toUpperCase() === 'FROM') {
      const fm = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest.trim());
      stages.push({ from: fm?.[1] ?? rest, name: fm?.[2], instructions: [] });
    } else if (stages.length === 0 && op.toUpperCase() === 'ARG') {
      const [k, v = ''] = rest.split('=');
      args[k.trim()] = v.trim();
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args: rest.trim() });
    }
  }
  return { args, stages };
}

/** `ENV A=1 B="x y"` → { A: '1', B: 'x y' }, in order, later wins. */
export function envOf(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.op === 'ENV')) {
    for (const m of i.args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) env[m[1]] = m[3] ?? m[2];
  }
  return env;
}

export function execForm(stage: DockerStage, op: string): string[] | undefined {
  const i = stage.instructions.filter((x) => x.op === op).at(-1);
  if (!i) return undefined;
  const json = i.args.slice(i.args.indexOf('['));
  return JSON.parse(json) as string[];
}
