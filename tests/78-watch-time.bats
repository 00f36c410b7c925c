#!/usr/bin/env bats
# --watch over real time (issue 16): a sleep on a timer of the clock that
# counts suspend, outages outlived by a command, the command's process
# group and parent death, hangups, job control, the token directory
# through checked descriptors, stale and foreign XDG_RUNTIME_DIR, full
# disks and -o temporary files.  The mock's switch/NAME scenario answers
# as the file switch-NAME says; sw flips it.  No fixed sleeps: each step
# waits, bounded, for a file, a -v line, a request or a pid.

load helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-90}

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	OUT=$BATS_TEST_TMPDIR/out/token
	mkdir -p "$BATS_TEST_TMPDIR/out"
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -m 700 "$TMPDIR"
	SW=t$BATS_TEST_NUMBER
	URL=$MOCK_URL/switch/$SW
	sw stamped/3
	C=$BATS_TEST_TMPDIR/c		# the command's files
	mkdir -p "$C"
}

teardown() {
	local f
	[[ -z ${WATCH_PID-} ]] || kill -KILL "$WATCH_PID" 2>/dev/null || true
	# a command or its child that outlived a failed test holds bats' output
	for f in "$C/pid" "$C/grandchild"; do
		[[ ! -s $f ]] || kill -KILL "$(cat "$f")" 2>/dev/null || true
	done
	[[ -z ${MNT-} ]] || umount "$MNT" 2>/dev/null || true
}

# sw SCENARIO: how the mock answers from now on (see sc_switch).
sw() {
	printf '%s\n' "$1" >"$CT_MOCK_DIR/switch-$SW.tmp"
	mv "$CT_MOCK_DIR/switch-$SW.tmp" "$CT_MOCK_DIR/switch-$SW"
}

# alive PID: running (a zombie nobody reaped yet counts as dead)
alive() {
	kill -0 "$1" 2>/dev/null &&
		[[ $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) != Z ]]
}

# a command that says it runs, writes its pid, and ends with status 7
# (printing the token file) when $C/stop appears
JOB='echo $$ >"$C/pid"; echo "$COLLIBRA_TOKEN_FILE" >"$C/file"
	while [ ! -e "$C/stop" ]; do sleep 0.1; done
	cat "$COLLIBRA_TOKEN_FILE" >"$C/last"; exit 7'

# asleep_in_poll PID: PID sleeps in poll(2) or ppoll(2), on any Linux
# architecture: its wait channel is the kernel's poll sleep where the
# kernel names it (also under qemu-user, which sleeps in the host's
# poll), else its system call is poll's or ppoll's in this architecture's
# numbers (issue 25 item 3: the x86_64 and arm64 numbers alone made the
# test time out on i386, where the watch sits in syscall 168).
asleep_in_poll() {
	local wchan nr
	wchan=$(cat "/proc/$1/wchan" 2>/dev/null) || wchan=
	if [[ -n $wchan && $wchan != 0 ]]; then
		[[ $wchan == *poll* ]]
		return
	fi
	read -r nr _ <"/proc/$1/syscall" || return 1
	case $(uname -m) in
	# x86_64's poll and ppoll, and i386's for a 32-bit userland
	x86_64) [[ " 7 271 168 309 414 " == *" $nr "* ]] ;;
	i?86) [[ " 168 309 414 " == *" $nr "* ]] ;;
	aarch64 | riscv64) [[ " 73 " == *" $nr "* ]] ;;
	arm*) [[ " 168 336 414 " == *" $nr "* ]] ;;
	s390x) [[ " 168 302 " == *" $nr "* ]] ;;
	ppc64*) [[ " 167 281 " == *" $nr "* ]] ;;
	*) echo "asleep_in_poll: no poll numbers for $(uname -m)" >&2; return 1 ;;
	esac
}

@test "idle: the watch sleeps on an absolute CLOCK_BOOTTIME timer until the refresh is due" {
	[[ $(uname -s) == Linux ]] || skip "timerfd is Linux's"
	[[ $CT != *-asan ]] || skip "the fallback build polls (at most a minute)"
	export C
	bg_ct "$CT" --url "$MOCK_URL/expires/3600" --no-cache --watch -- sh -c "$JOB"
	wait_for '[[ -s $C/file ]]' 200
	local fd info=
	for fd in /proc/"$WATCH_PID"/fd/*; do
		[[ $(readlink "$fd") == 'anon_inode:[timerfd]' ]] || continue
		info=$(cat /proc/"$WATCH_PID"/fdinfo/"${fd##*/}")
	done
	[[ -n $info ]] || fail "no timerfd"
	# CLOCK_BOOTTIME is 7; settime flags 1 is TFD_TIMER_ABSTIME
	grep -q '^clockid: 7$' <<<"$info" || fail "$info"
	grep -q '^settime flags: 01$' <<<"$info" || fail "$info"
	# due when a third of the lifetime is left: 2400 s from now
	local left
	left=$(sed -n 's/^it_value: (\([0-9]*\), .*/\1/p' <<<"$info")
	((left > 2300 && left <= 2400)) || fail "timer in $left s"
	# asleep in poll(2), not ticking
	wait_for 'asleep_in_poll "$WATCH_PID"' 50
	touch "$C/stop"
	reap
	assert_equal "$status" 7
}

@test "outage with a command: it runs on; one line when the token expired; a fresh token when the server answers" {
	export C
	local first n
	bg_ct "$CT" --url "$URL" --no-cache --retries 0 --watch -- sh -c "$JOB"
	wait_for '[[ -s $C/file ]]' 200
	first=$(cat "$(cat "$C/file")")
	[[ $first == "$MOCK_TOKEN".exp* ]]
	sw status/503
	wait_for 'grep -q "has expired" "$ERR"' 200
	# the command was neither stopped nor signalled
	alive "$(cat "$C/pid")"
	alive "$WATCH_PID"
	# after that line the retries go on quietly
	n=$(mock_requests)
	wait_for '(( $(requests_since "$n") >= 1 ))' 400
	assert_equal "$(grep -c 'has expired' "$ERR")" 1
	sw stamped/3600
	wait_for 'grep -q "a new token is in" "$ERR"' 400
	[[ $(cat "$(cat "$C/file")") != "$first" ]]
	[[ $(cat "$(cat "$C/file")") == "$MOCK_TOKEN".exp* ]]
	touch "$C/stop"
	reap
	assert_equal "$status" 7
	run -0 cat "$ERR"
	refute_output --partial "$MOCK_TOKEN"
}

@test "outage with -o: the watch still ends when the token in the file has expired" {
	bg_ct "$CT" --url "$URL" --no-cache --retries 0 --watch -o "$OUT"
	wait_for '[[ -s $OUT ]]' 200
	sw status/503
	reap
	assert_equal "$status" 5
	[[ ! -e $OUT ]]
	run -1 grep -c 'has expired' "$ERR"
	assert_output 0
}

@test "a final error stops the command's whole process group, and exits with its code" {
	export C
	bg_ct "$CT" --url "$URL" --no-cache --watch -- sh -c '
		sleep 600 & echo $! >"$C/grandchild"; wait'
	wait_for '[[ -s $C/grandchild ]]' 200
	alive "$(cat "$C/grandchild")"
	sw oauth/invalid_client
	reap
	assert_equal "$status" 11
	# the group got SIGTERM: the job's own child too, not orphaned
	wait_for '! alive "$(cat "$C/grandchild")"' 50
	grep -q invalid_client "$ERR"
}

@test "a command that exits during a slow refresh ends the watch at once, with its status" {
	export C
	local n
	bg_ct "$CT" --url "$URL" --no-cache --watch -- sh -c "$JOB"
	wait_for '[[ -s $C/file ]]' 200
	sw delay/60
	n=$(mock_requests)
	# the refresh is in progress when the server logged it
	wait_for '(( $(requests_since "$n") >= 1 ))' 200
	touch "$C/stop"
	# much sooner than the server's 60 s, or --timeout's 30
	wait_for '! alive "$WATCH_PID"' 100
	reap
	assert_equal "$status" 7
}

@test "SIGKILL of the watch: the command dies with it; the next watch removes the directory" {
	export C
	local dir
	bg_ct "$CT" --url "$MOCK_URL/expires/3600" --no-cache --watch -- sh -c "$JOB"
	wait_for '[[ -s $C/file ]]' 200
	dir=$(dirname "$(cat "$C/file")")
	[[ -d $dir && $(cat "$dir/pid") == "$WATCH_PID" ]]
	kill -KILL "$WATCH_PID"
	reap
	assert_equal "$status" 137
	if [[ $CT == *-asan ]]; then
		# the fallback build has no parent-death signal (see the man page)
		kill "$(cat "$C/pid")"
	fi
	wait_for '! alive "$(cat "$C/pid")"' 50
	[[ -d $dir ]]
	# a directory whose watch lives, and one that is not ours by name
	mkdir -m 700 "$XDG_RUNTIME_DIR/collibra-token-watch.live"
	echo $$ >"$XDG_RUNTIME_DIR/collibra-token-watch.live/pid"
	mkdir "$XDG_RUNTIME_DIR/other"
	run --separate-stderr "$CT" --url "$MOCK_URL/expires/3600" --no-cache \
		-v --watch -- true
	assert_success
	[[ ! -e $dir ]] || fail "the dead watch's directory is still there"
	[[ $stderr == *"removing ${dir##*/}, left by a watch that died"* ]]
	[[ -d $XDG_RUNTIME_DIR/collibra-token-watch.live ]]
	[[ -d $XDG_RUNTIME_DIR/other ]]
}

@test "SIGTERM, SIGHUP: forwarded to the command's group; the file and directory go when it ends" {
	export C
	local sig dir
	# (not SIGINT: sh starts its background jobs with SIGINT ignored)
	for sig in TERM HUP; do
		rm -f "$C"/*
		bg_ct "$CT" --url "$MOCK_URL/expires/3600" --no-cache --watch -- sh -c "
			trap 'exit 3' $sig; sleep 600 & echo \$! >\"\$C/grandchild\"
			echo \"\$COLLIBRA_TOKEN_FILE\" >\"\$C/file\"; wait; wait"
		wait_for '[[ -s $C/file ]]' 200
		dir=$(dirname "$(cat "$C/file")")
		kill -"$sig" "$WATCH_PID"
		reap
		assert_equal "$status" 3
		# the whole group got it: the job's own child too
		wait_for '! alive "$(cat "$C/grandchild")"' 50
		[[ ! -e $dir ]]
	done
}

@test "a hangup of the terminal the watch leads reaches the command once" {
	export C
	status=0
	"$MOCK_PYTHON" -S "$CT_LIB/pty-run.py" --timeout 20 \
		--expect ready --hangup -- \
		"$CT" --url "$MOCK_URL/expires/3600" --no-cache --watch -- sh -c '
			trap "echo got-HUP >>\"\$C/hup\"; exit 5" HUP
			echo ready; while :; do sleep 0.1; done' >/dev/null || status=$?
	assert_equal "$status" 5
	assert_equal "$(cat "$C/hup")" got-HUP
}

@test "job control: the command can read the terminal the watch was given" {
	local out
	status=0
	out=$("$MOCK_PYTHON" -S "$CT_LIB/pty-run.py" --timeout 20 \
		--expect 'name? ' --send ann -- \
		"$CT" --url "$MOCK_URL/expires/3600" --no-cache --watch -- sh -c '
			printf "name? "; read n; echo "hello $n"') || status=$?
	assert_equal "$status" 0
	[[ $out == *"hello ann"* ]] || fail "$out"
}

@test "job control: ^Z in an interactive shell stops the command and the watch; fg continues both" {
	local out
	status=0
	# (the command echoes "ready" without that word in its line; a read
	# the stop interrupted may come back empty, so it reads until "go")
	out=$(env PS1='prompt> ' "$MOCK_PYTHON" -S "$CT_LIB/pty-run.py" \
		--timeout 30 \
		--expect 'prompt> ' --send "$CT --url $MOCK_URL/expires/3600 --no-cache --watch -- sh -c 'echo re\"\"ady; until [ \"\$x\" = go ]; do read x; done; echo got-\$x'" \
		--expect ready --send $'\032' \
		--expect Stopped --send fg \
		--expect fg --send go \
		--expect got-go --send 'exit 0' -- \
		bash --norc --noprofile -i) || status=$?
	[[ $status == 0 ]] || fail "status $status: $out"
	[[ $out == *got-go* ]] || fail "$out"
}

@test "job control: ^Z without a shell to continue the watch (it leads the session) does not hang it" {
	status=0
	"$MOCK_PYTHON" -S "$CT_LIB/pty-run.py" --timeout 20 \
		--expect ready --send $'\032' \
		--expect '^Z' --send go -- \
		"$CT" --url "$MOCK_URL/expires/3600" --no-cache --watch -- sh -c '
			echo ready; read x; exit 4' >/dev/null || status=$?
	# not 124: the watch did not stop itself with nobody to continue it
	assert_equal "$status" 4
}

@test "XDG_RUNTIME_DIR missing: never created; the token file goes under TMPDIR, decided before any request" {
	export C
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/gone/run
	run --separate-stderr "$CT" --no-cache --watch -- sh -c \
		'echo "$COLLIBRA_TOKEN_FILE"; cat "$COLLIBRA_TOKEN_FILE" >/dev/null'
	assert_success
	[[ $output == "$TMPDIR/collibra-token-$(id -u)/collibra-token-watch."*/token ]] ||
		fail "$output"
	[[ $stderr == *"XDG_RUNTIME_DIR $XDG_RUNTIME_DIR"*"not used"* ]]
	[[ ! -e $BATS_TEST_TMPDIR/gone ]]
	assert_equal "$(stat -c %a "$TMPDIR/collibra-token-$(id -u)")" 700
	# the cache directory comes first when the cache is on
	run --separate-stderr env -u COLLIBRA_TOKEN_CACHE "$CT" --watch -- sh -c \
		'echo "$COLLIBRA_TOKEN_FILE"'
	assert_success
	[[ $output == "$COLLIBRA_TOKEN_CACHE_DIR/collibra-token-watch."*/token ]] ||
		fail "$output"
	# no safe place at all: exit 2, and the server was never asked
	local n
	n=$(mock_requests)
	mkdir -m 777 "$BATS_TEST_TMPDIR/open"
	TMPDIR=$BATS_TEST_TMPDIR/open/ run --separate-stderr "$CT" --no-cache \
		--watch -- true
	assert_equal "$status" 2
	[[ $stderr == *"no safe place for the token file"* ]]
	assert_equal "$(requests_since "$n")" 0
}

@test "XDG_RUNTIME_DIR another user owns, or a symlink: not used, nothing made in it" {
	[[ $(id -u) == 0 ]] || skip "chown to nobody needs root"
	chown nobody "$XDG_RUNTIME_DIR"
	run --separate-stderr "$CT" --no-cache --watch -- sh -c 'echo "$COLLIBRA_TOKEN_FILE"'
	assert_success
	[[ $stderr == *"owned by another user; not used"* ]]
	[[ $output == "$TMPDIR/"* ]]
	assert_equal "$(ls -A "$XDG_RUNTIME_DIR")" ''
	# a TMPDIR fallback another user made first is not used: a fresh
	# one beside it is (tests/73-token-paths.bats)
	[[ -d $TMPDIR/collibra-token-$(id -u) ]] ||
		mkdir -m 700 "$TMPDIR/collibra-token-$(id -u)"
	chown nobody "$TMPDIR/collibra-token-$(id -u)"
	run --separate-stderr "$CT" --no-cache --watch -- sh -c 'echo "$COLLIBRA_TOKEN_FILE"'
	assert_success
	[[ $output == "$TMPDIR/collibra-token-$(id -u)."*/token ]] || fail "$output"
	assert_equal "$(ls -A "$TMPDIR/collibra-token-$(id -u)")" ''
	# a symlink as XDG_RUNTIME_DIR is not followed
	mkdir -m 700 "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$BATS_TEST_TMPDIR/link"
	rmdir "$TMPDIR/collibra-token-$(id -u)"
	XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/link run --separate-stderr "$CT" \
		--no-cache --watch -- true
	assert_success
	[[ $stderr == *"a symbolic link or not a directory; not used"* ]]
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/elsewhere")" ''
}

@test "-o on a filesystem that fills up: the old file stays, the write is retried" {
	[[ $(id -u) == 0 ]] || skip "mounting a tmpfs needs root"
	MNT=$BATS_TEST_TMPDIR/small
	mkdir "$MNT"
	mount -t tmpfs -o size=64k,nr_inodes=64 tmpfs "$MNT" 2>/dev/null ||
		{ MNT=; skip "cannot mount a tmpfs here"; }
	local first
	# a 15 s token: refreshed after 5 s, then 10 s to outlive the full disk
	sw stamped/15
	bg_ct "$CT" --url "$URL" --no-cache --watch -o "$MNT/token"
	wait_for '[[ -s $MNT/token ]]' 200
	first=$(cat "$MNT/token")
	dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null || true
	wait_for 'grep -q "No space left on device; retrying" "$ERR"' 300
	alive "$WATCH_PID"
	assert_equal "$(cat "$MNT/token")" "$first"
	rm "$MNT/fill"
	wait_for '[[ $(cat "$MNT/token") != "$first" ]]' 200
	[[ $(cat "$MNT/token") == "$MOCK_TOKEN".exp* ]]
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
	# no temporary file is left
	assert_equal "$(ls -A "$MNT")" ''
}

@test "-o: temporary names a dead writer left are removed at the next write; others stay" {
	local dead
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	: >"$BATS_TEST_TMPDIR/out/.token.$dead.0123456789ab"
	: >"$BATS_TEST_TMPDIR/out/.token.$$.0123456789ab"
	: >"$BATS_TEST_TMPDIR/out/.token.Ab12Cd"
	: >"$BATS_TEST_TMPDIR/out/.other.$dead.0123456789ab"
	run --separate-stderr "$CT" --no-cache -o "$OUT"
	assert_success
	assert_equal "$(cd "$BATS_TEST_TMPDIR/out" && ls -A | sort | tr '\n' ' ')" \
		".other.$dead.0123456789ab .token.$$.0123456789ab .token.Ab12Cd token "
}
