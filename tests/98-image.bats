#!/usr/bin/env bats
# The container image (Dockerfile, make image): a non-root user, the
# Makefile's version in its label, a one-shot fetch from the mock server
# on the host network, and README's sidecar (--watch -o in a volume)
# stopped by podman stop.
#
# Runs when podman can run containers here and the image $CT_IMAGE
# (default localhost/collibra-token:VERSION) is built from the working
# tree as it is (its collibra-token.inputs label); otherwise each test
# skips with the reason, as an image build takes about a minute and make
# check does not make one.  make image-test sets CT_IMAGE_REQUIRED=1: a
# reason to skip is then a failure.

load helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-90}

# shellcheck source=lib/image.bash
source "$BATS_TEST_DIRNAME/lib/image.bash"

setup_file() { image_setup_file; }
teardown_file() { image_teardown_file; }

setup() {
	image_skip
	NAME=ct-test-$$-$BATS_TEST_NUMBER
}

teardown() {
	[[ -n ${CT_IMAGE_SKIP-} ]] || podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
}

# ct_run ARGS...: podman run, read-only, on the host network (the mock listens on
# loopback), the test CA mounted; the ID and secret pass by name (-e
# NAME), so neither is in podman's argv.
ct_run() {
	podman run --network=host --read-only \
	    -v "$BATS_FILE_TMPDIR/ca-public.pem:/ca.pem:ro" -e SSL_CERT_FILE=/ca.pem \
	    -e COLLIBRA_URL -e COLLIBRA_CLIENT_ID -e COLLIBRA_CLIENT_SECRET \
	    "$@"
}

@test "image: labels carry the Makefile's version; non-root user; ENTRYPOINT the binary" {
	run podman image inspect --format \
	    '{{index .Labels "org.opencontainers.image.version"}} {{.Config.User}} {{json .Config.Entrypoint}}' \
	    "$IMAGE"
	assert_success
	assert_output "$VERSION 10001:10001 [\"/usr/bin/collibra-token\"]"
}

@test "image: --version as the non-root user prints the Makefile's version" {
	run --separate-stderr podman run --rm --network=none "$IMAGE" --version
	assert_success
	[[ $output == "collibra-token $VERSION ("* ]] || fail "got: $output"
	assert_equal "$stderr" ''
	run -0 podman run --rm --network=none --entrypoint /usr/bin/id "$IMAGE" -u
	assert_output 10001
}

@test "image: only the runtime libraries, no compiler or -dev package" {
	run podman run --rm --network=none --entrypoint /usr/bin/dpkg-query \
	    "$IMAGE" -W -f '${Package}\n'
	assert_success
	assert_line libcurl4
	assert_line ca-certificates
	refute_line --regexp '(-dev|^(gcc|g\+\+|cpp|make)(-[0-9]+)?)$'
}

@test "image: a one-shot fetch prints the token and nothing on stderr (read-only, no HOME)" {
	run --separate-stderr ct_run --rm "$IMAGE"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$stderr" ''
}

@test "image: negative: with the cache turned back on, HOME (/nonexistent) is a warning" {
	run --separate-stderr ct_run --rm -e COLLIBRA_TOKEN_CACHE=1 "$IMAGE"
	assert_success
	assert_output "$MOCK_TOKEN"
	[[ $stderr == *nonexistent* ]] || fail "no warning; stderr: $stderr"
	refute_leak
}

@test "image: the sidecar writes the token file 0600 in a volume; podman stop removes it, exit 143" {
	local dir=$BATS_TEST_TMPDIR/tokens
	mkdir -m 700 "$dir"
	chown 10001:10001 "$dir" 2>/dev/null ||
	    skip "cannot give the volume to the image's user (not root)"
	# README's args: the secret from a file in a read-only volume
	mkdir -m 700 "$BATS_TEST_TMPDIR/secret"
	printf '%s\n' "$COLLIBRA_CLIENT_SECRET" >"$BATS_TEST_TMPDIR/secret/client-secret"
	chmod 400 "$BATS_TEST_TMPDIR/secret/client-secret"
	chown -R 10001:10001 "$BATS_TEST_TMPDIR/secret"
	run env -u COLLIBRA_CLIENT_SECRET podman run --network=host --read-only \
	    -v "$BATS_FILE_TMPDIR/ca-public.pem:/ca.pem:ro" -e SSL_CERT_FILE=/ca.pem \
	    -e COLLIBRA_URL -e COLLIBRA_CLIENT_ID \
	    -v "$BATS_TEST_TMPDIR/secret:/secret:ro" -v "$dir:/tokens" \
	    -d --name "$NAME" "$IMAGE" \
	    --client-secret-file /secret/client-secret --watch -o /tokens/token
	assert_success
	wait_for '[[ -s $dir/token ]]'
	assert_equal "$(cat "$dir/token")" "$MOCK_TOKEN"
	assert_equal "$(stat -c '%a %u' "$dir/token")" "600 10001"
	run podman stop -t 20 "$NAME"
	assert_success
	run -0 podman inspect --format '{{.State.ExitCode}}' "$NAME"
	assert_output 143
	[[ ! -e $dir/token ]] || fail "the token file is still there"
	run -0 podman logs "$NAME"
	assert_output ''
}
