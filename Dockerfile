# readiness-check as a container: docker run --rm -v "$PWD:/repo" readiness-check
# Multi-stage: the compiler and dev dependencies stay in the build stage; the runtime runs as `node`.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
# Manifests first, so the dependency layer is reused while only the source changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY rules ./rules
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

# readiness-check-disable-next-line docker/healthcheck-defined -- a one-shot command-line run, not a service: nothing to probe
FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/readiness-check
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
USER node
WORKDIR /repo
ENTRYPOINT ["node", "/opt/readiness-check/dist/src/cli/main.js"]
CMD ["."]
