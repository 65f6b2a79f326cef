# syntax=docker/dockerfile:1
# One image per service, built from the repository root:
#   docker build --build-arg APP=collector -t kettle-collector .
#   docker build --build-arg APP=transformer -t kettle-transformer .
#   docker build --build-arg APP=loader -t kettle-loader .
# The build stages are the same for all three, so Docker's cache builds them once.
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.base.json ./
COPY tools/build.js tools/build.js
COPY apps apps
COPY libs libs
RUN node tools/build.js

# Production dependencies only, with the native SQLite module built for this Node.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3 && npm cache clean --force

FROM node:20-bookworm-slim
ARG APP
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules node_modules
COPY --from=build /src/dist dist
COPY package.json ./
# A fixed entry path, so CMD runs node itself as PID 1 (signals reach it, no
# shell); node resolves the link, so the app's relative requires still work.
RUN case "$APP" in collector|transformer|loader) ;; *) echo "build with --build-arg APP=collector|transformer|loader (got '$APP')" >&2; exit 1 ;; esac \
 && ln -s "apps/$APP/main.js" dist/main.js
USER 10001:10001
# Each service's port (PORT) defaults to its own: collector 8081, transformer 8082, loader 8083.
CMD ["node", "dist/main.js"]
