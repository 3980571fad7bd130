# syntax=docker/dockerfile:1
#
# coophub container image.
#
#   docker build -t coophub .
#   docker run --rm -p 8080:8080 \
#     -e COOPHUB_JWT_SECRET="$(head -c 48 /dev/urandom | base64)" coophub
#
# Without COOPHUB_DATABASE_URL the server uses SQLite at
# /var/lib/coophub/data/coophub.db (./data/coophub.db relative to WORKDIR);
# mount a volume on /var/lib/coophub/data to keep it. docker-compose.yml runs
# it against PostgreSQL instead.

############################ builder ############################
FROM rust:1-bookworm AS builder

# libpq for Diesel's postgres backend; SQLite is compiled in (libsqlite3-sys "bundled").
# Unpinned on purpose: bookworm's packages only take security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# 1. Dependencies only: build the locked dependency graph against stub
#    sources, so this layer is reused until Cargo.toml or Cargo.lock change.
#    (If Cargo.toml ever names more target files - build.rs, [[test]],
#    [[bench]], workspace members - stub them here too.)
COPY Cargo.toml Cargo.lock ./
# Build settings (the bundled SQLite's compile flags) belong to the dependency layer.
COPY .cargo .cargo
RUN mkdir -p src \
 && echo 'fn main() {}' > src/main.rs \
 && : > src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src \
           target/release/coophub* \
           target/release/libcoophub* \
           target/release/.fingerprint/coophub-* \
           target/release/deps/coophub-* \
           target/release/deps/libcoophub-*

# 2. The crate itself. touch: COPY keeps the context's mtimes, which may be
#    older than the stub build; make sure cargo rebuilds the real sources.
COPY . .
RUN find src -name '*.rs' -exec touch {} + \
 && cargo build --release --locked \
 && install -D -m 0755 target/release/coophub /out/coophub

############################ runtime ############################
FROM debian:bookworm-slim

# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 coophub \
 && useradd --system --uid 10001 --gid coophub \
            --home-dir /var/lib/coophub --no-create-home \
            --shell /usr/sbin/nologin coophub

WORKDIR /var/lib/coophub
# Created here (owned by the user) so a fresh named volume mounted on it
# inherits that ownership.
RUN mkdir -p /var/lib/coophub/data \
 && chown -R coophub:coophub /var/lib/coophub

COPY --from=builder /out/coophub /usr/local/bin/coophub

# Numeric, so runtimes that check runAsNonRoot can tell it is not root.
USER 10001:10001
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["curl", "-fsS", "http://127.0.0.1:8080/readyz"]

ENTRYPOINT ["coophub"]
CMD ["serve", "--bind", "0.0.0.0:8080"]
