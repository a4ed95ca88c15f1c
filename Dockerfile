# Vigil in a container: Node 24 LTS runs the TypeScript sources directly (type stripping); only the dashboard (web/)
# is built, in a stage of its own, since esbuild is a devDependency the final image does not carry.
FROM node:24-bookworm-slim AS dashboard
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY schemas ./schemas
COPY web ./web
RUN node web/build.ts

FROM node:24-bookworm-slim
WORKDIR /app
# Authentication is on from the first start (setup with the one-time token Vigil prints and writes to /data), so the
# server listens on every interface of the container, as Docker Sentinel does.
ENV VIGIL_DATA_DIR=/data
COPY package.json package-lock.json ./
# The `node` devDependency only exists to put Node 24 on the PATH of npm scripts; the image already has Node 24.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY schemas ./schemas
COPY domain ./domain
COPY apiserver ./apiserver
COPY controllers ./controllers
COPY cli ./cli
COPY manifests ./manifests
COPY --from=dashboard /build/web/dist ./web/dist
VOLUME ["/data"]
EXPOSE 8080
# Mount the Docker socket to manage the host's containers: -v /var/run/docker.sock:/var/run/docker.sock
# Publish the port: -p 8080:8080 (HTTP, and HTTPS for kubectl on the same port).
# The label lets Vigil recognise itself and never update itself on the normal path.
LABEL sentinel.self="true" vigil.self="true"
ENTRYPOINT ["/app/cli/vigil.ts"]
CMD ["serve"]
