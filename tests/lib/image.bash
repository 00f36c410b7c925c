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

# image_setup_file [WHY]: the setup_file of a suite that runs the image:
# CT_IMAGE_SKIP says why its tests skip (image_unusable(), else WHY when
# given); otherwise the mock server and its CA readable by the image's
# user in $BATS_FILE_TMPDIR/ca-public.pem (the PKI is root's, 0600).
image_setup_file() {
	CT_IMAGE_SKIP=$(image_unusable)
	[[ -n $CT_IMAGE_SKIP ]] || CT_IMAGE_SKIP=${1-}
	export CT_IMAGE_SKIP
	[[ -z $CT_IMAGE_SKIP ]] || return 0
	ct_setup_file || return
	install -m 644 "$CT_PKI/ca.pem" "$BATS_FILE_TMPDIR/ca-public.pem"
}

# image_teardown_file: the teardown_file that goes with it.
image_teardown_file() {
	[[ -n $CT_IMAGE_SKIP ]] || ct_teardown_file
}

# image_skip: in setup(), skip the test when the image cannot run, or
# fail under make image-test (CT_IMAGE_REQUIRED).
image_skip() {
	[[ -n $CT_IMAGE_SKIP ]] || return 0
	[[ -z ${CT_IMAGE_REQUIRED-} ]] || fail "$CT_IMAGE_SKIP"
	skip "$CT_IMAGE_SKIP"
}
