# The collibra-token image: built from Debian 12's packages in a build
# stage, run as a non-root user with only the runtime libraries.
#
#   make image                  podman build --pull=never, tag
#                               collibra-token:VERSION and :latest
#   podman build --build-arg VERSION=0.1.0 -t collibra-token .
#
# Both stages install from Debian's mirror with apt-get; make image builds
# with the host's network (--network=host), so the build needs what apt
# on the host needs, and nothing else (no registry: the base image is
# made from Debian's packages when it is missing, scripts/image).
ARG BASE=debian:12-slim

FROM ${BASE} AS build
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	gcc libc6-dev make pkg-config \
	libcurl4-openssl-dev libjansson-dev libsodium-dev libinih-dev && \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
# only what the build reads (.dockerignore lets no more in)
COPY Makefile LICENSE ./
COPY src/ src/
RUN make -j2 collibra-token && ./collibra-token --version

FROM ${BASE}
ARG BASE
ARG VERSION
# the sha256 of the sources (scripts/image/image inputs): the tests know
# whether this image is the working tree's
ARG INPUTS
# libcurl4 is loaded with dlopen: no ELF dependency names it
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	ca-certificates libcurl4 libjansson4 libsodium23 libinih1 && \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt \
	/var/log/dpkg.log && \
    groupadd --system --gid 10001 collibra-token && \
    useradd --system --uid 10001 --gid 10001 --no-create-home \
	--home-dir /nonexistent --shell /usr/sbin/nologin collibra-token
COPY --from=build /src/collibra-token /usr/bin/collibra-token
COPY --from=build /src/LICENSE /usr/share/doc/collibra-token/copyright
LABEL org.opencontainers.image.title="collibra-token" \
      org.opencontainers.image.description="Get an OAuth 2.0 access token from Collibra (client credentials) and print it" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/collibra-token/collibra-token" \
      org.opencontainers.image.base.name="${BASE}" \
      collibra-token.inputs="${INPUTS}"
# Each run is a new container whose HOME (/nonexistent) is not writable:
# no cache, so no warning about ~/.cache.  To keep one, mount a volume and
# set COLLIBRA_TOKEN_CACHE=1 COLLIBRA_TOKEN_CACHE_DIR=/that/volume.
ENV COLLIBRA_TOKEN_CACHE=0
USER 10001:10001
ENTRYPOINT ["/usr/bin/collibra-token"]
