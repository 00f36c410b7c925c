#!/usr/bin/env bats
# Where the token is written, and what is left alone on the way.  -o FILE
# replaces a regular file or makes one, and writes into a device, a FIFO
# or a symlink to one in a directory only root or we can write, never
# replacing or removing it; it works without /proc.  The token file of
# --watch -- COMMAND is reached only through directories that are ours or
# root's, up to /; the fallback when TMPDIR/collibra-token-UID is taken is
# a fresh directory beside it; the path is absolute; the directories and
# temporary files of a live watch or writer in another PID namespace are
# left alone, a dead one's are removed.  A second user (nobody), second
# PID namespaces (unshare -p) and a private mount namespace (unshare -m)
# stand in for the other parties.

load helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	T=$BATS_TEST_TMPDIR
	OUT=$T/out/token
	mkdir -p "$T/out"
	unset XDG_RUNTIME_DIR
	export TMPDIR=$T/tmp
	mkdir -m 700 "$TMPDIR"
	C=$T/c			# the command's files
	mkdir -p "$C"
	export C
	BG=()
}

teardown() {
	local p
	for p in "${BG[@]}"; do
		kill_tree "$p"
	done
}

# kill_tree PID: SIGKILL to PID and every process below it (the init of
# a PID namespace that unshare started outlives unshare otherwise).
kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do
		kill_tree "$c"
	done
	kill -KILL "$1" 2>/dev/null || true
}

# ct_below PID: the pid of the tool under test below PID, or nothing.
ct_below() {
	local c
	for c in $(pgrep -P "$1"); do
		if [[ $(readlink "/proc/$c/exe") == "$CT" ]]; then
			echo "$c"
			return
		fi
		ct_below "$c"
	done
}

# need_root WHAT: skip unless we are root (chown, mknod, namespaces).
need_root() {
	[[ $(id -u) == 0 ]] || skip "$1 needs root"
}

# need_pidns: skip unless unshare -p works here.
need_pidns() {
	need_root "a PID namespace"
	unshare -pf true 2>/dev/null || skip "unshare -p does not work here"
}

# bg CMD...: CMD in the background, stderr to $T/bg.N.err; its pid is
# appended to BG (killed in teardown) and is in $!.
bg() {
	"$@" 2>"$T/bg.${#BG[@]}.err" &
	BG+=("$!")
}

# in_pidns CMD...: CMD as PID 2 of a new PID namespace (PID 1 is a shell
# that waits for it), so that our PIDs and its PIDs are different numbers.
in_pidns() {
	unshare -pf sh -c '"$@"; exit $?' sh "$@"
}

# print_file: a command that prints $COLLIBRA_TOKEN_FILE and reads it.
PRINT_FILE='printf "%s\n" "$COLLIBRA_TOKEN_FILE"; cat "$COLLIBRA_TOKEN_FILE" >/dev/null'

# a command that says where its file is, waits for $C/stop, then prints
# what the file holds to $C/last and ends with status 7
HOLD='printf "%s\n" "$COLLIBRA_TOKEN_FILE" >"$C/file.tmp"; mv "$C/file.tmp" "$C/file"
	while [ ! -e "$C/stop" ]; do sleep 0.1; done
	cat "$COLLIBRA_TOKEN_FILE" >"$C/last"; exit 7'

# shared: $T/shared, a directory of nobody's (0755), holding me (ours,
# 0700) and me/run, me/tmp, me/cache (ours, 0700): the setting of
# finding 1, /srv/shared/me.
shared() {
	(umask 077 && mkdir -p "$T/shared/me/run" "$T/shared/me/tmp" \
	    "$T/shared/me/cache")
	chmod 755 "$T/shared"
	chown nobody "$T/shared"
}

# --- the token file of --watch -- COMMAND ---

# security review 3, finding 1
@test "watch: XDG_RUNTIME_DIR below a directory of another user, however far up, is not used" {
	need_root "chown to nobody"
	shared
	XDG_RUNTIME_DIR=$T/shared/me/run run --separate-stderr "$CT" --no-cache \
	    --watch -- sh -c "$PRINT_FILE"
	assert_success
	[[ $output == "$TMPDIR/collibra-token-0/collibra-token-watch."*/token ]] ||
	    fail "the token file is $output"
	[[ $stderr == *"XDG_RUNTIME_DIR $T/shared/me/run: "*"$T/shared"*"owned by another user; not used"* ]] ||
	    fail "stderr: $stderr"
	assert_equal "$(ls -A "$T/shared/me/run")" ''
}

# security review 3, finding 1
@test "watch: the cache directory below a directory of another user is not the token file's base" {
	need_root "chown to nobody"
	shared
	run --separate-stderr env -u COLLIBRA_TOKEN_CACHE "$CT" \
	    --cache-dir "$T/shared/me/cache" --watch -- sh -c "$PRINT_FILE"
	assert_success
	[[ $output == "$TMPDIR/collibra-token-0/collibra-token-watch."*/token ]] ||
	    fail "the token file is $output"
	[[ $stderr == *"$T/shared"*"owned by another user"* ]] ||
	    fail "stderr: $stderr"
	[[ -z $(find "$T/shared/me/cache" -name 'collibra-token-watch.*') ]] ||
	    fail "a token directory was made in the cache directory"
}

# security review 3, finding 1
@test "watch: TMPDIR below a directory of another user is not used either: exit 2, nothing asked" {
	need_root "chown to nobody"
	shared
	local n
	# shellcheck disable=SC2034 # read by requests_since
	n=$(mock_requests)
	TMPDIR=$T/shared/me/tmp run --separate-stderr "$CT" --no-cache \
	    --watch -- sh -c "$PRINT_FILE"
	assert_equal "$status" 2
	[[ $stderr == *"no safe place for the token file"* ]] ||
	    fail "stderr: $stderr"
	assert_equal "$(requests_since "$n")" 0
	assert_equal "$(ls -A "$T/shared/me/tmp")" ''
}

# security review 3, finding 1
@test "watch: on the way up, a directory others may write (unless root's and sticky) or another user's symlink is refused; root's are not" {
	need_root "chown to nobody"
	(umask 077 && mkdir -p "$T/gw/me/run" "$T/sticky/me/run" "$T/real/run")
	# group-writable, root's, not sticky: refused
	chmod 775 "$T/gw"
	XDG_RUNTIME_DIR=$T/gw/me/run run --separate-stderr "$CT" --no-cache \
	    --watch -- sh -c "$PRINT_FILE"
	assert_success
	[[ $output == "$TMPDIR/"* ]] || fail "the token file is $output"
	[[ $stderr == *"$T/gw"*"writable by group or others; not used"* ]] ||
	    fail "stderr: $stderr"
	# world-writable, root's and sticky, as /tmp is: used
	chmod 1777 "$T/sticky"
	XDG_RUNTIME_DIR=$T/sticky/me/run run --separate-stderr "$CT" --no-cache \
	    --watch -- sh -c "$PRINT_FILE"
	assert_success
	[[ $output == "$T/sticky/me/run/collibra-token-watch."*/token ]] ||
	    fail "the token file is $output; stderr: $stderr"
	# a symlink of root's on the way: followed
	ln -s real "$T/rootlink"
	XDG_RUNTIME_DIR=$T/rootlink/run run --separate-stderr "$CT" --no-cache \
	    --watch -- sh -c "$PRINT_FILE"
	assert_success
	[[ $output == "$T/rootlink/run/collibra-token-watch."*/token ]] ||
	    fail "the token file is $output; stderr: $stderr"
	# the same symlink, nobody's: refused
	ln -s real "$T/theirlink"
	chown -h nobody "$T/theirlink"
	XDG_RUNTIME_DIR=$T/theirlink/run run --separate-stderr "$CT" --no-cache \
	    --watch -- sh -c "$PRINT_FILE"
	assert_success
	[[ $output == "$TMPDIR/"* ]] || fail "the token file is $output"
	[[ $stderr == *"$T/theirlink"*"not used"* ]] || fail "stderr: $stderr"
}

# security review 3, finding 1
@test "watch: the swap of finding 1 (another user renames our directory away) cannot feed COMMAND their token" {
	need_root "chown to nobody"
	command -v setpriv >/dev/null || skip "no setpriv"
	shared
	chmod 755 "$T"		# nobody reaches $T/shared
	chmod 755 "$(dirname "$T")" "$(dirname "$(dirname "$T")")"
	export XDG_RUNTIME_DIR=$T/shared/me/run
	bg "$CT" --no-cache --watch -- sh -c "$HOLD"
	wait_for '[[ -s $C/file ]]' || fail "the command did not start: $(cat "$T"/bg.0.err)"
	# nobody renames me away and puts their own tree at the same path
	# (possible only when the file is below $T/shared)
	if setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    mv "$T/shared/me" "$T/shared/moved" 2>/dev/null; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    sh -c 'mkdir -p "$(dirname "$1")" && echo attacker-token >"$1"' \
		    sh "$(cat "$C/file")" 2>/dev/null || :
	fi
	touch "$C/stop"
	status=0
	wait "${BG[0]}" || status=$?
	assert_equal "$status" 7
	assert_equal "$(cat "$C/last")" "$MOCK_TOKEN"
}

# security review 3, finding 6
@test "watch: TMPDIR/collibra-token-UID taken by another user: a fresh 0700 directory beside it, and -v says so" {
	need_root "a directory of nobody's"
	command -v setpriv >/dev/null || skip "no setpriv"
	local uid
	uid=$(id -u)
	mkdir -m 1777 "$T/shared-tmp"
	chmod 755 "$T"
	chmod 755 "$(dirname "$T")" "$(dirname "$(dirname "$T")")"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    mkdir -m 755 "$T/shared-tmp/collibra-token-$uid"
	TMPDIR=$T/shared-tmp run --separate-stderr "$CT" --no-cache -v \
	    --watch -- sh -c "$PRINT_FILE"
	assert_success || fail "stderr: $stderr"
	[[ $output == "$T/shared-tmp/collibra-token-$uid."????????????/collibra-token-watch.*/token ]] ||
	    fail "the token file is $output; stderr: $stderr"
	[[ $stderr == *"$T/shared-tmp/collibra-token-$uid: owned by another user"*"$T/shared-tmp/collibra-token-$uid."* ]] ||
	    fail "stderr: $stderr"
	# nothing was made in theirs, and ours is gone with the watch
	assert_equal "$(ls -A "$T/shared-tmp/collibra-token-$uid")" ''
	assert_equal "$(ls -A "$T/shared-tmp")" "collibra-token-$uid"
	# a symlink of theirs at the fixed name: the same
	rmdir "$T/shared-tmp/collibra-token-$uid"
	mkdir "$T/theirs"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    ln -s "$T/theirs" "$T/shared-tmp/collibra-token-$uid"
	TMPDIR=$T/shared-tmp run --separate-stderr "$CT" --no-cache -v \
	    --watch -- sh -c "$PRINT_FILE; stat -c %a \"\$(dirname \"\$(dirname \"\$COLLIBRA_TOKEN_FILE\")\")\""
	assert_success
	[[ ${lines[0]} == "$T/shared-tmp/collibra-token-$uid."????????????/collibra-token-watch.*/token ]] ||
	    fail "the token file is ${lines[0]}; stderr: $stderr"
	assert_equal "${lines[1]}" 700
	assert_equal "$(ls -A "$T/theirs")" ''
}

# security review 3, finding 7
@test "watch: a relative cache directory still gives COMMAND an absolute COLLIBRA_TOKEN_FILE" {
	mkdir -p "$T/wd"
	cd "$T/wd"
	run --separate-stderr env -u COLLIBRA_TOKEN_CACHE "$CT" --cache-dir cache \
	    --watch -- sh -c 'cd / && printf "%s\n" "$COLLIBRA_TOKEN_FILE" && cat "$COLLIBRA_TOKEN_FILE"'
	assert_success || fail "stderr: $stderr"
	[[ ${lines[0]} == "$T/wd/cache/collibra-token-watch."*/token ]] ||
	    fail "the token file is ${lines[0]}; stderr: $stderr"
	assert_equal "${lines[1]}" "$MOCK_TOKEN"
	# COLLIBRA_TOKEN_CACHE_DIR, and cache_dir in the config file, too
	COLLIBRA_TOKEN_CACHE_DIR=cache2 run --separate-stderr \
	    env -u COLLIBRA_TOKEN_CACHE "$CT" --watch -- sh -c "$PRINT_FILE"
	assert_success
	[[ $output == "$T/wd/cache2/collibra-token-watch."*/token ]] ||
	    fail "the token file is $output; stderr: $stderr"
	printf '[default]\ncache_dir = cache3\n' | ct_write_config
	run --separate-stderr env -u COLLIBRA_TOKEN_CACHE \
	    -u COLLIBRA_TOKEN_CACHE_DIR "$CT" --watch -- sh -c "$PRINT_FILE"
	assert_success
	[[ $output == "$T/wd/cache3/collibra-token-watch."*/token ]] ||
	    fail "the token file is $output; stderr: $stderr"
}

# security review 3, finding 4
@test "watch: a starting watch in another PID namespace leaves a live watch's directory alone" {
	need_pidns
	export XDG_RUNTIME_DIR=$T/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	# the live watch is PID 2 of its namespace; the one that starts is
	# PID 1 of another, with no PID 2 yet
	bg in_pidns "$CT" --no-cache --watch -- sh -c "$HOLD"
	wait_for '[[ -s $C/file ]]' || fail "no command: $(cat "$T/bg.0.err")"
	assert_equal "$(cat "$(dirname "$(cat "$C/file")")/pid")" 2
	run --separate-stderr unshare -pf "$CT" --no-cache -v --watch -- true
	assert_success
	[[ -s $(cat "$C/file") ]] || fail "the live watch's token file is gone: $stderr"
	touch "$C/stop"
	status=0
	wait "${BG[0]}" || status=$?
	assert_equal "$status" 7
	assert_equal "$(cat "$C/last")" "$MOCK_TOKEN"
}

# security review 3, finding 4
@test "watch: a dead watch's directory is still removed from another PID namespace" {
	need_pidns
	local dir ct
	export XDG_RUNTIME_DIR=$T/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	bg in_pidns "$CT" --no-cache --watch -- sh -c "$HOLD"
	wait_for '[[ -s $C/file ]]' || fail "no command: $(cat "$T/bg.0.err")"
	dir=$(dirname "$(cat "$C/file")")
	# SIGKILL the watch (PID 2 there); the namespace ends with it
	ct=$(ct_below "${BG[0]}")
	[[ -n $ct ]] || fail "no watch below ${BG[0]}"
	kill -KILL "$ct"
	wait "${BG[0]}" || :
	[[ -d $dir ]]
	run --separate-stderr unshare -pf "$CT" --no-cache -v --watch -- true
	assert_success
	[[ ! -e $dir ]] || fail "the dead watch's directory is still there"
	[[ $stderr == *"removing ${dir##*/}, left by a watch that died"* ]] ||
	    fail "stderr: $stderr"
}

# --- -o FILE ---

# security review 3, finding 3
@test "-o: a character device (as /dev/null is) is written into, never replaced" {
	need_root "mknod"
	mknod -m 666 "$T/out/null" c 1 3 2>/dev/null ||
	    skip "mknod is not allowed here"
	run --separate-stderr "$CT" --no-cache -o "$T/out/null"
	assert_success
	[[ -c $T/out/null ]] || fail "$(ls -l "$T/out/null")"
	assert_equal "$(stat -c %a:%t,%T "$T/out/null")" 666:1,3
	assert_equal "$(ls -A "$T/out")" null
}

# security review 3, finding 3
@test "-o: a FIFO is written into for the reader that waits on it, never replaced" {
	mkfifo "$T/out/fifo"
	bg cat "$T/out/fifo" >"$C/read"
	run --separate-stderr "$CT" --no-cache -o "$T/out/fifo"
	assert_success
	# a replaced FIFO never gets a writer: its reader would wait forever
	wait_for '! kill -0 "${BG[0]}" 2>/dev/null' 50 || fail "the reader got nothing"
	assert_equal "$(cat "$C/read")" "$MOCK_TOKEN"
	[[ -p $T/out/fifo ]] || fail "$(ls -l "$T/out/fifo")"
	assert_equal "$(ls -A "$T/out")" fifo
}

# security review 3, finding 3
@test "-o: a symlink to a device in a directory only we can write (as /dev/stdout) is written through, never replaced" {
	ln -s /proc/self/fd/1 "$T/out/stdout"
	run --separate-stderr "$CT" --no-cache -o "$T/out/stdout"
	assert_success
	assert_output "$MOCK_TOKEN"
	[[ -L $T/out/stdout ]] || fail "$(ls -l "$T/out/stdout")"
	assert_equal "$(readlink "$T/out/stdout")" /proc/self/fd/1
	# a symlink to a regular file is still replaced, never followed
	echo keep >"$T/victim"
	ln -s "$T/victim" "$T/out/link"
	run --separate-stderr "$CT" --no-cache -o "$T/out/link"
	assert_success
	assert_equal "$(cat "$T/victim")" keep
	[[ -f $T/out/link && ! -L $T/out/link ]]
}

# security review 3, finding 3
@test "-o: a symlink to a device in a directory others can write is refused: exit 2" {
	mkdir -m 777 "$T/open"
	ln -s /dev/null "$T/open/null"
	run --separate-stderr "$CT" --no-cache -o "$T/open/null"
	assert_equal "$status" 2
	[[ $stderr == "collibra-token: -o: $T/open/null: "* ]] || fail "stderr: $stderr"
	[[ -L $T/open/null ]]
	[[ -c /dev/null ]]
}

# security review 3, finding 3
@test "-o: a socket is refused: exit 2" {
	"$MOCK_PYTHON" -S -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/out/sock"
	run --separate-stderr "$CT" --no-cache -o "$T/out/sock"
	assert_equal "$status" 2
	[[ $stderr == "collibra-token: -o: $T/out/sock: "*socket* ]] || fail "stderr: $stderr"
	[[ -S $T/out/sock ]]
}

# security review 3, finding 3
@test "--watch -o: a symlink to stdout is written through and left in place when the watch ends" {
	ln -s /proc/self/fd/1 "$T/out/stdout"
	bg "$CT" --no-cache --watch -o "$T/out/stdout" >"$C/stdout"
	wait_for '[[ -s $C/stdout ]]' || fail "nothing on stdout: $(ls -l "$T/out")"
	assert_equal "$(head -n 1 "$C/stdout")" "$MOCK_TOKEN"
	kill -TERM "${BG[0]}"
	status=0
	wait "${BG[0]}" || status=$?
	assert_equal "$status" 143
	[[ -L $T/out/stdout ]] || fail "$(ls -l "$T/out")"
	assert_equal "$(ls -A "$T/out")" stdout
}

# security review 3, finding 8
@test "-o and --watch -- COMMAND work without /proc (a chroot, a sandbox)" {
	need_root "a mount namespace"
	[[ $CT != *-asan ]] || skip "AddressSanitizer itself needs /proc"
	unshare -m --propagation private true 2>/dev/null ||
	    skip "unshare -m does not work here"
	run --separate-stderr unshare -m --propagation private sh -c \
	    'umount -l /proc && ! [ -e /proc/self ] && exec "$@"' sh \
	    "$CT" --no-cache -o "$OUT"
	assert_success
	assert_equal "$(cat "$OUT")" "$MOCK_TOKEN"
	assert_equal "$(ls -A "$T/out")" token
	run --separate-stderr unshare -m --propagation private sh -c \
	    'umount -l /proc && exec "$@"' sh \
	    "$CT" --no-cache --watch -- sh -c 'cat "$COLLIBRA_TOKEN_FILE"'
	assert_success
	assert_output "$MOCK_TOKEN"
}

# security review 3, finding 4
@test "-o: a live writer's temporary file in another PID namespace stays; a dead one's goes" {
	need_pidns
	local tmp=$T/out/.token.3.0123456789ab
	printf 'partial' >"$tmp"
	# the writer, PID 3 of its namespace, holds it (there is no PID 3 in
	# the namespace of the -o below)
	bg unshare -pf flock "$tmp" sh -c 'echo locked >"$C/locked"; exec sleep 60'
	wait_for '[[ -s $C/locked ]]'
	run --separate-stderr in_pidns "$CT" --no-cache -o "$OUT"
	assert_success
	[[ -e $tmp ]] || fail "a live writer's temporary file was removed"
	kill_tree "${BG[0]}"
	wait "${BG[0]}" || :
	wait_for 'flock -n "$tmp" true'
	run --separate-stderr in_pidns "$CT" --no-cache -o "$OUT"
	assert_success
	[[ ! -e $tmp ]] || fail "a dead writer's temporary file is still there"
	assert_equal "$(ls -A "$T/out")" token
}
