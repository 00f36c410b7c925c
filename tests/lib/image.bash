# shellcheck shell=bash
# The image under test, for the suites that run it (tests/98-image.bats,
# tests/98-kubernetes.bats): $IMAGE (default
# localhost/collibra-token:VERSION) and podman with
# scripts/image/containers.conf.
#
#   image_unusable   why the image cannot be run here, or nothing: podman
#                    missing, no image, an image older than the working
#                    tree (its collibra-token.inputs label), or podman
#                    unable to run a container

CT_ROOT=$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)
VERSION=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' "$CT_ROOT/Makefile")
IMAGE=${CT_IMAGE:-localhost/collibra-token:$VERSION}
export CONTAINERS_CONF=$CT_ROOT/scripts/image/containers.conf

image_unusable() {
	local want have
	command -v podman >/dev/null 2>&1 ||
	    { echo "podman is not installed (make image installs it)"; return; }
	podman image exists "$IMAGE" 2>/dev/null ||
	    { echo "no image $IMAGE: make image builds it"; return; }
	want=$("$CT_ROOT/scripts/image/image" inputs)
	have=$(podman image inspect --format \
	    '{{index .Labels "collibra-token.inputs"}}' "$IMAGE")
	[[ $want == "$have" ]] ||
	    { echo "$IMAGE is older than the working tree: make image"; return; }
	podman run --rm --network=none --entrypoint /bin/true "$IMAGE" \
	    >/dev/null 2>&1 ||
	    echo "podman cannot run a container here"
}
