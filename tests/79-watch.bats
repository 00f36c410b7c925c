#!/usr/bin/env bats
# -o FILE and --watch: a token file replaced atomically and kept fresh,
# transient failures outlived, OAuth errors ending the watch, and a
# command fed through $COLLIBRA_TOKEN_FILE with its signals forwarded.
# The mock issues 3-second tokens here, so that refreshes come quickly.

load helpers

# a watch that no longer ends (a signal never forgotten) fails, not hangs
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	OUT=$BATS_TEST_TMPDIR/out/token
	mkdir -p "$BATS_TEST_TMPDIR/out"
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
}

teardown() {
	[[ -z ${WATCH_PID-} ]] || kill "$WATCH_PID" 2>/dev/null || true
}

# inode FILE
inode() { stat -c %i "$1" 2>/dev/null || echo none; }

@test "-o FILE: the token goes to FILE (0600), nothing to stdout" {
	umask 000
	run --separate-stderr "$CT" -o "$OUT"
	umask 022
	assert_success
	assert_output ''
	refute_leak
	assert_equal "$(cat "$OUT")" "$MOCK_TOKEN"
	assert_equal "$(stat -c %a "$OUT")" 600
	run --separate-stderr "$CT" -o "$OUT" -f header
	assert_equal "$(cat "$OUT")" "Authorization: Bearer $MOCK_TOKEN"
	# no temporary file is left beside it
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/out")" token
}

@test "-o FILE: a symlink at FILE is replaced, never followed" {
	echo keep >"$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$OUT"
	run --separate-stderr "$CT" -o "$OUT"
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/victim")" keep
	[[ ! -L $OUT ]]
	assert_equal "$(cat "$OUT")" "$MOCK_TOKEN"
}

@test "-o FILE in a directory that cannot be written: exit 1, one line" {
	run --separate-stderr "$CT" -o "$BATS_TEST_TMPDIR/missing/token"
	assert_equal "$status" 1
	assert_regex "$stderr" "^collibra-token: -o: cannot write"
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
}

@test "--watch needs -o FILE or a command; -o takes no command" {
	run --separate-stderr "$CT" --watch
	assert_equal "$status" 2
	assert_regex "$stderr" '--watch needs -o FILE or a command'
	run --separate-stderr "$CT" -o "$OUT" -- true
	assert_equal "$status" 2
	run --separate-stderr "$CT" --watch --show-config -o "$OUT"
	assert_equal "$status" 2
}

@test "--watch -o: the file is replaced before the 3 s token expires; SIGTERM removes it" {
	local n first
	n=$(mock_requests)
	bg_ct "$CT" --url "$MOCK_URL/expires/3" --no-cache --watch -o "$OUT"
	wait_for '[[ -s $OUT ]]'
	first=$(inode "$OUT")
	assert_equal "$(cat "$OUT")" "$MOCK_TOKEN"
	# refreshed at a third of the lifetime left: two more requests in 3 s
	wait_for '(( $(requests_since "$n") >= 3 ))' 40
	[[ $(inode "$OUT") != "$first" ]]
	assert_equal "$(cat "$OUT")" "$MOCK_TOKEN"
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
	[[ ! -e $OUT ]]
	run cat "$BATS_TEST_TMPDIR/err"
	refute_output --partial "$MOCK_TOKEN"
}

@test "--watch: an outage is outlived; the file keeps the valid token, then a new one comes" {
	local n
	n=$(mock_requests)
	bg_ct "$CT" --url "$MOCK_URL/outage/1/2/3/w1" --no-cache --retries 0 \
		--watch -o "$OUT"
	wait_for '[[ -s $OUT ]]'
	# the outage: requests 2 and 3 fail; the file stays
	wait_for '(( $(requests_since "$n") >= 3 ))' 40
	assert_equal "$(cat "$OUT")" "$MOCK_TOKEN"
	wait_for '(( $(requests_since "$n") >= 4 ))' 40
	assert_equal "$(cat "$OUT")" "$MOCK_TOKEN"
	kill -INT "$WATCH_PID"
	reap
	assert_equal "$status" 130
	[[ ! -e $OUT ]]
	run cat "$BATS_TEST_TMPDIR/err"
	# one line per failed refresh, naming the wait and what is left
	assert_equal "$(grep -c 'watch: .*HTTP 503.*retrying in [0-9]* s, the token in the file is valid for' <<<"$output")" 2
	assert_equal "$(wc -l <<<"$output")" 2
}

@test "--watch: a rotated secret (invalid_client) ends the watch with 11 and removes the file" {
	bg_ct "$CT" --url "$MOCK_URL/expires/3" --no-cache --watch -o "$OUT"
	wait_for '[[ -s $OUT ]]'
	mock_reset_creds
	mock_add_creds "$COLLIBRA_CLIENT_ID" "rotated-$COLLIBRA_CLIENT_SECRET"
	reap
	mock_reset_creds
	mock_add_creds "$COLLIBRA_CLIENT_ID" "$COLLIBRA_CLIENT_SECRET"
	assert_equal "$status" 11
	[[ ! -e $OUT ]]
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --partial invalid_client
}

@test "--watch: a token without expires_in is kept and refreshed every 5 minutes" {
	bg_ct "$CT" --url "$MOCK_URL/noexpiry" --no-cache -v --watch -o "$OUT"
	wait_for '[[ -s $OUT ]]'
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
}

@test "--watch -- COMMAND: COLLIBRA_TOKEN_FILE (0600 in a 0700 directory), no token or secret in the environment" {
	run --separate-stderr "$CT" --watch -- sh -c '
		f=$COLLIBRA_TOKEN_FILE
		[ -n "$f" ] || exit 90
		[ "$(stat -c %a "$f")" = 600 ] || exit 91
		[ "$(stat -c %a "$(dirname "$f")")" = 700 ] || exit 92
		case $f in "$XDG_RUNTIME_DIR"/*) ;; *) exit 93 ;; esac
		[ -z "${COLLIBRA_TOKEN+x}" ] || exit 94
		[ -z "${COLLIBRA_CLIENT_SECRET+x}" ] || exit 95
		cat "$f"; echo "$f" >&2; exit 7'
	assert_equal "$status" 7
	assert_output "$MOCK_TOKEN"
	# the file and its directory are gone
	[[ ! -e $stderr ]]
	[[ ! -e $(dirname "$stderr") ]]
}

@test "--watch -f header -- COMMAND: the file is a curl header file" {
	run --separate-stderr "$CT" --watch -f header -- sh -c 'cat "$COLLIBRA_TOKEN_FILE"'
	assert_success
	assert_output "Authorization: Bearer $MOCK_TOKEN"
}

@test "--watch -- COMMAND: the command sees fresh tokens while it runs" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" --url "$MOCK_URL/expires/3" --no-cache \
		--watch -- sh -c 'i=$(stat -c %i "$COLLIBRA_TOKEN_FILE") n=0
		# a refresh replaces the file (within 10 s)
		while [ "$(stat -c %i "$COLLIBRA_TOKEN_FILE")" = "$i" ]; do
			n=$((n + 1)); [ $n -lt 200 ] || exit 9; sleep 0.05
		done
		cat "$COLLIBRA_TOKEN_FILE"'
	assert_success
	assert_output "$MOCK_TOKEN"
	(( $(requests_since "$n") >= 2 ))
}

@test "--watch -- COMMAND: SIGTERM, SIGINT, SIGHUP and SIGQUIT are forwarded; the exit status is the command's" {
	local sig
	for sig in TERM INT HUP QUIT; do
		bg_ct "$CT" --watch -- sh -c "trap 'echo got-$sig; exit 3' $sig
			echo ready; while :; do sleep 0.1; done" \
			>"$BATS_TEST_TMPDIR/child.out" 2>&1
		wait_for 'grep -q ready "$BATS_TEST_TMPDIR/child.out"'
		kill -"$sig" "$WATCH_PID"
		reap
		assert_equal "$status" 3
		grep -q "got-$sig" "$BATS_TEST_TMPDIR/child.out"
	done
	# a command that dies of a signal: 128 + N
	run --separate-stderr "$CT" --watch -- sh -c 'kill -KILL $$'
	assert_equal "$status" 137
	# a command that cannot be found: 127, as a shell says
	run -127 --separate-stderr "$CT" --watch -- no-such-command-xyz
	assert_equal "$status" 127
}

@test "-f github goes with neither -o nor --watch: its mask must reach stdout" {
	run --separate-stderr "$CT" -f github -o "$OUT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'github format masks the token on standard output'
	[[ ! -e $OUT ]]
	COLLIBRA_TOKEN_FORMAT=github run --separate-stderr "$CT" --watch -- true
	assert_equal "$status" 2
}

@test "--watch -o FILE never removes a FILE it did not write" {
	echo precious >"$OUT"
	run --separate-stderr "$CT" --url "$MOCK_URL/body/token-qhome" -f dotenv \
		--no-cache --watch -o "$OUT"
	assert_equal "$status" 6
	assert_equal "$(cat "$OUT")" precious
}

@test "--watch -- COMMAND: a forwarded signal does not stop the refreshes; the command decides" {
	local n
	export CT_STOP=$BATS_TEST_TMPDIR/stop
	bg_ct "$CT" --url "$MOCK_URL/expires/3" --no-cache --watch -- sh -c "
		trap 'echo got-INT' INT
		echo ready; i=0
		while [ ! -e \"\$CT_STOP\" ] && [ \$i -lt 400 ]; do
			sleep 0.05; i=\$((i + 1)); done
		echo done" >"$BATS_TEST_TMPDIR/child.out" 2>&1
	wait_for 'grep -q ready "$BATS_TEST_TMPDIR/child.out"'
	kill -INT "$WATCH_PID"
	wait_for '(( $(grep -c got-INT "$BATS_TEST_TMPDIR/child.out") >= 1 ))'
	kill -INT "$WATCH_PID"
	wait_for '(( $(grep -c got-INT "$BATS_TEST_TMPDIR/child.out") >= 2 ))'
	# refreshes go on after the signals (3 s tokens: one a second)
	n=$(mock_requests)
	wait_for '(( $(requests_since "$n") >= 2 ))' ||
		fail "the refreshes stopped after the signals"
	: >"$CT_STOP"
	reap
	assert_equal "$status" 0
	assert_equal "$(grep -c got-INT "$BATS_TEST_TMPDIR/child.out")" 2
	grep -q 'done' "$BATS_TEST_TMPDIR/child.out"
}

@test "--watch -- COMMAND: a final refresh failure exits with its code, not the command's" {
	bg_ct "$CT" --url "$MOCK_URL/expires/3" --no-cache --watch -- \
		sh -c ': >"$COLLIBRA_TOKEN_FILE.ran"; exec sleep 20'
	# the command runs on the first token; then the server refuses
	wait_for '[ -e "$XDG_RUNTIME_DIR"/*/*.ran ]' ||
		fail "the command did not start: $(cat "$BATS_TEST_TMPDIR/err")"
	mock_reset_creds
	reap
	mock_add_creds "$COLLIBRA_CLIENT_ID" "$COLLIBRA_CLIENT_SECRET"
	assert_equal "$status" 11
}

@test "--watch: each refresh waits for another process's fetch within its own --timeout" {
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_TEST_TMPDIR/cache
	local first held=$BATS_TEST_TMPDIR/held
	# a 12 s token is refreshed after 4 s, past the first --timeout (3 s)
	bg_ct "$CT" -v --url "$MOCK_URL/expires/12" --timeout 3 --watch -o "$OUT"
	wait_for '[[ -s $OUT ]]'
	first=$(inode "$OUT")
	# hold every lock of the cache until that refresh waits for it
	for l in "$COLLIBRA_TOKEN_CACHE_DIR"/*.lock; do
		flock "$l" sh -c ': >"$1.$$"; i=0
			while [ ! -e "$1" ] && [ $i -lt 400 ]; do
				sleep 0.05; i=$((i + 1)); done' sh "$held" &
	done
	wait_for 'compgen -G "$held.*" >/dev/null'
	await_line "$BATS_TEST_TMPDIR/err" 'waiting for another collibra-token' 150
	: >"$held"
	# the refresh goes on: a new file, and no timeout
	wait_for '[[ $(inode "$OUT") != "$first" ]]' ||
		fail "no refresh after the lock was free: $(cat "$BATS_TEST_TMPDIR/err")"
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
	run cat "$BATS_TEST_TMPDIR/err"
	refute_output --partial 'timed out waiting'
}

@test "--watch -- COMMAND: ^C at the terminal reaches the command once, not twice" {
	local out
	status=0
	# the trap writes to a file: the terminal discards what is written
	# to it while it handles ^C (no NOFLSH), which a busy machine shows
	export GOT=$BATS_TEST_TMPDIR/got
	# the command waits (bounded) for the ^C, however late a busy machine
	# lets pty-run send it
	out=$("$MOCK_PYTHON" "$CT_LIB/pty-run.py" --timeout 40 \
		--expect ready --send $'\003' -- \
		"$CT" -v --watch -- sh -c 'trap "echo got-INT >>\"\$GOT\"" INT
			echo ready; i=0
			while [ ! -e "$GOT" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
			exit 4') || status=$?
	assert_equal "$status" 4
	[[ -e $GOT ]] || fail "the command did not get ^C: $out"
	# the command's group holds the terminal: ^C reaches it, not the watch
	[[ $out != *"signal 2"* ]] || fail "^C went through the watch: $out"
	assert_equal "$(cat "$GOT")" got-INT
	# a kill(2) from outside is forwarded
	bg_ct "$CT" -v --watch -- sh -c "trap 'exit 3' TERM; echo ready
		while :; do sleep 0.1; done" >"$BATS_TEST_TMPDIR/child.out"
	wait_for 'grep -q ready "$BATS_TEST_TMPDIR/child.out"'
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 3
	grep -q 'signal 15 forwarded to the command' "$ERR"
	# -v names the token file itself, not only its directory
	grep -qE "watch: the token file is $XDG_RUNTIME_DIR/collibra-token-watch\.[0-9a-f]+/token\$" \
		"$ERR"
}
