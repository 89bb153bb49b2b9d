#!/usr/bin/env bash
# Installs the real servers and tools the test suite drives, from Debian, when they are missing.
# Tests never skip for a missing tool: if this cannot install one, it says which and exits 1.
set -u
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have prometheus || need+=(prometheus)
have promtool || need+=(prometheus)
have prometheus-alertmanager || need+=(prometheus-alertmanager)
have amtool || need+=(prometheus-alertmanager)
have go || need+=(golang-go)
have chromium || need+=(chromium)
have wrk || need+=(wrk)
have nginx || need+=(nginx-light)
# The debug-access test runs the sidecar in its own network namespace (unshare + ip).
have ip || need+=(iproute2)
have unshare || need+=(util-linux)
# The systemd unit is checked with `systemd-analyze verify` (test/deploy/systemd.test.ts).
have systemd-analyze || need+=(systemd)
# deploy/systemd/paysidecar.logrotate is run by logrotate itself (test/telemetry/log-rotation.test.ts).
have logrotate || need+=(logrotate)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
pkgs=$(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')
echo "test tools: installing from Debian: $pkgs"
if [ "$(id -u)" != 0 ]; then
  SUDO=sudo
  have sudo || { echo "test tools: missing $pkgs and not root (no sudo): install them with apt-get install $pkgs" >&2; exit 1; }
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends $pkgs >/tmp/paysidecar-apt.log 2>&1; then
  $SUDO apt-get update >>/tmp/paysidecar-apt.log 2>&1
  if ! $SUDO apt-get install -y --no-install-recommends $pkgs >>/tmp/paysidecar-apt.log 2>&1; then
    echo "test tools: apt-get install $pkgs failed; last lines of /tmp/paysidecar-apt.log:" >&2
    tail -n 20 /tmp/paysidecar-apt.log >&2
    exit 1
  fi
fi
# Debian starts the services it installs; the tests run their own instances on loopback ports.
for svc in prometheus prometheus-alertmanager prometheus-node-exporter nginx; do
  $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
for bin in prometheus promtool prometheus-alertmanager amtool go chromium wrk nginx ip unshare systemd-analyze logrotate; do
  have "$bin" || { PATH="$PATH:/usr/sbin:/usr/lib/go/bin" have "$bin" || { echo "test tools: $bin still missing after install" >&2; exit 1; }; }
done
echo "test tools: ready"
