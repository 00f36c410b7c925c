#!/usr/bin/env bats
# The process around the pipeline: signals during a fetch and while
# waiting for another process's, and what it exposes while it holds the
# secret (core dumps, its command line).

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

# start_hanging [ARGS...]: the tool in the background against a server that
# never answers, with SIGINT at its default (bats' background jobs ignore
# it); sets PID once the request is on its way.
start_hanging() {
	local n
	n=$(mock_requests)
	"$MOCK_PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$CT" --url "$MOCK_URL/hang" "$@" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	PID=$!
	for _ in $(seq 100); do
		(($(mock_requests) > n)) && return 0
		sleep 0.05
	done
	fail "the tool did not reach the server"
}

@test "SIGTERM during a fetch: dies of SIGTERM (143), nothing on stdout" {
	local rc=0
	start_hanging
	kill -TERM "$PID"
	wait "$PID" || rc=$?
	assert_equal "$rc" 143
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
}

@test "SIGINT during a fetch: dies of SIGINT (130), nothing on stdout" {
	local rc=0
	SECONDS=0
	start_hanging
	kill -INT "$PID"
	wait "$PID" || rc=$?
	assert_equal "$rc" 130
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	((SECONDS <= 3))
}

@test "SIGINT while waiting for another process's fetch: 130" {
	local rc=0 holder n
	unset COLLIBRA_TOKEN_CACHE
	n=$(mock_requests)
	"$CT" --url "$MOCK_URL/delay/5" >/dev/null 2>&1 &
	holder=$!
	for _ in $(seq 200); do
		(($(mock_requests) > n)) && break
		sleep 0.05
	done
	"$MOCK_PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$CT" -v --url "$MOCK_URL/delay/5" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	PID=$!
	# the signal once it waits (its handlers are in place by then)
	await_line "$BATS_TEST_TMPDIR/err" 'waiting for another collibra-token'
	SECONDS=0
	kill -INT "$PID"
	wait "$PID" || rc=$?
	assert_equal "$rc" 130
	# at once, not when the holder is done (5 s)
	((SECONDS <= 2))
	[ ! -s "$BATS_TEST_TMPDIR/out" ] || ! grep -q "$MOCK_TOKEN" "$BATS_TEST_TMPDIR/out"
	kill "$holder" 2>/dev/null || true
	wait "$holder" || true
}

@test "while it holds the secret the process cannot dump core" {
	start_hanging
	run grep '^Max core file size' "/proc/$PID/limits"
	kill -TERM "$PID"
	wait "$PID" || true
	# the soft limit only: the hard one stays for a -- COMMAND
	assert_regex "$output" 'Max core file size +0 +'
}

@test "--client-secret is blanked in /proc/PID/cmdline" {
	local secret=$COLLIBRA_CLIENT_SECRET
	start_hanging -s "$secret"
	run --separate-stderr tr '\0' ' ' <"/proc/$PID/cmdline"
	kill -TERM "$PID"
	wait "$PID" || true
	[[ $output != *"$secret"* ]] || fail "argv still shows the secret"
	assert_regex "$output" '-s \*{32}'
}
