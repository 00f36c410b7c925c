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
	[[ -z ${LISTEN_PID-} ]] || kill "$LISTEN_PID" 2>/dev/null || true
	# a test that changed the mock's credentials and failed half-way
	# must not fail the tests after it
	if [[ -n ${CREDS_CHANGED-} ]]; then
		mock_set_creds "$COLLIBRA_CLIENT_ID" "$COLLIBRA_CLIENT_SECRET"
	fi
	[[ -z ${SHARED-} ]] || rm -rf "$SHARED"
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
	run -0 --separate-stderr "$CT" -o "$OUT" -f header
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
	run -0 cat "$BATS_TEST_TMPDIR/err"
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
	run -0 cat "$BATS_TEST_TMPDIR/err"
	# one line per failed refresh, naming the wait and what is left
	assert_equal "$(grep -c 'watch: .*HTTP 503.*retrying in [0-9]* s, the token in the file is valid for' <<<"$output")" 2
	assert_equal "$(wc -l <<<"$output")" 2
}

@test "--watch: a rotated secret (invalid_client) ends the watch with 11 and removes the file" {
	bg_ct "$CT" --url "$MOCK_URL/expires/3" --no-cache --watch -o "$OUT"
	wait_for '[[ -s $OUT ]]'
	CREDS_CHANGED=1
	mock_set_creds "$COLLIBRA_CLIENT_ID" "rotated-$COLLIBRA_CLIENT_SECRET"
	reap
	mock_set_creds "$COLLIBRA_CLIENT_ID" "$COLLIBRA_CLIENT_SECRET"
	assert_equal "$status" 11
	[[ ! -e $OUT ]]
	run -0 cat "$BATS_TEST_TMPDIR/err"
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
	CREDS_CHANGED=1
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
	run -0 cat "$BATS_TEST_TMPDIR/err"
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
	out=$("$MOCK_PYTHON" -S "$CT_LIB/pty-run.py" --timeout 40 \
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

# --- the token file's mode (issue 22 item 1) ---------------------------

# shared_dir: a directory of 0755 root:4242 outside bats' 0700 ones, so
# that another uid can reach the file in it; removed by teardown.
shared_dir() {
	SHARED=$(mktemp -d /tmp/collibra-token-mode.XXXXXX)
	chgrp 4242 "$SHARED"
	chmod 0755 "$SHARED"
}

@test "--file-mode 0640: the file gets its directory's group; another uid in it reads the file, one outside cannot" {
	[[ $(id -u) -eq 0 ]] || skip "needs root to be another uid"
	command -v setpriv >/dev/null || skip "needs setpriv"
	shared_dir
	run --separate-stderr "$CT" --file-mode 0640 -o "$SHARED/token"
	assert_success
	assert_equal "$stderr" ''
	run -0 stat -c '%a %u %g' "$SHARED/token"
	assert_output "640 0 4242"
	run -0 setpriv --reuid=65534 --regid=65534 --groups=4242 \
	    cat "$SHARED/token"
	assert_output "$MOCK_TOKEN"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
	    cat "$SHARED/token"
	assert_failure
	assert_output --partial 'Permission denied'
}

@test "--file-mode 0640: negative: a directory whose group is not ours: exit 1, no file readable by our own group" {
	[[ $(id -u) -eq 0 ]] || skip "needs root to be another uid"
	command -v setpriv >/dev/null || skip "needs setpriv"
	shared_dir
	chown 65534 "$SHARED"
	install -m 644 "$SSL_CERT_FILE" "$SHARED/ca.pem"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
	    env SSL_CERT_FILE="$SHARED/ca.pem" XDG_CONFIG_HOME=/nonexistent \
	    "$CT" --file-mode 0640 -o "$SHARED/token"
	assert_equal "$status" 1
	assert_regex "$stderr" '^collibra-token: -o: cannot give .*/token the group of its directory \(gid 4242\): Operation not permitted$'
	[[ ! -e $SHARED/token ]] || fail "a file was left: $(stat -c '%a %g' "$SHARED/token")"
	refute_leak
	# 0600 needs no group
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
	    env SSL_CERT_FILE="$SHARED/ca.pem" XDG_CONFIG_HOME=/nonexistent \
	    "$CT" -o "$SHARED/token"
	assert_success
	assert_equal "$(stat -c '%a %u %g' "$SHARED/token")" "600 65534 65534"
}

@test "--file-mode: COLLIBRA_TOKEN_FILE_MODE and file_mode in the config file; default 0600; each refresh keeps the mode" {
	umask 000
	run -0 "$CT" -o "$OUT"
	assert_equal "$(stat -c %a "$OUT")" 600
	COLLIBRA_TOKEN_FILE_MODE=0440 run -0 "$CT" -o "$OUT"
	assert_equal "$(stat -c %a "$OUT")" 440
	umask 022
	printf '[default]\nfile_mode = 0660\n' | ct_write_config
	run -0 "$CT" -o "$OUT"
	assert_equal "$(stat -c %a "$OUT")" 660
	# the flag wins over both
	COLLIBRA_TOKEN_FILE_MODE=0440 run -0 "$CT" -o "$OUT" --file-mode 640
	assert_equal "$(stat -c %a "$OUT")" 640
	rm "$CT_CFG"
	local first
	bg_ct "$CT" --url "$MOCK_URL/expires/3" --no-cache --watch -o "$OUT" \
	    --file-mode 0640
	wait_for '[[ -s $OUT ]]'
	first=$(inode "$OUT")
	wait_for '[[ $(inode "$OUT") != "$first" && -s $OUT ]]' 40 ||
	    fail "no refresh"
	assert_equal "$(stat -c %a "$OUT")" 640
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
}

@test "--file-mode: negative: world or execute bits, special bits, no owner read, not octal: exit 2, no request" {
	local n m
	n=$(mock_requests)
	for m in 0644 0604 0606 0700 0750 0610 4640 2640 0040 0000 abc 640x 06400 64 ''; do
		run --separate-stderr "$CT" -o "$OUT" --file-mode "$m"
		[ "$status" -eq 2 ] || fail "--file-mode '$m': exit $status"
		[[ $stderr == 'collibra-token: --file-mode: file mode '* ]] ||
		    fail "--file-mode '$m': $stderr"
	done
	COLLIBRA_TOKEN_FILE_MODE=0644 run --separate-stderr "$CT" -o "$OUT"
	assert_equal "$status" 2
	assert_regex "$stderr" '^collibra-token: COLLIBRA_TOKEN_FILE_MODE: file mode 0644: '
	run --separate-stderr "$CT" --file-mode 0640
	assert_equal "$status" 2
	assert_regex "$stderr" '--file-mode goes with -o FILE'
	assert_equal "$(requests_since "$n")" 0
	[[ ! -e $OUT ]]
}

@test "--watch -- COMMAND: the command's own file stays 0600 whatever COLLIBRA_TOKEN_FILE_MODE says" {
	COLLIBRA_TOKEN_FILE_MODE=0640 run --separate-stderr "$CT" --watch -- \
	    sh -c 'stat -c %a "$COLLIBRA_TOKEN_FILE"'
	assert_success
	assert_output 600
}

# --- the secret file read again at each refresh (item 2) -----------------

@test "--watch: a secret file replaced in place is read again; the next token comes with the new secret" {
	local sf=$BATS_TEST_TMPDIR/secret new n
	(umask 077 && printf '%s\n' "$COLLIBRA_CLIENT_SECRET" >"$sf")
	bg_ct env -u COLLIBRA_CLIENT_SECRET "$CT" -v --url "$MOCK_URL/expires/3" \
	    --no-cache --client-secret-file "$sf" --watch -o "$OUT"
	wait_for '[[ -s $OUT ]]'
	# the server takes both while the file is replaced (as the kubelet
	# does it: a new file renamed over the old), then the new one only
	new=rotated-$(ct_random_alnum 24)
	CREDS_CHANGED=1
	mock_add_creds "$COLLIBRA_CLIENT_ID" "$new"
	(umask 077 && printf '%s\n' "$new" >"$sf.new")
	mv "$sf.new" "$sf"
	await_line "$ERR" "watch: the secret in $sf changed; the new one is used" 60
	mock_set_creds "$COLLIBRA_CLIENT_ID" "$new"
	n=$(mock_requests)
	wait_for '(( $(requests_since "$n") >= 1 ))' 300 || fail "no refresh"
	wait_for '[[ $(mock_last_field auth_ok) == true ]]' || fail "refused"
	kill -0 "$WATCH_PID" || fail "the watch ended: $(cat "$ERR")"
	# a file that cannot be read keeps the secret read before
	rm "$sf"
	await_line "$ERR" "cannot open $sf: .*; the secret read before is kept" 60
	n=$(mock_requests)
	wait_for '(( $(requests_since "$n") >= 1 ))' 300 || fail "no refresh"
	kill -0 "$WATCH_PID" || fail "the watch ended: $(cat "$ERR")"
	mock_set_creds "$COLLIBRA_CLIENT_ID" "$COLLIBRA_CLIENT_SECRET"
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
	run -0 cat "$ERR"
	refute_output --partial "$new"
	refute_output --partial "$COLLIBRA_CLIENT_SECRET"
	refute_output --partial "$MOCK_TOKEN"
}

@test "--watch: negative: a secret read once (standard input) is not read again" {
	local n
	n=$(mock_requests)
	printf '%s\n' "$COLLIBRA_CLIENT_SECRET" >"$BATS_TEST_TMPDIR/in"
	# as bg_ct, with the secret on standard input
	ERR=$BATS_TEST_TMPDIR/err
	env -u COLLIBRA_CLIENT_SECRET "$CT" -v --url "$MOCK_URL/expires/3" \
	    --no-cache --client-secret-file - --watch -o "$OUT" \
	    <"$BATS_TEST_TMPDIR/in" 2>"$ERR" &
	WATCH_PID=$!
	wait_for '(( $(requests_since "$n") >= 3 ))' 300 || fail "no refreshes"
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
	run -0 cat "$ERR"
	refute_output --partial 'the secret in'
	refute_output --partial 'read before is kept'
}

# --- a service manager's notifications (item 4) -------------------------

# listen ADDRESS: tests/lib/notify-listen.py on ADDRESS (a path or
# @NAME), logging to $NLOG whether $OUT existed at each message.
listen() {
	NLOG=$BATS_TEST_TMPDIR/notify.log
	"$MOCK_PYTHON" -S "$BATS_TEST_DIRNAME/lib/notify-listen.py" "$1" \
	    "$NLOG" "$OUT" &
	LISTEN_PID=$!
	wait_for '[[ -e $NLOG ]]' || fail "the listener did not start"
}

@test "--watch: NOTIFY_SOCKET: READY=1 once the file is written (a slow first fetch), STATUS= with it, STOPPING=1 at SIGTERM" {
	listen "$BATS_TEST_TMPDIR/notify"
	NOTIFY_SOCKET=$BATS_TEST_TMPDIR/notify bg_ct "$CT" \
	    --url "$MOCK_URL/delay/1" --no-cache --watch -o "$OUT"
	await_line "$NLOG" '^READY=1'
	run -0 cat "$NLOG"
	assert_line --index 0 "READY=1	file=yes"
	assert_line --index 1 --regexp "^STATUS=token in $OUT; next refresh in [0-9]+ s	file=yes\$"
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
	await_line "$NLOG" '^STOPPING=1'
	run -0 cat "$NLOG"
	refute_output --partial "$MOCK_TOKEN"
}

@test "--watch: NOTIFY_SOCKET: negative: a file that cannot be written gives no READY=1, a STATUS= line with the error" {
	listen "$BATS_TEST_TMPDIR/notify"
	NOTIFY_SOCKET=$BATS_TEST_TMPDIR/notify run --separate-stderr "$CT" \
	    --no-cache --watch -o "$BATS_TEST_TMPDIR/missing/token"
	assert_equal "$status" 1
	await_line "$NLOG" '^STATUS=-o: cannot write'
	run -1 grep -c '^READY=1' "$NLOG"
	assert_output 0
}

@test "--watch: NOTIFY_SOCKET in the abstract namespace (@NAME): a STATUS= line at each refresh" {
	[[ $(uname) == Linux ]] || skip "abstract sockets are Linux's"
	local name=@ct-notify-$$-$BATS_TEST_NUMBER
	listen "$name"
	NOTIFY_SOCKET=$name bg_ct "$CT" --url "$MOCK_URL/expires/3" \
	    --no-cache --watch -o "$OUT"
	await_line "$NLOG" '^STATUS=token refreshed; next refresh in [0-9]+ s' 60
	run -0 grep -c '^READY=1' "$NLOG"
	assert_output 1
	kill -TERM "$WATCH_PID"
	reap
}

@test "--watch: NOTIFY_SOCKET: negative: a wrong secret gives a STATUS= line with the error, no READY=1" {
	listen "$BATS_TEST_TMPDIR/notify"
	NOTIFY_SOCKET=$BATS_TEST_TMPDIR/notify run --separate-stderr "$CT" \
	    --client-secret "wrong-$(ct_random_alnum 8)" --no-cache --watch -o "$OUT"
	assert_equal "$status" 11
	await_line "$NLOG" '^STATUS=.*invalid_client'
	run -1 grep -c '^READY=1' "$NLOG"
	assert_output 0
	[[ ! -e $OUT ]]
}

@test "--watch: NOTIFY_SOCKET: a refresh that fails says so in STATUS= and the watch goes on" {
	listen "$BATS_TEST_TMPDIR/notify"
	echo expires/3 >"$CT_MOCK_DIR/switch-notify"
	NOTIFY_SOCKET=$BATS_TEST_TMPDIR/notify bg_ct "$CT" \
	    --url "$MOCK_URL/switch/notify" --no-cache --watch -o "$OUT"
	await_line "$NLOG" '^READY=1'
	echo status/503 >"$CT_MOCK_DIR/switch-notify"
	await_line "$NLOG" '^STATUS=refresh failed: .*; retrying in [0-9]+ s' 60
	echo expires/3 >"$CT_MOCK_DIR/switch-notify"
	await_line "$NLOG" '^STATUS=token refreshed' 60
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
}

@test "--watch: NOTIFY_SOCKET is not passed to the command; exec mode passes it on" {
	NOTIFY_SOCKET=$BATS_TEST_TMPDIR/notify run --separate-stderr "$CT" \
	    --watch -- sh -c 'echo "${NOTIFY_SOCKET-unset}"'
	assert_success
	assert_output unset
	NOTIFY_SOCKET=$BATS_TEST_TMPDIR/notify run --separate-stderr "$CT" \
	    -- sh -c 'echo "${NOTIFY_SOCKET-unset}"'
	assert_success
	assert_output "$BATS_TEST_TMPDIR/notify"
}
