#!/usr/bin/env bats
# As PID 1 (of a container, or here of a new PID namespace made with
# unshare), the kernel drops a signal whose action is the default, so the
# tool's re-raise of SIGTERM or SIGINT returns: it must still exit 128 + N.

load helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

setup_file() {
	ct_setup_file
	# a PID namespace needs root (or a user namespace) and a kernel that
	# allows it here
	if ! unshare -fp --mount-proc true 2>/dev/null; then
		export CT_NO_PIDNS=1
	fi
}
teardown_file() { ct_teardown_file; }

setup() {
	[[ -z ${CT_NO_PIDNS-} ]] ||
	    skip "unshare -fp --mount-proc does not work here (needs root)"
	ct_isolate_config
	OUT=$BATS_TEST_TMPDIR/out/token
	mkdir -p "$BATS_TEST_TMPDIR/out"
}

teardown() {
	# the tool too: as PID 1 it outlives unshare, holding our output
	[[ -z ${WATCH_PID-} ]] ||
	    kill -KILL ${CT_PID:+"$CT_PID"} "$WATCH_PID" 2>/dev/null || true
}

# as_pid1 ARGS...: the tool as PID 1 of a new PID namespace, in the
# background, stdout and stderr to files; WATCH_PID is unshare, CT_PID the
# tool (as the parent namespace sees it), once it runs.  SIGINT and
# SIGTERM at their defaults in the tool: a background job ignores SIGINT,
# and unshare -f before util-linux 2.37 (Debian 11) leaves both ignored in
# its child, which the tool then keeps ignoring, as it should.
as_pid1() {
	unshare -fp --mount-proc env --default-signal=INT,TERM "$CT" "$@" \
	    >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr" &
	WATCH_PID=$!
	wait_for '[[ $(pgrep -P "$WATCH_PID") ]]'
	CT_PID=$(pgrep -P "$WATCH_PID")
	wait_for '[[ $(readlink "/proc/$CT_PID/exe") == "$CT" ]]'
}

@test "PID 1: the tool runs as PID 1 of the namespace" {
	run -0 unshare -fp --mount-proc sh -c 'echo $$'
	assert_output 1
}

@test "PID 1: --watch -o, SIGTERM removes the file and exits 143" {
	as_pid1 --watch -o "$OUT"
	wait_for '[[ -s $OUT ]]'
	assert_equal "$(cat "$OUT")" "$MOCK_TOKEN"
	kill -TERM "$CT_PID"
	reap
	assert_equal "$status" 143
	[[ ! -e $OUT ]] || fail "the token file is still there"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/stdout")" ''
}

@test "PID 1: SIGINT during a fetch exits 130, nothing on stdout" {
	local n
	# shellcheck disable=SC2034 # read by wait_for's condition
	n=$(mock_requests)
	as_pid1 -v --url "$MOCK_URL/delay/30"
	wait_for '(( $(requests_since "$n") >= 1 ))' 100
	kill -INT "$CT_PID"
	reap
	assert_equal "$status" 130
	assert_equal "$(cat "$BATS_TEST_TMPDIR/stdout")" ''
}

@test "not PID 1: SIGTERM during --watch -o still dies of the signal" {
	env "$CT" --watch -o "$OUT" &
	WATCH_PID=$!
	wait_for '[[ -s $OUT ]]'
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
	[[ ! -e $OUT ]] || fail "the token file is still there"
}

# security review 3, finding 5
@test "PID 1: --watch -- COMMAND reaps the orphans COMMAND leaves, and keeps COMMAND's status" {
	local c=$BATS_TEST_TMPDIR/c
	mkdir -p "$c"
	# four orphans, re-parented to us, that end a tenth of a second later
	as_pid1 --no-cache --watch -- sh -c 'for i in 1 2 3 4; do (sleep 0.1 &); done
		: >"$0/started"
		while [ ! -e "$0/stop" ]; do sleep 0.1; done; exit 7' "$c"
	wait_for '[[ -e $c/started ]]'
	# none of them is left behind, as a zombie or otherwise
	wait_for '! ps --ppid "$CT_PID" -o comm= | grep -q "^sleep$"' 50 ||
	    fail "children left: $(ps --ppid "$CT_PID" -o pid=,stat=,comm=)"
	touch "$c/stop"
	reap
	assert_equal "$status" 7
}
