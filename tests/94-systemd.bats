#!/usr/bin/env bats
# The systemd template unit collibra-token@.service and its sysusers.d
# file, as make install puts them: systemd-analyze verify and security,
# the system user that systemd-sysusers makes; then, where podman can boot
# systemd in a container (the image of tests/lib/systemd.Containerfile,
# built by make image-test), the unit under a real systemd: started only
# once the token file is there (Type=notify), read by another service
# through the group, a wrong secret shown in its status and no busy
# restart loop, the file gone on stop.  Each part skips with the reason
# where its tool is missing; make image-test (CT_IMAGE_REQUIRED=1) fails
# instead.

load helpers
# shellcheck source=lib/image.bash
source "$BATS_TEST_DIRNAME/lib/image.bash"

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-150}

SD_IMAGE=localhost/collibra-token-systemd-test:12

setup_file() {
	ct_setup_file || return
	install -m 644 "$CT_PKI/ca.pem" "$BATS_FILE_TMPDIR/ca-public.pem"
	# installed with its real prefix: ExecStart names a binary that exists
	export P=$BATS_FILE_TMPDIR/prefix
	make -s -C "$CT_ROOT" install PREFIX="$P" >/dev/null
	export UNIT=$P/lib/systemd/system/collibra-token@.service
}

teardown_file() {
	ct_teardown_file
}

teardown() {
	[[ -z ${SD_NAME-} ]] || podman rm -f -t 0 "$SD_NAME" >/dev/null 2>&1 || true
}

# need TOOL...: skip (or fail under make image-test) without them.
need() {
	local t
	for t; do
		command -v "$t" >/dev/null 2>&1 && continue
		[[ -z ${CT_IMAGE_REQUIRED-} ]] || fail "$t is not installed"
		skip "$t is not installed"
	done
}

@test "systemd: the installed unit passes systemd-analyze verify; ExecStart is the installed binary" {
	need systemd-analyze
	run -0 grep -c "^ExecStart=$P/bin/collibra-token " "$UNIT"
	run -0 systemd-analyze verify --man=no "${UNIT%@.service}@prod.service"
	assert_output ''
}

@test "systemd: negative: verify refuses a unit whose binary is not there" {
	need systemd-analyze
	mkdir "$BATS_TEST_TMPDIR/u"
	sed "s|^ExecStart=$P/bin/|ExecStart=/nonexistent/bin/|" "$UNIT" \
	    >"$BATS_TEST_TMPDIR/u/collibra-token@.service"
	run systemd-analyze verify --man=no \
	    "$BATS_TEST_TMPDIR/u/collibra-token@prod.service"
	assert_failure
	assert_output --partial 'is not executable'
}

@test "systemd: systemd-analyze security rates the unit 2.0 or less (OK)" {
	need systemd-analyze
	run -0 systemd-analyze security --offline=yes --threshold=20 --no-pager \
	    "${UNIT%@.service}@prod.service"
	assert_output --regexp 'Overall exposure level for collibra-token@prod.service: (0|1)\.[0-9] OK|2\.0 OK'
}

@test "systemd: sysusers.d makes the system user and group collibra-token, no login" {
	need systemd-sysusers
	local root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/etc"
	run -0 systemd-sysusers --root="$root" "$P/lib/sysusers.d/collibra-token.conf"
	run -0 grep '^collibra-token:' "$root/etc/passwd"
	IFS=: read -r _ _ uid gid _ home shell <<<"$output"
	((uid < 1000)) || fail "not a system uid: $uid"
	assert_equal "$home $shell" "/nonexistent /usr/sbin/nologin"
	run -0 grep "^collibra-token:x:$gid:" "$root/etc/group"
}

# sd_up URL SECRET: boot systemd in a container on the host network with
# the installed tool, unit and sysusers.d file, the test CA,
# /etc/collibra-token holding profile "test" (the mock at URL) and
# test.secret, and a consumer unit; wait until it is up.
#
# systemd 252 in a podman container on this kernel leaves every
# credentials directory empty (LoadCredential= and SetCredential= alike;
# its ramfs never appears), so a drop-in here copies the secret into a
# directory of its own, readable by the service's user alone, and points
# $CREDENTIALS_DIRECTORY there: everything else is the unit as installed.
sd_up() {
	local etc=$BATS_TEST_TMPDIR/etc
	mkdir -m 755 "$etc"
	cp "$BATS_FILE_TMPDIR/ca-public.pem" "$etc/ca.pem"
	printf '[profile test]\nurl = %s\nclient_id = %s\ncacert = /etc/collibra-token/ca.pem\n' \
	    "$1" "$COLLIBRA_CLIENT_ID" >"$etc/config"
	chmod 644 "$etc/config"
	(umask 077 && printf '%s\n' "$2" >"$etc/test.secret")
	mkdir -p "$BATS_TEST_TMPDIR/dropin"
	printf '%s\n' '[Service]' 'LoadCredential=' \
	    'ExecStartPre=+/usr/bin/install -D -o collibra-token -m 0400 /etc/collibra-token/%i.secret /run/ct-test-credentials/%i/client-secret' \
	    'Environment=CREDENTIALS_DIRECTORY=/run/ct-test-credentials/%i' \
	    >"$BATS_TEST_TMPDIR/dropin/test-credentials.conf"
	# a service of another user that reads the token: README's recipe
	printf '%s\n' '[Unit]' 'Requires=collibra-token@test.service' \
	    'After=collibra-token@test.service' '[Service]' 'Type=oneshot' \
	    'DynamicUser=yes' 'SupplementaryGroups=collibra-token' \
	    'ExecStart=/bin/sh -c "id -u; cat /run/collibra-token/test/token"' \
	    >"$BATS_TEST_TMPDIR/consumer.service"
	sed '/^SupplementaryGroups=/d' "$BATS_TEST_TMPDIR/consumer.service" \
	    >"$BATS_TEST_TMPDIR/outsider.service"
	SD_NAME=ct-systemd-$$-$BATS_TEST_NUMBER
	run -0 podman run -d --name "$SD_NAME" --systemd=always --network=host \
	    --privileged \
	    -v "$P/bin/collibra-token:/usr/bin/collibra-token:ro" \
	    -v "$CT_ROOT/deploy/systemd/collibra-token.sysusers:/usr/lib/sysusers.d/collibra-token.conf:ro" \
	    -v "$etc:/etc/collibra-token:ro" \
	    -v "$BATS_TEST_TMPDIR/unit:/etc/systemd/system/collibra-token@.service:ro" \
	    -v "$BATS_TEST_TMPDIR/dropin:/etc/systemd/system/collibra-token@.service.d:ro" \
	    -v "$BATS_TEST_TMPDIR/consumer.service:/etc/systemd/system/consumer.service:ro" \
	    -v "$BATS_TEST_TMPDIR/outsider.service:/etc/systemd/system/outsider.service:ro" \
	    "$SD_IMAGE"
	wait_for 'podman exec "$SD_NAME" systemctl is-system-running 2>/dev/null |
	    grep -qE "^(running|degraded)$"' 300 ||
	    fail "systemd did not come up: $(podman logs "$SD_NAME" 2>&1 | tail -20)"
}

# sd TEXT...: run a command in the container.
sd() {
	podman exec "$SD_NAME" "$@"
}

# sd_ready: skip unless podman can boot the systemd image here.
sd_ready() {
	local why=
	command -v podman >/dev/null 2>&1 || why="podman is not installed (make image-test)"
	[[ -n $why ]] || podman image exists "$SD_IMAGE" ||
	    why="no image $SD_IMAGE: make image-test builds it"
	if [[ -n $why ]]; then
		[[ -z ${CT_IMAGE_REQUIRED-} ]] || fail "$why"
		skip "$why"
	fi
	# the unit as installed for /usr/bin
	sed "s|$P/bin/collibra-token|/usr/bin/collibra-token|" "$UNIT" \
	    >"$BATS_TEST_TMPDIR/unit"
}

@test "systemd (real): a consumer ordered After= reads the 0640 file as another user; refreshes in STATUS=; stop removes it" {
	sd_ready
	sd_up "$MOCK_URL/stamped/6" "$COLLIBRA_CLIENT_SECRET"
	run -0 sd systemd-analyze verify --man=no collibra-token@test.service
	# Requires= and After=: Type=notify holds the consumer back until
	# READY=1, which comes once the file is written
	sd systemctl start consumer.service ||
	    fail "$(sd journalctl -q -o cat -u collibra-token@test -u consumer)"
	run -0 sd sh -c 'journalctl -q -o cat -u consumer.service | grep -v "^consumer.service\|^Starting\|^Finished"'
	assert_equal "${#lines[@]}" 2
	((lines[0] != 0 && lines[0] != $(sd id -u collibra-token))) ||
	    fail "not another user: ${lines[0]}"
	[[ ${lines[1]} =~ ^$MOCK_TOKEN\.exp[0-9]+$ ]] || fail "read: ${lines[1]:0:40}"
	echo "consumer: uid ${lines[0]} read a valid token of ${#lines[1]} bytes"
	run -0 sd stat -c '%a %U %G' /run/collibra-token/test/token
	assert_output '640 collibra-token collibra-token'
	run sd systemctl start outsider.service
	assert_failure
	run -0 sd journalctl -q -o cat -u outsider.service
	assert_output --partial 'Permission denied'
	# a 6 s token is refreshed within 4 s; the status says so
	wait_for '[[ $(sd systemctl show -P StatusText collibra-token@test) == "token refreshed"* ]]' 150 ||
	    fail "status: $(sd systemctl show -P StatusText collibra-token@test)"
	echo "StatusText: $(sd systemctl show -P StatusText collibra-token@test)"
	run -0 sd systemctl stop collibra-token@test
	run -0 sd test ! -e /run/collibra-token/test
	run -0 sd journalctl -q -u collibra-token@test
	refute_output --partial "$MOCK_TOKEN"
	refute_output --partial "$COLLIBRA_CLIENT_SECRET"
}

@test "systemd (real): negative: a wrong secret fails the start with a STATUS= line; restarts wait RestartSec" {
	sd_ready
	sd_up "$MOCK_URL" "wrong-$(ct_random_alnum 16)"
	run sd systemctl start collibra-token@test
	assert_failure
	run -0 sd systemctl show -P StatusText collibra-token@test
	echo "StatusText: $output"
	assert_output --partial invalid_client
	run -0 sd systemctl show -P RestartUSec collibra-token@test
	assert_output 30s
	# waiting for its restart, not restarting: one request so far
	run -0 sd systemctl show -P SubState collibra-token@test
	assert_output auto-restart
	run -0 sd systemctl show -P NRestarts collibra-token@test
	assert_output 0
	run -0 sd test ! -e /run/collibra-token/test/token
}
