# syntax=docker/dockerfile:1
# The Plinth service image, built by your CI from this repository (nothing here builds or pushes it):
#   docker build -t registry.example.com/platform/plinth:$(git rev-parse --short HEAD) .
# The platform stack runs it on the platform cluster (`plinth:service.image`, see README "Run it for real").
# The container runs as the non-root user `plinth` (uid 10001) and serves on $PLINTH_PORT (8080).

ARG NODE_IMAGE=node:22-bookworm-slim
ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS go

# ---- build: npm ci, the web portal bundle, the pinned Pulumi CLI + language host and Flux's CRDs (Go) ----
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git \
 && rm -rf /var/lib/apt/lists/*
COPY --from=go /usr/local/go /usr/local/go
ENV PATH=/usr/local/go/bin:$PATH \
    GOPATH=/tmp/go \
    GOFLAGS=-mod=mod \
    XDG_CACHE_HOME=/opt/plinth/cache \
    PLINTH_TOOLCHAIN_DIR=/opt/plinth/toolchain
WORKDIR /app
# Dependencies first (cached while package*.json are unchanged); `prepare` bundles the portal later.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run prepare \
 && npm run toolchain \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf /tmp/go /root/.cache /root/.npm

# ---- runtime ----
FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 plinth \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/plinth --shell /usr/sbin/nologin plinth \
 && mkdir -p /var/lib/plinth \
 && chown plinth:plinth /var/lib/plinth
WORKDIR /app
COPY --from=build /app /app
# The toolchain's plugin shims are rewritten at start, so its directory belongs to the service's user.
COPY --from=build --chown=10001:10001 /opt/plinth /opt/plinth
ENV NODE_ENV=production \
    HOME=/var/lib/plinth \
    XDG_CACHE_HOME=/opt/plinth/cache \
    PLINTH_TOOLCHAIN_DIR=/opt/plinth/toolchain \
    PLINTH_DATA_DIR=/var/lib/plinth \
    PLINTH_PORT=8080 \
    PULUMI_SKIP_UPDATE_CHECK=true \
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
USER 10001:10001
EXPOSE 8080
# `npm start` without npm in between: tini forwards SIGTERM to node, which hands its leases back and exits.
# With PLINTH_DATABASE_URL set (the Deployment sets it from a Secret) the service runs in shared mode.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "stacks/start.ts"]
