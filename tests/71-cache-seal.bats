#!/usr/bin/env bats
# What a cache entry is bound to and how it is sealed: the secret read
# only for a fetch (command runs, prompts), the identity of an entry
# (secret source, TLS and proxy settings, -k), entries of the previous
# release, the libraries a hit loads, the directory and its parent,
# and signals while waiting for another process's fetch.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_TEST_TMPDIR/cache
	CACHE=$COLLIBRA_TOKEN_CACHE_DIR
	export XDG_STATE_HOME=$BATS_TEST_TMPDIR/state
	SECRET=$COLLIBRA_CLIENT_SECRET
	PTY=$CT_LIB/pty-run.py
	PROMPT="Client secret for $COLLIBRA_CLIENT_ID: "
	# the secret command counts its runs, one line each, and prints the
	# secret from a file: the command string never holds the secret
	export CT_SECRET_PATH=$BATS_TEST_TMPDIR/secret
	export CT_RUNS=$BATS_TEST_TMPDIR/runs
	printf '%s\n' "$SECRET" >"$CT_SECRET_PATH"
	: >"$CT_RUNS"
	CMD='echo run >>"$CT_RUNS"; cat "$CT_SECRET_PATH"'
}

# entries: how many entries (not locks, errors or temporary files).
entries() {
	find "$CACHE" -maxdepth 1 -type f -regex '.*/[0-9a-f]*' | wc -l
}

runs() {
	wc -l <"$CT_RUNS"
}

# v1_name URL: the name the previous release gave this client's entry.
v1_name() {
	printf 'collibra-token cache v1\0%s\0%s\0\0' "$1" "$COLLIBRA_CLIENT_ID" |
		sha256sum | cut -c1-32
}

# --- the secret only for a fetch --------------------------------------------

@test "a secret command runs on a miss and on --refresh, never on a hit" {
	local n
	unset COLLIBRA_CLIENT_SECRET
	n=$(mock_requests)
	run --separate-stderr "$CT" --client-secret-command "$CMD"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(runs)" 1
	run --separate-stderr "$CT" -v --client-secret-command "$CMD"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cache: hit'
	assert_regex "$stderr" 'client secret: read only for a fetch \(--client-secret-command\)'
	assert_equal "$(runs)" 1
	COLLIBRA_CLIENT_SECRET_COMMAND=$CMD run --separate-stderr "$CT"
	assert_success
	assert_equal "$(runs)" 1
	run --separate-stderr "$CT" --refresh --client-secret-command "$CMD"
	assert_success
	assert_equal "$(runs)" 2
	assert_equal "$(requests_since "$n")" 2
	refute_leak
}

@test "32 concurrent cold calls with a secret command: one request, the command ran once" {
	local n i
	unset COLLIBRA_CLIENT_SECRET
	n=$(mock_requests)
	for i in $(seq 32); do
		"$CT" --url "$MOCK_URL/delay/0.5" --client-secret-command "$CMD" \
			>"$BATS_TEST_TMPDIR/out.$i" 2>"$BATS_TEST_TMPDIR/err.$i" &
	done
	wait
	assert_equal "$(requests_since "$n")" 1
	assert_equal "$(runs)" 1
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/out.* | sort -u)" "$MOCK_TOKEN"
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/out.* | wc -l)" 32
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/err.*)" ''
}

@test "a failing secret command is shared with the waiting processes" {
	local i cmd
	unset COLLIBRA_CLIENT_SECRET
	# the command fails once the 7 others wait for it (10 s at most)
	cmd='echo run -0 >>"$CT_RUNS"; i=0
		while [ "$(cat "${CT_RUNS%/*}"/err.* | grep -c "waiting for another")" -lt 7 ] &&
		    [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done; exit 3'
	for i in $(seq 8); do
		{
			rc=0
			"$CT" -v --client-secret-command "$cmd" \
				>/dev/null 2>"$BATS_TEST_TMPDIR/err.$i" || rc=$?
			echo "$rc" >"$BATS_TEST_TMPDIR/rc.$i"
		} &
	done
	wait
	assert_equal "$(runs)" 1
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/err.* | grep -c 'waiting for another')" 7
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/rc.* | sort -u)" 2
	for i in $(seq 8); do
		grep -qxF 'collibra-token: --client-secret-command: command failed (exit 3)' \
			"$BATS_TEST_TMPDIR/err.$i" || fail "err.$i: $(cat "$BATS_TEST_TMPDIR/err.$i")"
	done
}

@test "a different secret command is a different entry" {
	local n
	unset COLLIBRA_CLIENT_SECRET
	n=$(mock_requests)
	run -0 --separate-stderr "$CT" --client-secret-command "$CMD"
	run --separate-stderr "$CT" --client-secret-command "$CMD # other"
	assert_success
	assert_equal "$(runs)" 2
	assert_equal "$(requests_since "$n")" 2
	assert_equal "$(entries)" 2
	# nor is a literal secret's entry served to a command, or back
	run -0 --separate-stderr "$CT" --client-secret-file "$CT_SECRET_PATH"
	assert_equal "$(requests_since "$n")" 3
	assert_equal "$(entries)" 3
}

@test "an entry of a secret command is sealed with the user's cache key, 0600, outside the cache" {
	local key=$XDG_STATE_HOME/collibra-token/cache-key
	rm -rf "$XDG_STATE_HOME"
	unset COLLIBRA_CLIENT_SECRET
	run --separate-stderr "$CT" --client-secret-command "$CMD"
	assert_success
	assert_equal "$(stat -c %a "$key")" 600
	assert_equal "$(stat -c %s "$key")" 32
	assert_equal "$(stat -c %a "$(dirname "$key")")" 700
	run ! grep -qF "$MOCK_TOKEN" "$CACHE"/*
	# without the key the entry is useless: a miss, and the command runs
	mv "$key" "$key.saved"
	run --separate-stderr "$CT" -v --client-secret-command "$CMD"
	assert_success
	assert_regex "$stderr" 'cache: rejected \(no key\)'
	assert_equal "$(runs)" 2
	# a key file that others may read is refused, with a warning
	chmod 0644 "$key"
	run --separate-stderr "$CT" --client-secret-command "$CMD"
	assert_success
	assert_regex "$stderr" "warning: cache key $key: not a file of ours, mode 0600"
	assert_equal "$(runs)" 3
}

@test "the prompt shows on a miss only" {
	local n
	unset COLLIBRA_CLIENT_SECRET
	export CT_TYPED=$SECRET
	n=$(mock_requests)
	run --separate-stderr "$PTY" --expect "$PROMPT" --send-env CT_TYPED -- "$CT"
	assert_success
	[[ $output == *"$MOCK_TOKEN"* ]]
	# a hit: no prompt, even without a terminal
	run --separate-stderr "$PTY" -- "$CT"
	assert_success
	[[ $output != *"$PROMPT"* ]]
	[[ $output == *"$MOCK_TOKEN"* ]]
	run --separate-stderr "$CT" </dev/null
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(requests_since "$n")" 1
	# a miss without a terminal still says what was tried
	run --separate-stderr "$CT" --refresh </dev/null
	assert_equal "$status" 2
	assert_regex "$stderr" 'no client secret: tried'
}

@test "a wrong literal secret with a warm cache gets the server's invalid_client" {
	local n
	run -0 --separate-stderr "$CT" --client-secret-file "$CT_SECRET_PATH"
	n=$(mock_requests)
	echo wrong-secret >"$BATS_TEST_TMPDIR/wrong"
	run --separate-stderr "$CT" --client-secret-file "$BATS_TEST_TMPDIR/wrong"
	assert_equal "$status" 11
	assert_output ''
	run --separate-stderr env COLLIBRA_CLIENT_SECRET=wrong-secret "$CT"
	assert_equal "$status" 11
	assert_equal "$(requests_since "$n")" 2
}

# --- identity: what decides who answered ------------------------------------

@test "-k neither reads nor writes the cache, and says so with -v" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" -k -v
	assert_success
	assert_regex "$stderr" 'cache: off \(--insecure'
	assert_equal "$(entries)" 0
	# a verifying run does not get the -k token: it asks the server
	run --separate-stderr "$CT"
	assert_success
	assert_equal "$(requests_since "$n")" 2
	# and a warm cache is not served to -k either
	run --separate-stderr "$CT" -k
	assert_success
	assert_equal "$(requests_since "$n")" 3
}

@test "CA file, CA directory and auth method are part of an entry's identity" {
	local n
	n=$(mock_requests)
	run -0 --separate-stderr "$CT"
	run -0 --separate-stderr "$CT"
	assert_equal "$(requests_since "$n")" 1
	cp "$SSL_CERT_FILE" "$BATS_TEST_TMPDIR/ca.pem"
	run --separate-stderr "$CT" --cacert "$BATS_TEST_TMPDIR/ca.pem"
	assert_success
	assert_equal "$(requests_since "$n")" 2
	# --capath alone replaces the exported CA file: a hashed copy of it
	mkdir "$BATS_TEST_TMPDIR/capath"
	cp "$SSL_CERT_FILE" "$BATS_TEST_TMPDIR/capath/"
	openssl rehash "$BATS_TEST_TMPDIR/capath" 2>/dev/null ||
		c_rehash "$BATS_TEST_TMPDIR/capath" >/dev/null
	run --separate-stderr "$CT" --capath "$BATS_TEST_TMPDIR/capath"
	assert_success
	assert_equal "$(requests_since "$n")" 3
	run --separate-stderr "$CT" --auth-method post
	assert_success
	assert_equal "$(requests_since "$n")" 4
	run -0 --separate-stderr "$CT" --auth-method post
	assert_equal "$(requests_since "$n")" 4
}

@test "the proxy is part of an entry's identity" {
	local n
	n=$(mock_requests)
	run -0 --separate-stderr "$CT"
	# a proxy that is not there: a new entry is looked for, so the run
	# tries the proxy (and fails) instead of printing the cached token
	run --separate-stderr "$CT" --proxy http://127.0.0.1:9 --retries 0
	assert_failure
	assert_output ''
	assert_equal "$(requests_since "$n")" 1
}

# --- entries of the previous release -----------------------------------------

@test "an entry of the previous release (CTK1) is removed and replaced, silently" {
	local old n
	old=$(v1_name "$MOCK_URL/rest/oauth/v2/token")
	mkdir -m 0700 "$CACHE"
	cp "$BATS_TEST_DIRNAME/fixtures/ctk1-entry" "$CACHE/$old"
	cp "$BATS_TEST_DIRNAME/fixtures/ctk1-entry.err" "$CACHE/$old.err"
	[ "$(head -c 4 "$CACHE/$old")" = CTK1 ]
	n=$(mock_requests)
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$stderr" ''
	[ ! -e "$CACHE/$old" ]
	[ ! -e "$CACHE/$old.err" ]
	assert_equal "$(entries)" 1
	[ "$(head -c 4 "$(find "$CACHE" -maxdepth 1 -type f -regex '.*/[0-9a-f]*')")" = CTK3 ]
	run -0 --separate-stderr "$CT" -v
	assert_regex "$stderr" 'cache: hit'
	assert_equal "$(requests_since "$n")" 1
	# -v says so
	cp "$BATS_TEST_DIRNAME/fixtures/ctk1-entry" "$CACHE/$old"
	run -0 --separate-stderr "$CT" -v --refresh
	assert_regex "$stderr" 'cache: removed an entry of the previous release \(CTK1\)'
}

@test "a CTK1 entry where an entry belongs is recognised, ignored and replaced" {
	local e
	run -0 --separate-stderr "$CT"
	e=$(find "$CACHE" -maxdepth 1 -type f -regex '.*/[0-9a-f]*')
	cp "$BATS_TEST_DIRNAME/fixtures/ctk1-entry" "$e"
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$stderr" ''
	run -0 --separate-stderr "$CT" -v
	assert_regex "$stderr" 'cache: hit'
	cp "$BATS_TEST_DIRNAME/fixtures/ctk1-entry" "$e"
	run -0 --separate-stderr "$CT" -v
	assert_regex "$stderr" 'cache: rejected \(an entry of the previous release \(CTK1\)\)'
}

@test "--clear-cache removes the entries of a literal secret, a prompt, the command given, and CTK1" {
	local old
	unset COLLIBRA_CLIENT_SECRET
	old=$(v1_name "$MOCK_URL/rest/oauth/v2/token")
	"$CT" --client-secret-file "$CT_SECRET_PATH" >/dev/null
	"$CT" --client-secret-command "$CMD" >/dev/null
	cp "$BATS_TEST_DIRNAME/fixtures/ctk1-entry" "$CACHE/$old"
	assert_equal "$(entries)" 3
	run --separate-stderr "$CT" --clear-cache --client-secret-command "$CMD"
	assert_success
	assert_equal "$(entries)" 0
	assert_equal "$(runs)" 1
}

# --- what a hit loads --------------------------------------------------------

@test "a hit loads neither libcrypto nor libcurl (LD_DEBUG=libs), with a secret file or command" {
	unset COLLIBRA_CLIENT_SECRET
	# a miss loads libcurl: the check below can see it
	run --separate-stderr env LD_DEBUG=libs "$CT" --client-secret-file "$CT_SECRET_PATH"
	assert_success
	assert_regex "$stderr" 'calling init: .*libcurl'
	run --separate-stderr env LD_DEBUG=libs "$CT" --client-secret-file "$CT_SECRET_PATH"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'calling init: .*libsodium'
	refute_regex "$stderr" 'libcrypto|libcurl|libssl'
	"$CT" --client-secret-command "$CMD" >/dev/null
	run --separate-stderr env LD_DEBUG=libs "$CT" --client-secret-command "$CMD"
	assert_success
	assert_output "$MOCK_TOKEN"
	refute_regex "$stderr" 'libcrypto|libcurl|libssl'
	assert_equal "$(runs)" 1
}

# --- the directory -------------------------------------------------------------

@test "a symlink planted at the cache directory is not followed" {
	local target=$BATS_TEST_TMPDIR/elsewhere
	mkdir -m 0700 "$target"
	printf 'x' >"$target/keep.tmp.1"
	touch -d '2 hours ago' "$target/keep.tmp.1"
	ln -s "$target" "$CACHE"
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" "warning: cache directory $CACHE is a symbolic link or not a directory; going on without a cache"
	assert_equal "$(ls -A "$target")" keep.tmp.1
}

@test "a parent writable by others is refused unless sticky" {
	local p=$BATS_TEST_TMPDIR/shared
	mkdir -m 0777 "$p"
	chmod 0777 "$p"
	run --separate-stderr "$CT" --cache-dir "$p/collibra-token"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" "warning: cache directory $p/collibra-token: its parent is writable by group or others; going on without a cache"
	[ ! -e "$p/collibra-token" ]
	chmod 1777 "$p"
	run --separate-stderr "$CT" --cache-dir "$p/collibra-token"
	assert_success
	assert_equal "$stderr" ''
	[ -d "$p/collibra-token" ]
}

@test "only temporary files with our exact names are removed" {
	local e
	run -0 --separate-stderr "$CT"
	e=$(find "$CACHE" -maxdepth 1 -type f -regex '.*/[0-9a-f]*')
	printf 'x' >"$e.tmp.0123456789abcdef"
	printf 'x' >"$e.err.tmp.0123456789abcdef"
	printf 'x' >"$CACHE/notes.tmp.1"
	printf 'x' >"$e.tmp.0123456789abcdefX"
	touch -d '2 hours ago' "$CACHE"/*.tmp.*
	run --separate-stderr "$CT" --refresh
	assert_success
	[ ! -e "$e.tmp.0123456789abcdef" ]
	[ ! -e "$e.err.tmp.0123456789abcdef" ]
	[ -e "$CACHE/notes.tmp.1" ] && [ -e "$e.tmp.0123456789abcdefX" ]
}

# Review of the src/ restructure (issue 21 item 12): the one sweeper missed
# an error record's temporaries (.NAME.err.PID.RANDOM) and removed any
# .NAME.PID.RANDOM in the cache directory, names of other programs too.
@test "temporaries a dead writer left: the entry's and the error record's go, other names stay" {
	local e dead
	run -0 --separate-stderr "$CT"
	e=$(find "$CACHE" -maxdepth 1 -type f -regex '.*/[0-9a-f]*')
	e=${e##*/}
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	: >"$CACHE/.$e.$dead.0123456789ab"
	: >"$CACHE/.$e.err.$dead.0123456789ab"
	: >"$CACHE/.$e.$$.0123456789ab"
	: >"$CACHE/.notes.$dead.0123456789ab"
	: >"$CACHE/.$e.x.$dead.0123456789ab"
	run -0 --separate-stderr "$CT" --refresh
	assert_equal "$(find "$CACHE" -maxdepth 1 -name '.?*' -printf '%f\n' |
		sort | tr '\n' ' ')" \
		".$e.$$.0123456789ab .$e.x.$dead.0123456789ab .notes.$dead.0123456789ab "
}

# --- signals while waiting -------------------------------------------------------

# wait_signal SIG STATUS: a run waiting on a held lock ends at once on SIG.
wait_signal() {
	local name pid rc=0
	"$CT" -v --url "$MOCK_URL/delay/1" >/dev/null 2>"$BATS_TEST_TMPDIR/first"
	name=$(sed -n 's|.*cache: .*/\([0-9a-f]\{32\}\) (.*|\1|p' "$BATS_TEST_TMPDIR/first")
	rm "$CACHE/$name"
	exec 9>>"$CACHE/$name.lock"
	flock 9
	# a child of python with SIGINT at its default, unlike a background job
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$CT" -v --timeout 60 --url "$MOCK_URL/delay/1" \
		>/dev/null 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	# the signal once it waits, not while python may still be starting
	await_line "$BATS_TEST_TMPDIR/err" 'waiting for another collibra-token'
	SECONDS=0
	kill -s "$1" "$pid"
	wait "$pid" || rc=$?
	exec 9>&-
	assert_equal "$rc" "$2"
	# at once: not when the wait ends at --timeout 60, with a margin that
	# a loaded sanitizer run meets
	((SECONDS <= 10))
}

@test "SIGTERM ends the wait for another process's fetch at once (143)" {
	wait_signal TERM 143
}

@test "SIGINT ends the wait for another process's fetch at once (130)" {
	wait_signal INT 130
}
