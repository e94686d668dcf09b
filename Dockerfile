# meterd in a container, non-root, its embedded database on a volume (docs/deploy.md):
#   docker build -t meterd .
#   docker run -p 9400:9400 -v meterd-data:/data --env-file meterd.env meterd
# This repository's own machines and CI cannot build it (they reach no container registry for
# the base image); it is checked by reading, and its commands by running them by hand.

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary fits, against the headers of the
# image's Node (in /usr/local) rather than ones downloaded.
ENV npm_config_nodedir=/usr/local
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# npm ci builds every package (its prepare script); then only what runs is kept.
RUN npm ci && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production METERD_HOST=0.0.0.0 METERD_PORT=9400 METERD_DATA=/data
WORKDIR /app
# Owned by root: the service cannot change its own code.
COPY --from=build /app /app
# The embedded database, on a volume owned by the image's unprivileged user.
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 9400
# meterd stops gracefully on SIGTERM (docker stop): it finishes the calls in flight, commits and
# exits 0. It runs as PID 1: it handles SIGTERM and SIGINT itself (PID 1 gets no default action
# for them) and starts no child process, so there is nothing for an init to reap; --init works
# as well.
STOPSIGNAL SIGTERM
# Ready: listening, with the store reachable and taking writes. Node makes the request (the slim
# image has no curl).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.METERD_PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/app/node_modules/.bin/meterd"]
CMD ["serve"]
