/**
 * The environment a container of the Kubernetes example really gets: the image's ENV, then the
 * container's env, with its volumes materialised in temp directories laid out as the kubelet lays
 * them out (ConfigMaps and Secrets as `..data` symlink volumes). Secret and downward-API values are
 * placeholders. Optionally, addresses are remapped so several pods can run side by side on one
 * loopback: every `host:port` of the example becomes 127.0.0.1 and a free port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectedVolume } from '../reload/volume';
import type { Container, K8sDoc, Workload } from './manifests';

export interface AddressMap {
  /** Example port → the port used here. */
  ports: ReadonlyMap<number, number>;
  /** Example host names (Service DNS names, 0.0.0.0) → the host used here. */
  hosts: ReadonlyMap<string, string>;
}

export interface MaterialisedEnv {
  env: Record<string, string>;
  /** mountPath → the directory standing in for it. */
  mounts: Map<string, string>;
  /** Placeholder values given to secretKeyRef entries, by env name. */
  secrets: Record<string, string>;
  cleanup(): void;
}

export function remap(text: string, map: AddressMap | undefined): string {
  if (!map) return text;
  let out = text;
  for (const [from, to] of map.hosts) out = out.split(from).join(to);
  return out.replace(/:(\d{2,5})\b/g, (whole, p: string) => {
    const to = map.ports.get(Number(p));
    return to === undefined ? whole : `:${to}`;
  });
}

function placeholder(kind: string, name: string): string {
  return `placeholder-${kind}-${name}-${Math.random().toString(36).slice(2, 10)}`;
}

export function materialiseEnv(
  docs: K8sDoc[],
  w: Workload,
  c: Container,
  imageEnv: Record<string, string>,
  opts: { map?: AddressMap; secretFiles?: Record<string, Record<string, string>>; dirs?: Record<string, string> } = {},
): MaterialisedEnv {
  const mounts = new Map<string, string>();
  const cleanups: Array<() => void> = [];
  const secrets: Record<string, string> = {};
  for (const m of c.volumeMounts ?? []) {
    const vol = (w.pod.volumes ?? []).find((v) => v.name === m.name);
    if (!vol) throw new Error(`${c.name}: volumeMount ${m.name} names no volume`);
    if (opts.dirs?.[m.mountPath]) {
      mounts.set(m.mountPath, opts.dirs[m.mountPath]);
      continue;
    }
    if (vol.configMap) {
      const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === vol.configMap?.name);
      if (!cm?.data) throw new Error(`${c.name}: ConfigMap ${vol.configMap.name} is not in the manifests`);
      const data = Object.fromEntries(Object.entries(cm.data).map(([k, v]) => [k, remap(v, opts.map)]));
      const pv = projectedVolume(data, 'paysidecar-cm-');
      mounts.set(m.mountPath, pv.dir);
      cleanups.push(pv.remove);
    } else if (vol.secret) {
      const given = opts.secretFiles?.[vol.secret.secretName];
      const files = given ?? Object.fromEntries((vol.secret.items ?? []).map((i) => [i.path, placeholder('secret', i.key)]));
      const pv = projectedVolume(files, 'paysidecar-secret-');
      mounts.set(m.mountPath, pv.dir);
      cleanups.push(pv.remove);
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'paysidecar-emptydir-'));
      mounts.set(m.mountPath, dir);
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    }
  }
  const atMounts = (value: string): string => {
    for (const [path, dir] of mounts) if (value === path || value.startsWith(path + '/')) return dir + value.slice(path.length);
    return value;
  };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(imageEnv)) env[k] = remap(v, opts.map);
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = atMounts(remap(String(e.value), opts.map));
    else if (e.valueFrom?.secretKeyRef) env[e.name] = secrets[e.name] = placeholder('secret', e.valueFrom.secretKeyRef.key);
    else if (e.valueFrom?.fieldRef) env[e.name] = placeholder('field', e.valueFrom.fieldRef.fieldPath.replace(/\W/g, '-'));
    else throw new Error(`${c.name}: env ${e.name} has no value this replay understands`);
  }
  return { env, mounts, secrets, cleanup: () => cleanups.forEach((f) => f()) };
}
