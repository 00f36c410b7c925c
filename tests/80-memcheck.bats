#!/usr/bin/env bats
# The main paths under valgrind memcheck: any invalid access, use of
# uninitialised memory or leak (definite or indirect) fails the test.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

# VALGRIND: memcheck and its options.  --vex-guest-chase=no (valgrind
# 3.17 and later) only makes smaller translation blocks: a fifth less CPU
# for a one-shot process whose time is in translating libcurl and OpenSSL,
# and the same checks.
VALGRIND=(valgrind -q --error-exitcode=99 --leak-check=full
	'--errors-for-leak-kinds=definite,indirect')
if printf '%s\n' 3.17 "$(valgrind --version 2>/dev/null | sed 's/^valgrind-//')" | sort -V -C; then
	VALGRIND+=(--vex-guest-chase=no)
fi

# memcheck STATUS ARGS...: run the tool under valgrind, expect STATUS from
# the tool and no memcheck error (valgrind then exits 99).
memcheck() {
	local want=$1
	shift
	run --separate-stderr "${VALGRIND[@]}" \
		--show-leak-kinds=definite,indirect "$CT" "$@"
	[ "$status" -ne 99 ] || fail "memcheck: $(printf '%s\n' "$stderr" | head -n 30)"
	assert_equal "$status" "$want"
	refute_leak
}

@test "memcheck: a token in each format" {
	# one fetch (a scope, the secret in the body), stored; the other
	# formats from the cache: the output paths under valgrind without
	# loading libcurl again (2 s of CPU each)
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_TEST_TMPDIR/cache
	memcheck 0 -v --scope read --auth-method post
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cache: stored'
	assert_equal "$(mock_last_field scope)" read
	assert_equal "$(mock_last_field auth)" post
	memcheck 0 -v -f json --scope read --auth-method post
	assert_regex "$stderr" 'cache: hit'
	memcheck 0 -v -f shell --scope read --auth-method post
	assert_regex "$stderr" 'cache: hit'
}

@test "memcheck: -vv with the secret from a file" {
	printf '%s\n' "$COLLIBRA_CLIENT_SECRET" >"$BATS_TEST_TMPDIR/secret"
	COLLIBRA_CLIENT_SECRET='' memcheck 0 -vv --client-secret-file "$BATS_TEST_TMPDIR/secret"
}

@test "memcheck: cache miss, store, hit and clear" {
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_TEST_TMPDIR/cache
	memcheck 0 -v
	assert_regex "$stderr" 'cache: stored'
	memcheck 0 -v -f json
	assert_regex "$stderr" 'cache: hit'
	memcheck 0 --clear-cache
}

@test "memcheck: entries of another boot and from the future, a stale error record, no lifetime" {
	local unit=$CT_UNIT
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_TEST_TMPDIR/cache
	"$unit" entry 100 -100000 other-boot-id 3600
	memcheck 0 -v
	assert_regex "$stderr" 'cache: hit \([0-9]+ s left, by the wall clock: another boot\)'
	"$unit" entry 100 -100000 this 3600
	memcheck 0 -v
	assert_regex "$stderr" 'cache: rejected \(received in the future'
	memcheck 5 -v --retries 0 --url "$MOCK_URL/fail-first/1/memcheck-err"
	memcheck 0 -v --retries 0 --url "$MOCK_URL/fail-first/1/memcheck-err"
	assert_regex "$stderr" 'cache: removed a stale error record'
	memcheck 0 -v --url "$MOCK_URL/noexpiry"
	assert_regex "$stderr" 'no lifetime given'
}

@test "memcheck: usage and configuration errors" {
	memcheck 2 --format xml
	memcheck 2 --url http://example.com
	memcheck 2 --client-secret-file /nonexistent
}

@test "memcheck: network and TLS errors" {
	memcheck 3 --url https://127.0.0.1:9 --retries 1
	memcheck 4 --cacert /etc/ssl/certs/ca-certificates.crt
}

@test "memcheck: server errors, retries and bad responses" {
	memcheck 5 --url "$MOCK_URL/status/503" --retries 1
	memcheck 5 --url "$MOCK_URL/redirect"
	memcheck 6 --url "$MOCK_URL/body/token-space"
	memcheck 6 --url "$MOCK_URL/big/2000000"
	memcheck 0 --url "$MOCK_URL/flaky/1/503/-/m1"
}

@test "memcheck: OAuth errors" {
	memcheck 11 --url "$MOCK_URL/oauth/invalid_client"
	memcheck 10 --url "$MOCK_URL/escape"
	COLLIBRA_CLIENT_SECRET=wrong memcheck 11
}

@test "memcheck: a profile, a secret command and the new formats" {
	local cfg=$BATS_TEST_TMPDIR/config
	printf '[default]\ntimeout = 20\n[profile prod]\nclient_secret_command = cat %s\nformat = fish\n' \
		"$BATS_TEST_TMPDIR/secret" >"$cfg"
	chmod 600 "$cfg"
	printf '%s\n' "$COLLIBRA_CLIENT_SECRET" >"$BATS_TEST_TMPDIR/secret"
	COLLIBRA_CLIENT_SECRET='' memcheck 0 --config "$cfg" -p prod
	assert_line --index 0 "set -gx COLLIBRA_TOKEN '$MOCK_TOKEN'"
	COLLIBRA_CLIENT_SECRET='' memcheck 0 --config "$cfg" -p prod --show-config
	memcheck 0 -f dotenv --var T --url "$MOCK_URL/body/token-squote"
	memcheck 6 -f dotenv --url "$MOCK_URL/body/token-quote"
	printf '[default]\nformat = json\n' >"$BATS_TEST_TMPDIR/gw"
	chmod 666 "$BATS_TEST_TMPDIR/gw"
	memcheck 2 --config "$BATS_TEST_TMPDIR/gw"
	# fetched and stored, then a hit
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_TEST_TMPDIR/cache
	GITHUB_ENV=$BATS_TEST_TMPDIR/github memcheck 0 -v -f github
	assert_regex "$stderr" 'cache: stored'
	memcheck 0 -v -f header
	assert_regex "$stderr" 'cache: hit'
}

@test "memcheck: config file and secret command errors" {
	local cfg=$BATS_TEST_TMPDIR/config
	printf '[default]\nno_such_key = 1\n' >"$cfg"
	memcheck 2 --config "$cfg"
	printf '[profile a]\nurl = x\n' >"$cfg"
	memcheck 2 --config "$cfg" -p b
	COLLIBRA_CLIENT_SECRET='' memcheck 2 --client-secret-command 'exit 4'
	COLLIBRA_CLIENT_SECRET='' memcheck 2 --client-secret-command 'true'
}

@test "memcheck: the watch loop (refreshes, an outage, -o, a command and its end)" {
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	# two refreshes of a 3-second token, one failing, inside the command's life
	# (the command waits, 30 s at most, for the token after the outage)
	memcheck 0 --url "$MOCK_URL/outage/1/1/3/mc" --no-cache --retries 0 \
		--watch -- sh -c 'i=$(stat -c %i "$COLLIBRA_TOKEN_FILE") n=0
		while [ "$(stat -c %i "$COLLIBRA_TOKEN_FILE")" = "$i" ]; do
			n=$((n + 1)); [ $n -lt 600 ] || exit 9; sleep 0.05
		done
		cat "$COLLIBRA_TOKEN_FILE"'
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'watch: .*HTTP 503.*retrying in'
	# -o FILE, refreshed, then ended by SIGTERM: the file is removed
	local token=$BATS_TEST_TMPDIR/token first pid
	"${VALGRIND[@]}" "$CT" --url "$MOCK_URL/expires/3" --no-cache --watch -o "$token" \
		2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for '[[ -s $token ]]' 300 || fail "no token file"
	# shellcheck disable=SC2034 # read by wait_for's condition
	first=$(stat -c %i "$token")
	wait_for '[[ $(stat -c %i "$token" 2>/dev/null) != "$first" ]]' 300 ||
		fail "no refresh: $(cat "$BATS_TEST_TMPDIR/err")"
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	[ "$status" -ne 99 ] || fail "memcheck: $(printf '%s\n' "$stderr" | head -n 30)"
	assert_equal "$status" 143
	# a death by signal hides valgrind's exit code: read its report
	refute_regex "$stderr" '==[0-9]+== (Invalid|Conditional|Use of|.*definitely lost|.*indirectly lost)'
	[[ ! -e $BATS_TEST_TMPDIR/token ]]
	refute_leak
}
