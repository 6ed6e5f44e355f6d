# Strata's container image: `docker build -t strata .` (or `podman build --format docker …`).
# One image for every role: `strata start` (API, default), `strata worker`, `strata migrate`,
# `strata token …`. Configuration comes only from the environment (docs/config.md).
#
#   docker run -d -p 8080:8080 -v strata-data:/data -e AUTH_JWT_SECRET="$(openssl rand -base64 48)" strata
#
# NODE_ENV=production refuses to start without AUTH_JWT_SECRET (or AUTH_JWKS_URL). compose.yaml
# runs the full deployment (Valkey, PostgreSQL, S3, API replicas behind a proxy, a worker).

# ---- deps: every dependency installed, native modules built (cached until the manifests change)
FROM node:24-slim AS deps
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/client/package.json packages/client/
# Lifecycle scripts wait for the sources (`prepare` builds dist/); only the two packages that
# need theirs (package.json "allowScripts") run them here.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 esbuild \
 && npm cache clean --force

# ---- build: compile dist/ (server + SDK), then drop the dev dependencies ---------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/ scripts/
COPY bin/ bin/
COPY src/ src/
COPY packages/client/ packages/client/
COPY docs/ docs/
# better-sqlite3 keeps only its compiled addon (not the SQLite sources and object files).
RUN npm run build --if-present \
 && npm prune --omit=dev --no-audit --no-fund \
 && cd node_modules/better-sqlite3 \
 && if [ -f build/Release/better_sqlite3.node ]; then \
      mv build/Release/better_sqlite3.node /tmp/ && rm -rf build deps src \
      && mkdir -p build/Release && mv /tmp/better_sqlite3.node build/Release/; \
    fi

# ---- runtime: node, the production dependencies, dist/ --------------------------------------
FROM node:24-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules/ node_modules/
COPY --from=build --chown=root:root /app/bin/ bin/
COPY --from=build --chown=root:root /app/dist/ dist/
COPY --from=build --chown=root:root /app/docs/ docs/
COPY --from=build --chown=root:root /app/packages/client/package.json packages/client/
COPY --from=build --chown=root:root /app/packages/client/dist/ packages/client/dist/
# The code is root's and read-only to the process; only /data (SQLite, the dev secret, the local
# archive — whatever the configuration leaves there) belongs to the unprivileged `node` user.
RUN mkdir -p /data/archive && chown -R node:node /data
USER node
VOLUME /data
EXPOSE 8080
# Ready = the warm store and the hot tier answer (GET /readyz). `strata worker` serves no HTTP:
# disable the check for worker containers (compose.yaml does).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself: `strata start` stops accepting, closes sockets with
# 1001, drains its persist workers and exits 0 (allow ~15 s: `docker stop -t 30`).
STOPSIGNAL SIGTERM
CMD ["node", "bin/strata.js", "start"]
