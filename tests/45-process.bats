#!/usr/bin/env bats
# The process around the pipeline: signals during a fetch (while waiting
# for another process's fetch: 71-cache-seal), and what it exposes while
# it holds the secret (core dumps, its command line).

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

# start_hanging [ARGS...]: the tool in the background against a server that
# never answers, with SIGINT at its default (bats' background jobs ignore
# it); sets PID once the request is on its way.
start_hanging() {
	local n
	n=$(mock_requests)
	"$MOCK_PYTHON" -S -c 'import os, signal, sys
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
	# at once, not at the end of the default --timeout (30 s)
	((SECONDS <= 10))
}

@test "while it holds the secret the process cannot dump core" {
	start_hanging
	run -0 grep '^Max core file size' "/proc/$PID/limits"
	kill -TERM "$PID"
	wait "$PID" || true
	# the soft limit only: the hard one stays for a -- COMMAND
	assert_regex "$output" 'Max core file size +0 +'
}

@test "--client-secret is blanked in /proc/PID/cmdline" {
	local secret=$COLLIBRA_CLIENT_SECRET
	start_hanging -s "$secret"
	run -0 --separate-stderr tr '\0' ' ' <"/proc/$PID/cmdline"
	kill -TERM "$PID"
	wait "$PID" || true
	[[ $output != *"$secret"* ]] || fail "argv still shows the secret"
	assert_regex "$output" '-s \*{32}'
}
