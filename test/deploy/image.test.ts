/**
 * What can be checked of the image without building it. The image itself is built from this
 * Dockerfile and run by scripts/image-test.sh (buildah, in .ci/run after this suite): /live,
 * /metrics, a proxied request, uid 1000, the HEALTHCHECK inside the image, every require of the
 * shipped code resolving there, exit 0 on SIGTERM. The checks here fail fast, before that build,
 * on what broke the build before: a file the build stage copies but the build context leaves out.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile, REPO } from './manifests';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { files: string[]; scripts: Record<string, string> };
const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const build = dockerfile.stages[0];

/** The build stage's COPY sources from the context (not --from another stage). */
function contextSources(): string[] {
  return build.instructions
    .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
}

/** .dockerignore's patterns, as the builder reads them (comments and blanks dropped). */
function ignored(): string[] {
  return readFileSync(join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

describe('Dockerfile and build context', () => {
  it("the build stage runs the package's build script before packing, with every script it runs copied in", () => {
    const runs = build.instructions.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
    assert.match(runs, /npm ci\b[\s\S]*npm run build[\s\S]*npm pack/);
    const scripts = [...pkg.scripts.build.matchAll(/node (scripts\/\S+)/g)].map((m) => m[1]);
    assert.ok(scripts.includes('scripts/bundle-agent.js'));
    for (const script of scripts) {
      assert.ok(contextSources().some((src) => script === src || script.startsWith(`${src.replace(/\/$/, '')}/`)), `${script} is copied into the build stage`);
    }
  });

  it('.dockerignore leaves in everything the build stage copies, and every source of the published files', () => {
    const patterns = ignored();
    const sources = contextSources();
    // What `files` publishes is built from these (dist/src ← src, dist/examples ← examples …).
    const published = pkg.files.map((f) => f.replace(/^dist\//, '').split('/')[0]);
    for (const path of new Set([...sources, ...published])) {
      const top = path.replace(/^\.\//, '').split('/')[0];
      assert.ok(existsSync(join(REPO, top)), `${top} exists`);
      assert.ok(!patterns.includes(top) && !patterns.includes(`${top}/`) && !patterns.includes(`/${top}`), `.dockerignore excludes ${top}, which the build needs`);
    }
    for (const heavy of ['node_modules', 'dist', '.git']) assert.ok(patterns.includes(heavy), `${heavy} stays out of the context`);
  });

  it('the build stage copies what the package publishes', () => {
    const sources = new Set(contextSources().map((s) => s.replace(/\/$/, '')));
    for (const f of pkg.files) {
      // dist/x is built from x; a nested path (src/admin/status/static) comes with its top folder.
      const source = (f.startsWith('dist/') ? f.slice('dist/'.length) : f).split('/')[0];
      assert.ok(sources.has(source), `${f} comes from ${source}, which the build stage copies`);
    }
  });

  it('scripts/image-test.sh builds this Dockerfile unchanged, and .ci/run runs it after the suite', () => {
    const script = readFileSync(join(REPO, 'scripts/image-test.sh'), 'utf8');
    const bud = script.split('\n').filter((l) => /^\s*"\$\{B\[@\]\}" bud /.test(l));
    assert.equal(bud.length, 1, 'one build');
    assert.match(bud[0], /bud --isolation chroot\b.*-t "\$IMAGE" \.( |$)/);
    assert.doesNotMatch(bud[0], /--build-arg|\s-f\s|--file/, 'no build arguments or other Dockerfile: FROM is the real one');
    assert.match(script, /BASE=\$\(sed -n 's\/\^ARG NODE_IMAGE=\/\/p' Dockerfile\)/, 'the base is tagged as the Dockerfile names it');
    const ci = readFileSync(join(REPO, '.ci/run'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const at = (re: RegExp) => ci.findIndex((l) => re.test(l));
    assert.ok(at(/^npm ci$/) >= 0 && at(/^npm test$/) > at(/^npm ci$/), '.ci/run: npm ci, then npm test');
    assert.ok(at(/scripts\/image-test\.sh/) > at(/^npm test$/), '.ci/run: the image after the suite');
    // bash -n: the script parses (it only runs in CI, as root, with buildah).
    execFileSync('bash', ['-n', join(REPO, 'scripts/image-test.sh')]);
  });
});
