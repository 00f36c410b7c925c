#!/usr/bin/env bats
# Where the client secret comes from: a secret command (flag, variable,
# profile), the order of the sources, the prompt on a terminal, and the
# error when there is none.  No secret is ever passed in argv here: the
# commands read it from a file named by a variable.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	CFG=$CT_CFG
	SECRET=$COLLIBRA_CLIENT_SECRET
	PTY=$CT_LIB/pty-run.py
	# the secret commands below print this file; the command string never
	# holds the secret
	export CT_SECRET_PATH=$BATS_TEST_TMPDIR/secret
	printf '%s\n' "$SECRET" >"$CT_SECRET_PATH"
	GOOD_CMD='cat "$CT_SECRET_PATH"'
	PROMPT="Client secret for $COLLIBRA_CLIENT_ID: "
}

# --- secret commands --------------------------------------------------------

@test "--client-secret-command: the first line of its output is the secret" {
	unset COLLIBRA_CLIENT_SECRET
	printf '%s\nsecond line\nthird\n' "$SECRET" >"$CT_SECRET_PATH"
	run --separate-stderr "$CT" -v --client-secret-command "$GOOD_CMD"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'client secret: 32 bytes, <redacted> \(--client-secret-command\)'
	refute_leak
	# the first line decides: a wrong first line is a wrong secret
	printf 'wrong\n%s\n' "$SECRET" >"$CT_SECRET_PATH"
	run --separate-stderr "$CT" --client-secret-command "$GOOD_CMD"
	assert_equal "$status" 11
	assert_output ''
	refute_leak
}

@test "secret command: CR LF and LF are stripped, nothing else" {
	unset COLLIBRA_CLIENT_SECRET
	printf '%s\r\n' "$SECRET" >"$CT_SECRET_PATH"
	run --separate-stderr "$CT" --client-secret-command "$GOOD_CMD"
	assert_success
	assert_output "$MOCK_TOKEN"
	printf '%s' "$SECRET" >"$CT_SECRET_PATH"
	run --separate-stderr "$CT" --client-secret-command "$GOOD_CMD"
	assert_success
	# a trailing space is part of the secret
	printf '%s \n' "$SECRET" >"$CT_SECRET_PATH"
	run --separate-stderr "$CT" --client-secret-command "$GOOD_CMD"
	assert_equal "$status" 11
	refute_leak
}

@test "COLLIBRA_CLIENT_SECRET_COMMAND and the profile's client_secret_command" {
	unset COLLIBRA_CLIENT_SECRET
	COLLIBRA_CLIENT_SECRET_COMMAND=$GOOD_CMD run --separate-stderr "$CT" -v
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'client secret: 32 bytes, <redacted> \(COLLIBRA_CLIENT_SECRET_COMMAND\)'
	refute_leak
	ct_write_config <<-EOF
		[profile p]
		scope = x
		client_secret_command = $GOOD_CMD
	EOF
	run --separate-stderr "$CT" -v -p p
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" "client secret: 32 bytes, <redacted> \($CFG:3\)"
	refute_leak
	# without the profile there is no secret
	run --separate-stderr "$CT" </dev/null
	assert_equal "$status" 2
}

@test "secret command stdin and stderr are inherited" {
	unset COLLIBRA_CLIENT_SECRET
	run --separate-stderr "$CT" --client-secret-command 'echo cmd-diagnostic >&2; head -n 1' \
		<"$CT_SECRET_PATH"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cmd-diagnostic'
	refute_leak
}

@test "secret command failing: exit 2 naming the source and the exit status" {
	local n
	unset COLLIBRA_CLIENT_SECRET
	n=$(mock_requests)
	run --separate-stderr "$CT" --client-secret-command 'exit 3'
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" 'collibra-token: --client-secret-command: command failed (exit 3)'
	COLLIBRA_CLIENT_SECRET_COMMAND="$GOOD_CMD; exit 4" run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" 'collibra-token: COLLIBRA_CLIENT_SECRET_COMMAND: command failed (exit 4)'
	ct_write_config <<-EOF
		[default]
		client_secret_command = $GOOD_CMD; exit 5
	EOF
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CFG:2: command failed (exit 5)"
	assert_equal "$(requests_since "$n")" 0
	refute_leak
	# a command that prints the secret and exits 0 is fine
	run --separate-stderr "$CT" --client-secret-command "$GOOD_CMD; exit 0"
	assert_success
}

@test "secret command killed by a signal" {
	unset COLLIBRA_CLIENT_SECRET
	run --separate-stderr "$CT" --client-secret-command "$GOOD_CMD; kill -9 \$\$"
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" 'collibra-token: --client-secret-command: command failed (killed by signal 9)'
	COLLIBRA_CLIENT_SECRET_COMMAND='kill -TERM $$' run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" 'collibra-token: COLLIBRA_CLIENT_SECRET_COMMAND: command failed (killed by signal 15)'
	refute_leak
}

@test "secret command printing nothing" {
	unset COLLIBRA_CLIENT_SECRET
	run --separate-stderr "$CT" --client-secret-command 'true'
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" 'collibra-token: --client-secret-command: printed no secret'
	ct_write_config <<-'EOF'
		[default]

		client_secret_command = printf ''
	EOF
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CFG:3: printed no secret"
	# an empty first line is no secret either
	run --separate-stderr "$CT" --client-secret-command "echo; $GOOD_CMD"
	assert_equal "$status" 2
	refute_leak
}

@test "the secret command does not see the COLLIBRA_CLIENT_SECRET* variables" {
	export CT_ENV_OUT=$BATS_TEST_TMPDIR/env CT_MARKER=inherited
	local cmd='env >"$CT_ENV_OUT"; cat "$CT_SECRET_PATH"'
	# COLLIBRA_CLIENT_SECRET is set (the flag wins over it)
	run --separate-stderr "$CT" --client-secret-command "$cmd"
	assert_success
	assert_output "$MOCK_TOKEN"
	grep -qx 'CT_MARKER=inherited' "$CT_ENV_OUT"
	grep -q '^COLLIBRA_URL=' "$CT_ENV_OUT"
	run -1 grep -c '^COLLIBRA_CLIENT_SECRET' "$CT_ENV_OUT"
	assert_output 0
	run -1 grep -cF "$SECRET" "$CT_ENV_OUT"
	assert_output 0
	# COLLIBRA_CLIENT_SECRET_FILE is set
	unset COLLIBRA_CLIENT_SECRET
	rm "$CT_ENV_OUT"
	COLLIBRA_CLIENT_SECRET_FILE=$CT_SECRET_PATH run --separate-stderr "$CT" --client-secret-command "$cmd"
	assert_success
	grep -qx 'CT_MARKER=inherited' "$CT_ENV_OUT"
	run -1 grep -c '^COLLIBRA_CLIENT_SECRET' "$CT_ENV_OUT"
	assert_output 0
	# the command comes from COLLIBRA_CLIENT_SECRET_COMMAND itself
	rm "$CT_ENV_OUT"
	COLLIBRA_CLIENT_SECRET_COMMAND=$cmd run --separate-stderr "$CT"
	assert_success
	grep -qx 'CT_MARKER=inherited' "$CT_ENV_OUT"
	run -1 grep -c '^COLLIBRA_CLIENT_SECRET' "$CT_ENV_OUT"
	assert_output 0
}

# --- order of the sources ------------------------------------------------------

@test "secret flags are mutually exclusive" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" --client-secret-file "$CT_SECRET_PATH" --client-secret-command "$GOOD_CMD"
	assert_equal "$status" 2
	assert_regex "$stderr" 'mutually exclusive'
	# a dummy value: this tests the flag, not a secret
	run --separate-stderr "$CT" --client-secret dummy --client-secret-command "$GOOD_CMD"
	assert_equal "$status" 2
	assert_regex "$stderr" 'mutually exclusive'
	assert_equal "$(requests_since "$n")" 0
	run --separate-stderr "$CT" --client-secret-file "$CT_SECRET_PATH"
	assert_success
}

@test "secret variables: more than one set is exit 2" {
	COLLIBRA_CLIENT_SECRET_COMMAND=$GOOD_CMD run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'COLLIBRA_CLIENT_SECRET'
	refute_leak
	unset COLLIBRA_CLIENT_SECRET
	COLLIBRA_CLIENT_SECRET_COMMAND=$GOOD_CMD COLLIBRA_CLIENT_SECRET_FILE=$CT_SECRET_PATH \
		run --separate-stderr "$CT"
	assert_equal "$status" 2
	COLLIBRA_CLIENT_SECRET_FILE=$CT_SECRET_PATH run --separate-stderr "$CT"
	assert_success
}

@test "profile: more than one secret key is exit 2 with FILE:LINE" {
	unset COLLIBRA_CLIENT_SECRET
	ct_write_config <<-EOF
		[profile p]
		client_secret_file = $CT_SECRET_PATH
		client_secret_command = $GOOD_CMD
	EOF
	run --separate-stderr "$CT" -p p
	assert_equal "$status" 2
	assert_regex "$stderr" "^collibra-token: $CFG:[23]: "
	sed -i '/client_secret_command/d' "$CFG"
	run --separate-stderr "$CT" -p p
	assert_success
}

@test "flag beats variable beats profile, across the kinds of source" {
	export CT_RAN=$BATS_TEST_TMPDIR/ran
	ct_write_config <<-EOF
		[default]
		client_secret = wrong-from-profile
	EOF
	# flag command over a wrong variable
	COLLIBRA_CLIENT_SECRET=wrong-from-env run --separate-stderr "$CT" -v --client-secret-command "$GOOD_CMD"
	assert_success
	assert_regex "$stderr" '\(--client-secret-command\)'
	# a secret file flag over a variable command (which must not run)
	unset COLLIBRA_CLIENT_SECRET
	COLLIBRA_CLIENT_SECRET_COMMAND='touch "$CT_RAN"; exit 1' \
		run --separate-stderr "$CT" --client-secret-file "$CT_SECRET_PATH"
	assert_success
	[ ! -e "$CT_RAN" ]
	# a variable command over the profile's wrong secret
	COLLIBRA_CLIENT_SECRET_COMMAND=$GOOD_CMD run --separate-stderr "$CT" -v
	assert_success
	assert_regex "$stderr" '\(COLLIBRA_CLIENT_SECRET_COMMAND\)'
	# nothing above the profile: its wrong secret is used
	run --separate-stderr "$CT" -v
	assert_equal "$status" 11
	assert_regex "$stderr" "\($CFG:2\)"
	refute_leak
}

@test "a secret variable beats the profile's secret command (which must not run)" {
	export CT_RAN=$BATS_TEST_TMPDIR/ran
	ct_write_config <<-'EOF'
		[default]
		client_secret_command = touch "$CT_RAN"; echo wrong
	EOF
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	[ ! -e "$CT_RAN" ]
	unset COLLIBRA_CLIENT_SECRET
	run --separate-stderr "$CT"
	assert_equal "$status" 11
	[ -e "$CT_RAN" ]
}

# --- the prompt -------------------------------------------------------------------

@test "pty-run.py shows typed input when echo is on (the harness can see echo)" {
	export CT_TYPED=typed-$RANDOM-value
	run --separate-stderr "$PTY" --report-echo --expect '? ' --send-env CT_TYPED -- \
		sh -c 'printf "? "; read x; echo "done"'
	assert_success
	[[ $output == *"$CT_TYPED"* ]]
	assert_equal "$stderr" 'pty-run: echo on'
	run --separate-stderr "$PTY" --timeout 1 -- sleep 5
	assert_equal "$status" 124
}

@test "prompt on a terminal: typed without echo, token printed, echo restored" {
	unset COLLIBRA_CLIENT_SECRET
	export CT_TYPED=$SECRET
	run --separate-stderr "$PTY" --report-echo --expect "$PROMPT" --send-env CT_TYPED -- "$CT"
	assert_success
	[[ $output == *"$PROMPT"* ]]
	[[ $output == *"$MOCK_TOKEN"* ]]
	# with echo on, the terminal would have shown what was typed
	[[ $output != *"$SECRET"* ]]
	assert_equal "$stderr" 'pty-run: echo on'
	assert_equal "$(mock_last_field auth_ok)" true
}

@test "prompt: echo is off before the prompt shows (writes slowed down with strace)" {
	# strace delays the return of every write(2) by 0.2 s: an answer typed as
	# soon as the prompt shows then arrives before anything else the tool
	# does, so a tool that turns echo off only after the prompt echoes it (and
	# its TCSAFLUSH throws it away).
	command -v strace >/dev/null || skip 'strace is not installed'
	strace -o /dev/null true 2>/dev/null || skip 'strace cannot trace here'
	unset COLLIBRA_CLIENT_SECRET
	export CT_TYPED=$SECRET
	# LeakSanitizer (the -asan build) cannot work under ptrace
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run --separate-stderr "$PTY" --report-echo --timeout 30 --expect "$PROMPT" --send-env CT_TYPED -- \
		strace -o /dev/null -e trace=write -e inject=write:delay_exit=200000 "$CT"
	assert_success
	[[ $output == *"$MOCK_TOKEN"* ]]
	[[ $output != *"$SECRET"* ]]
	assert_equal "$stderr" 'pty-run: echo on'
}

@test "prompt: on stderr, the token alone on stdout" {
	unset COLLIBRA_CLIENT_SECRET
	export CT_TYPED=$SECRET CT_OUT=$BATS_TEST_TMPDIR/out
	run --separate-stderr "$PTY" --expect "$PROMPT" --send-env CT_TYPED -- \
		sh -c '"$1" >"$CT_OUT"' _ "$CT"
	assert_success
	[[ $output == *"$PROMPT"* ]]
	printf '%s\n' "$MOCK_TOKEN" | cmp - "$CT_OUT"
}

@test "prompt: a wrong secret typed is sent (and refused)" {
	unset COLLIBRA_CLIENT_SECRET
	export CT_TYPED=not-the-secret
	run --separate-stderr "$PTY" --expect "$PROMPT" --send-env CT_TYPED -- "$CT"
	assert_equal "$status" 11
	[[ $output != *"not-the-secret"* ]]
}

@test "prompt: an empty line is exit 2 without a request" {
	local n
	unset COLLIBRA_CLIENT_SECRET
	n=$(mock_requests)
	run --separate-stderr "$PTY" --report-echo --expect "$PROMPT" --send '' -- "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" 'pty-run: echo on'
	assert_equal "$(requests_since "$n")" 0
}

@test "no secret and no terminal: exit 2 saying what was tried" {
	local n msg
	unset COLLIBRA_CLIENT_SECRET
	msg='collibra-token: no client secret: tried --client-secret, --client-secret-file, --client-secret-command, COLLIBRA_CLIENT_SECRET, COLLIBRA_CLIENT_SECRET_FILE, COLLIBRA_CLIENT_SECRET_COMMAND and the config file; standard input is not a terminal to prompt on'
	n=$(mock_requests)
	run --separate-stderr "$CT" </dev/null
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" "$msg"
	ct_write_config <<-EOF
		[profile p]
		scope = x
	EOF
	run --separate-stderr "$CT" -p p < <(printf '%s\n' "$SECRET")
	assert_equal "$status" 2
	assert_equal "$stderr" "$msg"
	assert_equal "$(requests_since "$n")" 0
}
