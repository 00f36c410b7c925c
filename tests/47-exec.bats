#!/usr/bin/env bats
# Exec mode: collibra-token [OPTIONS] -- COMMAND [ARGS...] runs COMMAND with
# the token in its environment and exits with its status.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	SECRET=$COLLIBRA_CLIENT_SECRET
	export CT_MARKER=inherited
	RAN=$BATS_TEST_TMPDIR/ran
}

# env_has NAME=VALUE: $output (from `-- env`) holds exactly this line.
env_has() {
	printf '%s\n' "$output" | grep -qxF -- "$1" || fail "no line '$1' in the child's environment"
}

# env_lacks PREFIX: no line of $output starts with PREFIX.
env_lacks() {
	if printf '%s\n' "$output" | grep -q "^$1"; then
		fail "the child's environment has $1..."
	fi
}

@test "the child sees the token, its type and expiry, and the rest of the environment" {
	local before after at
	before=$(date +%s)
	run --separate-stderr "$CT" -- env
	after=$(date +%s)
	assert_success
	env_has "COLLIBRA_TOKEN=$MOCK_TOKEN"
	env_has 'COLLIBRA_TOKEN_TYPE=Bearer'
	env_has 'CT_MARKER=inherited'
	at=$(printf '%s\n' "$output" | sed -n 's/^COLLIBRA_TOKEN_EXPIRES_AT=//p')
	assert_regex "$at" '^[0-9]+$'
	((at >= before + 3600 && at <= after + 3600))
	# the same moment in RFC 3339 (issue 23, item 13)
	env_has "COLLIBRA_TOKEN_EXPIRES_AT_RFC3339=$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ)"
	refute_leak
}

@test "the child gets an empty COLLIBRA_TOKEN_EXPIRES_AT without expires_in" {
	run --separate-stderr "$CT" --url "$MOCK_URL/noexpiry" -- env
	assert_success
	env_has 'COLLIBRA_TOKEN_EXPIRES_AT='
	env_has "COLLIBRA_TOKEN=$MOCK_TOKEN"
}

@test "--var and COLLIBRA_TOKEN_VAR name the child's variables" {
	unset COLLIBRA_TOKEN COLLIBRA_TOKEN_TYPE COLLIBRA_TOKEN_EXPIRES_AT
	run --separate-stderr "$CT" --var API_TOKEN -- env
	assert_success
	env_has "API_TOKEN=$MOCK_TOKEN"
	env_has 'API_TOKEN_TYPE=Bearer'
	assert_regex "$output" $'(^|\n)API_TOKEN_EXPIRES_AT=[0-9]+(\n|$)'
	env_lacks COLLIBRA_TOKEN=
	env_lacks COLLIBRA_TOKEN_TYPE=
	env_lacks COLLIBRA_TOKEN_EXPIRES_AT=
	COLLIBRA_TOKEN_VAR=ENV_T run --separate-stderr "$CT" -- env
	assert_success
	env_has "ENV_T=$MOCK_TOKEN"
	run --separate-stderr "$CT" --var 9bad -- env
	assert_equal "$status" 2
	assert_output ''
}

@test "the child does not inherit COLLIBRA_CLIENT_SECRET, _FILE or _COMMAND" {
	run --separate-stderr "$CT" -- env
	assert_success
	env_has 'CT_MARKER=inherited'
	env_lacks COLLIBRA_CLIENT_SECRET
	[[ $output != *"$SECRET"* ]]
	unset COLLIBRA_CLIENT_SECRET
	export CT_SECRET_PATH=$BATS_TEST_TMPDIR/secret
	printf '%s\n' "$SECRET" >"$CT_SECRET_PATH"
	COLLIBRA_CLIENT_SECRET_FILE=$CT_SECRET_PATH run --separate-stderr "$CT" -- env
	assert_success
	env_has "COLLIBRA_TOKEN=$MOCK_TOKEN"
	env_lacks COLLIBRA_CLIENT_SECRET
	COLLIBRA_CLIENT_SECRET_COMMAND='cat "$CT_SECRET_PATH"' run --separate-stderr "$CT" -- env
	assert_success
	env_has "COLLIBRA_TOKEN=$MOCK_TOKEN"
	env_has "CT_SECRET_PATH=$CT_SECRET_PATH"
	env_lacks COLLIBRA_CLIENT_SECRET
}

@test "stdout holds only the child's output; stdin reaches the child" {
	run --separate-stderr "$CT" -- printf 'child\n'
	assert_success
	assert_output child
	run --separate-stderr "$CT" -- true
	assert_success
	assert_output ''
	assert_equal "$stderr" ''
	run -0 --separate-stderr "$CT" -- cat < <(printf 'from-stdin\n')
	assert_output from-stdin
}

@test "the exit status is the child's" {
	run --separate-stderr "$CT" -- sh -c 'exit 7'
	assert_equal "$status" 7
	run --separate-stderr "$CT" -- false
	assert_equal "$status" 1
	run --separate-stderr "$CT" -- sh -c 'exit 0'
	assert_success
	run --separate-stderr "$CT" -- sh -c 'kill -TERM $$'
	assert_equal "$status" 143
}

@test "the tool execs the command: same process ID" {
	local pid
	"$CT" -- sh -c 'echo $$ >"$1"' _ "$BATS_TEST_TMPDIR/pid" &
	pid=$!
	wait "$pid"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/pid")" "$pid"
}

@test "the child's argv is exactly what was given, with no token" {
	local want
	run --separate-stderr "$CT" -- sh -c 'tr "\0" "\n" </proc/$$/cmdline' arg0 'a b' '$COLLIBRA_TOKEN' '' '-f'
	assert_success
	want=$(printf '%s\n' sh -c 'tr "\0" "\n" </proc/$$/cmdline' arg0 'a b' '$COLLIBRA_TOKEN' '' '-f')
	assert_equal "$output" "$want"
	[[ $output != *"$MOCK_TOKEN"* ]]
	# and the arguments after -- are not options of the tool
	run --separate-stderr "$CT" -- echo --url x -f json
	assert_success
	assert_output '--url x -f json'
}

@test "no shell: the command is looked up in PATH as one word" {
	run -127 --separate-stderr "$CT" -- 'echo hi'
	assert_equal "$status" 127
	assert_output ''
	assert_equal "$stderr" 'collibra-token: echo hi: command not found'
	run --separate-stderr "$CT" -- echo 'hi;touch x'
	assert_success
	assert_output 'hi;touch x'
}

@test "command not found is 127 with a message" {
	run -127 --separate-stderr "$CT" -- ct-no-such-command-here arg
	assert_equal "$status" 127
	assert_output ''
	assert_equal "$stderr" 'collibra-token: ct-no-such-command-here: command not found'
	refute_leak
}

# as_user CMD...: CMD without root's power over file permissions (in a
# user namespace of its own when root), so that a directory mode 000
# cannot be searched, as for any other user.
as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		unshare -U "$@"
	else
		"$@"
	fi
}

@test "a directory on PATH that cannot be searched: 127 when no executable file is found, as in sh" {
	local locked=$BATS_TEST_TMPDIR/locked bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$locked" "$bin"
	printf '#!/bin/sh\necho ran\n' >"$bin/ct-runs"
	printf '#!/bin/sh\necho ran\n' >"$bin/ct-noexec"
	chmod 755 "$bin/ct-runs"
	chmod 644 "$bin/ct-noexec"
	chmod 000 "$locked"
	if [ "$(id -u)" -eq 0 ] && ! unshare -U true 2>/dev/null; then
		chmod 700 "$locked"
		skip "root, and no user namespace to drop its power over files"
	fi
	# the shell's verdicts, which the tool must agree with (dash before
	# 0.5.12, Debian 11's sh, says 126 for the file it cannot execute)
	run -127 as_user env PATH="$locked:$bin:$PATH" sh -c ct-no-such-command-here
	run as_user env PATH="$locked:$bin:$PATH" sh -c ct-noexec
	[[ $status == 127 || $status == 126 ]] || fail "sh -c ct-noexec: $status"
	run -127 --separate-stderr as_user env PATH="$locked:$bin:$PATH" \
		"$CT" -- ct-no-such-command-here
	assert_equal "$stderr" 'collibra-token: ct-no-such-command-here: command not found'
	run -127 --separate-stderr as_user env PATH="$locked:$bin:$PATH" \
		"$CT" -- ct-noexec
	assert_equal "$stderr" 'collibra-token: ct-noexec: command not found'
	run -127 --separate-stderr as_user env PATH="$locked:$bin:$PATH" \
		"$CT" --watch -- ct-no-such-command-here
	assert_equal "$stderr" 'collibra-token: ct-no-such-command-here: command not found'
	run -0 --separate-stderr as_user env PATH="$locked:$bin:$PATH" \
		"$CT" -- ct-runs
	assert_output ran
	chmod 700 "$locked"
}

@test "a command that is not executable is 126" {
	printf '#!/bin/sh\ntouch "%s"\n' "$RAN" >"$BATS_TEST_TMPDIR/noexec"
	chmod 644 "$BATS_TEST_TMPDIR/noexec"
	run --separate-stderr "$CT" -- "$BATS_TEST_TMPDIR/noexec"
	assert_equal "$status" 126
	assert_output ''
	assert_regex "$stderr" '^collibra-token: '
	[ ! -e "$RAN" ]
	refute_leak
	chmod 755 "$BATS_TEST_TMPDIR/noexec"
	run --separate-stderr "$CT" -- "$BATS_TEST_TMPDIR/noexec"
	assert_success
	[ -e "$RAN" ]
}

@test "-f with a command is exit 2 and the command does not run" {
	local f
	for f in json raw shell; do
		run --separate-stderr "$CT" -f "$f" -- touch "$RAN"
		assert_equal "$status" 2
		assert_output ''
		[ ! -e "$RAN" ]
	done
	run --separate-stderr "$CT" -- touch "$RAN"
	assert_success
	[ -e "$RAN" ]
}

@test "a failed fetch: the usual exit code and the command does not run" {
	COLLIBRA_CLIENT_SECRET=wrong-secret run --separate-stderr "$CT" -- touch "$RAN"
	assert_equal "$status" 11
	assert_output ''
	[ ! -e "$RAN" ]
	run --separate-stderr "$CT" --url "$MOCK_URL/status/503" --retries 0 -- touch "$RAN"
	assert_equal "$status" 5
	[ ! -e "$RAN" ]
	refute_leak
}

# security review 1 (issue 9), finding 11
@test "-- COMMAND gets the core limits the caller had, hard limit included" {
	command -v setpriv >/dev/null || skip "no setpriv"
	# without CAP_SYS_RESOURCE a lowered hard limit can never be raised again;
	# ASan would zero the soft limit itself at start
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}disable_coredump=0
	run --separate-stderr setpriv --bounding-set=-sys_resource bash -c \
		'ulimit -c 4096 && exec "$1" -- bash -c "ulimit -H -c; ulimit -S -c"' _ "$CT"
	assert_success
	assert_output $'4096\n4096'
	run -0 --separate-stderr setpriv --bounding-set=-sys_resource bash -c \
		'ulimit -H -c 8192 && ulimit -S -c 100 && exec "$1" -- bash -c "ulimit -H -c; ulimit -S -c"' _ "$CT"
	assert_output $'8192\n100'
}
