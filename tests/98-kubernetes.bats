#!/usr/bin/env bats
# The Kubernetes manifests of deploy/kubernetes/, played with podman kube
# play on the host network against the mock server, with the image that
# make image builds: the application, as another uid, reads a valid token
# through the fsGroup and --file-mode 0640 before it starts, the sidecar
# keeps it fresh with short tokens and reads a rotated Secret, and
# podman kube down leaves nothing behind.
#
# Podman 4.3 lacks native sidecars, fsGroup and secret volumes: the
# manifests are played through tests/lib/kube-podman.py, which stands in
# for the kubelet in those four points only (see its header).  Skips with
# the reason, as tests/98-image.bats does, where the image is not built
# or podman cannot run it; make image-test fails instead.

load helpers
# shellcheck source=lib/image.bash
source "$BATS_TEST_DIRNAME/lib/image.bash"

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

KUBE=$CT_ROOT/deploy/kubernetes
FS_GROUP=2000

setup_file() {
	local why=
	python3 -c 'import yaml' 2>/dev/null ||
	    why="python3-yaml is missing (scripts/deps image)"
	[[ -n $why || $(id -u) -eq 0 ]] ||
	    why="not root: cannot give the volumes the pod's groups"
	image_setup_file "$why"
}

teardown_file() { image_teardown_file; }

setup() {
	image_skip
	POD=ct-kube-$$-$BATS_TEST_NUMBER
	KDIR=$BATS_TEST_TMPDIR/kube
	mkdir "$KDIR"
}

teardown() {
	[[ -z ${CT_IMAGE_SKIP-} && -f ${KDIR-}/pod.yaml ]] || return 0
	podman kube down "$KDIR/pod.yaml" >/dev/null 2>&1 || true
	podman pod rm -f "$POD" >/dev/null 2>&1 || true
	# a rotation's test leaves the mock with its own secret
	mock_set_creds "$COLLIBRA_CLIENT_ID" "$COLLIBRA_CLIENT_SECRET"
}

# kube_secret SECRET: $KDIR/secret as the kubelet's atomic writer leaves
# a secret volume with defaultMode 0440 and the fsGroup:
# client-secret -> ..data/client-secret, ..data -> a timestamped
# directory.  Again, it is a rotation: a new directory, ..data swapped
# by a rename, the old one removed.
kube_secret() {
	local dir=$KDIR/secret ts old=
	ts=..$(date +%Y_%m_%d_%H_%M_%S).$RANDOM$RANDOM
	mkdir -p "$dir" "$dir/$ts"
	printf '%s' "$1" >"$dir/$ts/client-secret"
	chown -R "0:$FS_GROUP" "$dir/$ts"
	chmod 0440 "$dir/$ts/client-secret"
	[[ ! -L $dir/..data ]] || old=$(readlink "$dir/..data")
	ln -s "$ts" "$dir/..data_tmp"
	mv -T "$dir/..data_tmp" "$dir/..data"
	[[ -L $dir/client-secret ]] || ln -s ..data/client-secret "$dir/client-secret"
	[[ -z $old ]] || rm -rf "${dir:?}/$old"
}

# kube_play MANIFEST APP COMMAND [SCENARIO]: play deploy/kubernetes/MANIFEST
# as pod $POD, its placeholder application APP running COMMAND (sh -c) in
# the image, the tool on the mock ($MOCK_URL/SCENARIO), started in the
# kubelet's order: each sidecar, then its startupProbe passing (podman
# exec, bounded), then the others; or init containers, then the others.
# Leaves the plan in $KDIR/plan.
kube_play() {
	local manifest=$1 app=$2 cmd=$3 url=$MOCK_URL kind name probe
	[[ -z ${4-} ]] || url=$MOCK_URL/$4
	local image placeholder
	image=$(sed -n 's/^ *image: \(ghcr.io.*\)$/\1/p' "$KUBE/$manifest")
	placeholder=$(sed -n 's/^ *image: \(registry.example.*\)$/\1/p' "$KUBE/$manifest")
	run -0 python3 "$BATS_TEST_DIRNAME/lib/kube-podman.py" "$KUBE/$manifest" \
	    "$KDIR" --name "$POD" --image "$image=$IMAGE" \
	    --image "$placeholder=$IMAGE" \
	    --command "$app=$cmd" \
	    --env "collibra-token:COLLIBRA_URL=$url" \
	    --env "collibra-token:COLLIBRA_CLIENT_ID=$COLLIBRA_CLIENT_ID" \
	    --env "collibra-token:SSL_CERT_FILE=/ca.pem" \
	    --mount "collibra-token:$BATS_FILE_TMPDIR/ca-public.pem:/ca.pem"
	printf '%s\n' "$output" >"$KDIR/pod.yaml"
	# from $KDIR: podman takes a directory ./collibra-token (the binary
	# here is a file) for an image to build
	if ! grep -q '^sidecar' "$KDIR/plan"; then
		(cd "$KDIR" && podman kube play --network=host pod.yaml) \
		    >/dev/null
		return
	fi
	(cd "$KDIR" && podman kube play --start=false --network=host pod.yaml) \
	    >/dev/null
	while IFS=$'\t' read -r kind name probe; do
		case $kind in
		sidecar)
			podman start "$POD-$name" >/dev/null
			IFS=$'\t' read -ra probe <<<"$probe"
			# until it passes or the sidecar has exited
			wait_for 'podman exec "$POD-$name" "${probe[@]}" \
			    2>/dev/null || [[ $(podman inspect --format \
			    "{{.State.Status}}" "$POD-$name") != running ]]' 300
			podman exec "$POD-$name" "${probe[@]}" 2>/dev/null ||
			    { echo "startupProbe of $name never passed"; return 1; }
			;;
		*)
			podman start "$POD-$name" >/dev/null ;;
		esac
	done <"$KDIR/plan"
}

# The application's command: its uid and groups, then the token file as
# it finds it when it starts, then it waits to be stopped.
APP_READS='echo "uid=$(id -u) groups=$(id -G)"; cat "$COLLIBRA_TOKEN_FILE" || exit 1; echo; exec sleep 600'

# assert_valid TOKEN: the mock's stamped token, not expired; says so
# (bats --show-output-of-passing-tests), without the token.
assert_valid() {
	[[ $1 =~ ^$MOCK_TOKEN\.exp([0-9]+)$ ]] || fail "not the mock's token: ${1:0:12}..."
	((BASH_REMATCH[1] > $(date +%s))) || fail "an expired token"
	echo "valid token: ${#1} bytes, expires in $((BASH_REMATCH[1] - $(date +%s))) s"
}

# nothing_left: no pod, no container of it, no volume made for it, and
# no token file in the emptyDir.
nothing_left() {
	run podman pod exists "$POD"
	[ "$status" -eq 1 ] || fail "pod $POD is still there"
	run -0 podman ps -a --filter "name=^$POD" --format '{{.Names}}'
	assert_output ''
	run -0 podman volume ls --format '{{.Name}}'
	assert_equal "$output" "$VOLUMES_BEFORE"
	[[ -z $(ls -A "$KDIR/tokens") ]] || fail "left in the emptyDir: $(ls -A "$KDIR/tokens")"
}

@test "kubernetes: the manifests name the image of this version and no secret" {
	local f
	for f in "$KUBE"/*.yaml; do
		run -0 grep -c "image: ghcr.io/collibra-token/collibra-token:$VERSION\$" "$f"
		[[ $output -ge 1 ]] || fail "$f: no image of version $VERSION"
		run grep -iE 'client-secret[^-]|CLIENT_SECRET|stringData|^kind: Secret' "$f"
		[ "$status" -le 1 ] || fail "grep $f: exit $status"
		refute_output --regexp '(value|stringData|^kind)'
	done
}

@test "kubernetes: sidecar.yaml: the app (uid 1000) reads a valid 0640 token at its start, then fresh ones" {
	run -0 podman volume ls --format '{{.Name}}'
	VOLUMES_BEFORE=$output
	kube_secret "$COLLIBRA_CLIENT_SECRET"
	kube_play sidecar.yaml app "$APP_READS" stamped/6
	wait_for '[[ $(podman logs "$POD-app" 2>/dev/null | wc -l) -ge 2 ]]' 200 ||
	    fail "the app printed: $(podman logs "$POD-app" 2>&1)"
	run -0 podman logs "$POD-app"
	echo "app's first line: ${lines[0]}"
	assert_line --index 0 "uid=1000 groups=1000 $FS_GROUP"
	local first=${lines[1]} next
	assert_valid "$first"
	run -0 stat -c '%a %u %g' "$KDIR/tokens/token"
	echo "token file: mode, uid, gid: $output"
	assert_output "640 10001 $FS_GROUP"
	# a 6 s token: the sidecar replaces it within 4 s; the app reads the new one
	wait_for 'next=$(podman exec "$POD-app" cat /tokens/token 2>/dev/null) && [[ $next != "$first" ]]' 150 ||
	    fail "the token was not refreshed"
	assert_valid "$next"
	# the kubelet stops the app first; the file stays for the sidecar's
	# life, then the sidecar's SIGTERM removes it (podman kube down alone
	# would not wait for that)
	run -0 podman stop -t 5 "$POD-app"
	[[ -s $KDIR/tokens/token ]] || fail "the token went with the app"
	run -0 podman stop -t 10 "$POD-collibra-token"
	run -0 podman inspect --format '{{.State.ExitCode}}' "$POD-collibra-token"
	assert_output 143
	run -0 podman kube down "$KDIR/pod.yaml"
	nothing_left
}

@test "kubernetes: sidecar.yaml: a rotated Secret reaches the sidecar; the next token comes with the new secret" {
	kube_secret "$COLLIBRA_CLIENT_SECRET"
	kube_play sidecar.yaml app "$APP_READS" stamped/6
	local first next new
	first=$(cat "$KDIR/tokens/token")
	new=$(ct_random_alnum 32)
	mock_set_creds "$COLLIBRA_CLIENT_ID" "$new"
	kube_secret "$new"
	wait_for 'next=$(podman exec "$POD-app" cat /tokens/token 2>/dev/null) && [[ $next != "$first" ]]' 150 ||
	    fail "no token after the rotation; sidecar: $(podman logs "$POD-collibra-token" 2>&1)"
	assert_valid "$next"
	run -0 mock_last_field auth_ok
	assert_output true
	run -0 podman kube down "$KDIR/pod.yaml"
}

@test "kubernetes: sidecar.yaml: negative: a wrong secret: the startupProbe never passes, the app never starts" {
	kube_secret "wrong-$(ct_random_alnum 16)"
	run kube_play sidecar.yaml app "$APP_READS"
	assert_failure
	assert_output --partial "startupProbe of collibra-token never passed"
	run -0 podman inspect --format '{{.State.Status}}' "$POD-app"
	assert_output created
	run -0 podman logs "$POD-collibra-token"
	assert_output --partial invalid_client
	refute_output --partial "$COLLIBRA_CLIENT_SECRET"
}

@test "kubernetes: oneshot.yaml: the init container writes the token once; the job (uid 1000) reads it; nothing left" {
	run -0 podman volume ls --format '{{.Name}}'
	VOLUMES_BEFORE=$output
	kube_secret "$COLLIBRA_CLIENT_SECRET"
	kube_play oneshot.yaml job \
	    'echo "uid=$(id -u)"; cat "$COLLIBRA_TOKEN_FILE"' stamped/3600
	wait_for '[[ $(podman inspect --format "{{.State.Status}}" "$POD-job") == exited ]]' 300 ||
	    fail "the job did not end"
	run -0 podman inspect --format '{{.State.ExitCode}}' "$POD-job"
	assert_output 0
	run -0 podman logs "$POD-job"
	echo "job's first line: ${lines[0]}"
	assert_line --index 0 "uid=1000"
	assert_valid "${lines[1]}"
	run -0 stat -c '%a %u %g' "$KDIR/tokens/token"
	assert_output "640 10001 $FS_GROUP"
	run -0 podman kube down "$KDIR/pod.yaml"
	rm "$KDIR/tokens/token"		# the kubelet deletes the emptyDir
	nothing_left
}

@test "kubernetes: oneshot.yaml: negative: a wrong secret fails the init container; the job never starts" {
	kube_secret "wrong-$(ct_random_alnum 16)"
	run kube_play oneshot.yaml job 'cat "$COLLIBRA_TOKEN_FILE"'
	assert_failure
	run -0 podman inspect --format '{{.State.Status}}' "$POD-job"
	assert_output created
	[[ ! -e $KDIR/tokens/token ]] || fail "a token file without a token"
}
