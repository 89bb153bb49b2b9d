# syntax=docker/dockerfile:1
#
# paysidecar in a container: the sidecar (`paysidecar run`, the default), and on the same image
# the included gateway, the mock WeChat Pay platform, bench, dashboards and alerts.
#
#   docker build -t paysidecar:0.1.0 .
#   docker run --rm -p 15001:15001 -p 15090:15090 -e PAYSIDECAR_UPSTREAM=http://app:8080 paysidecar:0.1.0
#
# Every setting is a PAYSIDECAR_* variable (README, "deploy"); a config file can be mounted and
# named in PAYSIDECAR_CONFIG. CI builds this file unchanged with buildah and runs the result
# (scripts/image-test.sh): /live, /metrics, uid 1000, the HEALTHCHECK, exit 0 on SIGTERM.

ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: compile with the dev dependencies, then pack exactly what npm would publish ---------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json README.md ./
COPY scripts ./scripts
COPY src ./src
COPY agent ./agent
COPY examples ./examples
COPY dashboards ./dashboards
COPY alerts ./alerts
# `npm run build`: tsc, then the agent bundled into one file (scripts/bundle-agent.js).
RUN npm run build \
 && npm pack --pack-destination /tmp \
 && mv /tmp/paysidecar-*.tgz /tmp/paysidecar.tgz

# --- runtime: the tarball with production dependencies only, nothing from the build stage else ---
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# The watched-process collector (--watch-process) lists processes with ps; the slim base has none.
# The other host collectors read /proc themselves.
RUN apt-get update \
 && apt-get install -y --no-install-recommends procps \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/paysidecar
COPY --from=build /tmp/paysidecar.tgz /tmp/paysidecar.tgz
# /app keeps the path older manifests use (node /app/dist/src/cli/main.js); /var/lib/paysidecar is
# where the gateway's journal and keys may be written by the non-root user.
RUN echo '{"name":"paysidecar-image","private":true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund /tmp/paysidecar.tgz \
 && rm /tmp/paysidecar.tgz \
 && npm cache clean --force \
 && ln -s /opt/paysidecar/node_modules/paysidecar /app \
 && mkdir -p /var/lib/paysidecar \
 && chown 1000:1000 /var/lib/paysidecar
ENV PATH=/opt/paysidecar/node_modules/.bin:$PATH

# The one setting a container needs other than its default: the admin listener must be reachable
# by the kubelet's probes and by Prometheus (/debug/pprof on it still answers only loopback callers
# or PAYSIDECAR_DEBUG_TOKEN holders). Nothing else is set here on purpose: env wins over the
# config file, so every variable set in the image is one a mounted config file could not change.
# The defaults already fit a sidecar: listen 0.0.0.0:15001, upstream http://127.0.0.1:8080,
# access log on stdout, log level info.
ENV PAYSIDECAR_ADMIN=0.0.0.0:15090

# Memory (README, "Performance", measured at a steady 1000 req/s): V8's young generation capped at
# 2 x 8 MB instead of the 2 x 16 MB it grows to under load (-15 MB RSS, saturated throughput within
# noise to -5%; 4 would reach 79 MB but costs 17% and can tip into back-to-back GCs at saturation),
# and two glibc malloc arenas instead of one per thread. `paysidecar run` itself caps old-space
# growth (src/runtime/heap-growth.ts). Every command on this image inherits these two; a container
# that sets its own NODE_OPTIONS (the gateway's agent import) replaces the first.
ENV NODE_OPTIONS=--max-semi-space-size=8 \
    MALLOC_ARENA_MAX=2

# The image's own `node` user (uid 1000); numeric so runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 15001 15090

# Follows PAYSIDECAR_ADMIN, so moving the admin port does not break the check. No curl in a slim image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "const a=(process.env.PAYSIDECAR_ADMIN||'127.0.0.1:15090');const p=a.slice(a.lastIndexOf(':')+1);require('http').get({host:'127.0.0.1',port:p,path:'/live',timeout:2000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM itself (it drains, then exits 0); SIGHUP reloads
# the config file. No shell in between to swallow either.
ENTRYPOINT ["paysidecar"]
CMD ["run"]
