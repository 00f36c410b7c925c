#!/usr/bin/env bats
# Settings: flags win over environment, defaults, validation (exit 2).

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

@test "no URL: exit 2 naming --url and COLLIBRA_URL" {
	unset COLLIBRA_URL
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" 'collibra-token: no Collibra URL: use --url or set COLLIBRA_URL'
}

@test "no client ID: exit 2 naming --client-id and COLLIBRA_CLIENT_ID" {
	unset COLLIBRA_CLIENT_ID
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" '--client-id.*COLLIBRA_CLIENT_ID'
}

@test "no secret: exit 2 naming the secret settings" {
	unset COLLIBRA_CLIENT_SECRET
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'no client secret.*COLLIBRA_CLIENT_SECRET'
}

@test "empty variables count as unset" {
	COLLIBRA_URL='' run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'no Collibra URL'
}

@test "unknown flag and stray operand: exit 2 with a pointer to --help" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" --no-such-flag
	assert_equal "$status" 2
	assert_regex "$stderr" "^collibra-token: unrecognized option '--no-such-flag'"
	assert_regex "$stderr" "Try 'collibra-token --help'"
	run --separate-stderr "$CT" extra
	assert_equal "$status" 2
	assert_equal "$(mock_requests)" "$n"
}

@test "--help goes to stdout and exits 0; --version names libcurl and jansson" {
	run --separate-stderr "$CT" --help
	assert_success
	assert_line --index 0 'Usage: collibra-token [OPTIONS]'
	assert_equal "$stderr" ''
	run --separate-stderr "$CT" -V
	assert_success
	assert_regex "$output" '^collibra-token [0-9]+\.[0-9]+\.[0-9]+ \(libcurl/.*; jansson/[0-9.]+\)$'
}

@test "http:// is refused for a non-loopback host" {
	run --separate-stderr "$CT" --url http://collibra.example.com
	assert_equal "$status" 2
	assert_regex "$stderr" 'only allowed for loopback hosts'
}

@test "other schemes, credentials, fragments and base-URL queries are refused" {
	local url n
	n=$(mock_requests)
	for url in ftp://127.0.0.1/ 'https://u:p@example.com' 'https://example.com/#x' \
		'https://example.com/?a=b' 'not a url' 'https://'; do
		run --separate-stderr "$CT" --url "$url"
		assert_equal "$status" 2
		assert_regex "$stderr" '^collibra-token: --url: '
	done
	run --separate-stderr "$CT" --token-url 'https://u:p@example.com/t'
	assert_equal "$status" 2
	assert_regex "$stderr" '^collibra-token: --token-url: credentials'
	assert_equal "$(mock_requests)" "$n"
}

@test "http:// to loopback is allowed (reaches the network layer)" {
	run --separate-stderr "$CT" --url http://127.0.0.1:9 --connect-timeout 2
	assert_equal "$status" 3
	run --separate-stderr "$CT" --url 'http://[::1]:9' --connect-timeout 2
	assert_equal "$status" 3
	run --separate-stderr "$CT" --url http://localhost:9 --connect-timeout 2
	assert_equal "$status" 3
}

@test "--timeout and --connect-timeout take whole seconds 1 to 86400" {
	local bad
	for bad in 0 -1 1.5 abc 86401 ''; do
		run --separate-stderr "$CT" --timeout "$bad"
		assert_equal "$status" 2
		assert_regex "$stderr" '^collibra-token: --timeout: (invalid|too small|too large)'
		run --separate-stderr "$CT" --connect-timeout "$bad"
		assert_equal "$status" 2
		assert_regex "$stderr" '^collibra-token: --connect-timeout: '
	done
}

@test "unknown format and auth method: exit 2, from flag or variable" {
	run --separate-stderr "$CT" -f xml
	assert_equal "$status" 2
	assert_regex "$stderr" "--format: unknown format 'xml'"
	COLLIBRA_TOKEN_FORMAT=yaml run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" "COLLIBRA_TOKEN_FORMAT: unknown format 'yaml'"
	run --separate-stderr "$CT" --auth-method digest
	assert_equal "$status" 2
	COLLIBRA_AUTH_METHOD=none run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'COLLIBRA_AUTH_METHOD'
}

@test "a bad scope is refused" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" --scope $'a\nb'
	assert_equal "$status" 2
	run --separate-stderr "$CT" --scope 'a"b'
	assert_equal "$status" 2
	assert_equal "$(mock_requests)" "$n"
}

@test "a client ID with control characters is refused" {
	COLLIBRA_CLIENT_ID=$'id\x1bx' run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'COLLIBRA_CLIENT_ID: client ID contains control characters'
}

@test "unreadable --cacert and missing --capath: exit 2" {
	run --separate-stderr "$CT" --cacert /nonexistent/ca.pem
	assert_equal "$status" 2
	assert_regex "$stderr" '--cacert: cannot read /nonexistent/ca.pem'
	run --separate-stderr "$CT" --capath /nonexistent
	assert_equal "$status" 2
	SSL_CERT_FILE=/nonexistent run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'SSL_CERT_FILE: cannot read'
}

@test "--show-config without any URL says none, with no made-up source" {
	run --separate-stderr env -u COLLIBRA_URL -u COLLIBRA_TOKEN_URL "$CT" --show-config
	assert_success
	assert_line 'token URL: (none)'
	refute_output --partial '(null)'
}

@test "secret file: one trailing newline or CRLF is stripped" {
	local f=$BATS_TEST_TMPDIR/secret
	printf '%s\n' "$COLLIBRA_CLIENT_SECRET" >"$f"
	env -u COLLIBRA_CLIENT_SECRET "$CT" --client-secret-file "$f" >"$BATS_TEST_TMPDIR/out"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$MOCK_TOKEN"
	printf '%s\r\n' "$COLLIBRA_CLIENT_SECRET" >"$f"
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT" --client-secret-file "$f"
	assert_success
	printf '%s\n\n' "$COLLIBRA_CLIENT_SECRET" >"$f"
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT" --client-secret-file "$f"
	assert_equal "$status" 11
	refute_leak
}

@test "secret file - reads standard input" {
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT" --client-secret-file - \
		<<<"$COLLIBRA_CLIENT_SECRET"
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "secret file from COLLIBRA_CLIENT_SECRET_FILE" {
	local f=$BATS_TEST_TMPDIR/secret
	printf '%s' "$COLLIBRA_CLIENT_SECRET" >"$f"
	COLLIBRA_CLIENT_SECRET_FILE=$f run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "secret flag wins over the secret variables" {
	local f=$BATS_TEST_TMPDIR/secret
	printf '%s' "$COLLIBRA_CLIENT_SECRET" >"$f"
	COLLIBRA_CLIENT_SECRET=wrong COLLIBRA_CLIENT_SECRET_FILE=/nonexistent \
		run --separate-stderr "$CT" --client-secret-file "$f"
	assert_success
}

@test "missing, empty, oversized and NUL-holding secret files: exit 2" {
	local f=$BATS_TEST_TMPDIR/secret n
	n=$(mock_requests)
	run --separate-stderr "$CT" --client-secret-file /nonexistent/secret
	assert_equal "$status" 2
	assert_regex "$stderr" '--client-secret-file: cannot open /nonexistent/secret'
	printf '\n' >"$f"
	run --separate-stderr "$CT" --client-secret-file "$f"
	assert_equal "$status" 2
	head -c 70000 /dev/zero | tr '\0' a >"$f"
	run --separate-stderr "$CT" --client-secret-file "$f"
	assert_equal "$status" 2
	assert_regex "$stderr" 'the secret must be 1 to 65536 bytes'
	printf 'a\0b' >"$f"
	run --separate-stderr "$CT" --client-secret-file "$f"
	assert_equal "$status" 2
	run --separate-stderr "$CT" --client-secret-file "$BATS_TEST_TMPDIR"
	assert_equal "$status" 2
	assert_regex "$stderr" 'cannot read'
	assert_equal "$(mock_requests)" "$n"
}

@test "a secret of exactly 65536 bytes plus CRLF is accepted" {
	local f=$BATS_TEST_TMPDIR/secret s
	s=$(head -c 65536 /dev/zero | tr '\0' s)
	mock_add_creds "$COLLIBRA_CLIENT_ID" "$s"
	printf '%s\r\n' "$s" >"$f"
	# in the body: a 64 KiB secret makes a Basic header too long for the mock
	run --separate-stderr "$CT" --client-secret-file "$f" --auth-method post
	assert_success
}

@test "two secret flags, or two secret variables, are ambiguous: exit 2" {
	local f=$BATS_TEST_TMPDIR/secret
	printf 'x' >"$f"
	run --separate-stderr "$CT" --client-secret-file "$f" --client-secret x
	assert_equal "$status" 2
	assert_regex "$stderr" 'mutually exclusive'
	COLLIBRA_CLIENT_SECRET_FILE=$f run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'set together'
	refute_leak
}

@test "--client-secret works, warns, and is blanked in argv" {
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT" -s "$COLLIBRA_CLIENT_SECRET"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'warning: --client-secret is visible to other users'
	refute_leak
}

# security review 2 (issue 18), finding 6
@test "6: an ambiguous or unknown --client-secret... flag is named without its value" {
	local arg
	for arg in --client-secre=typedSecret1 --client-secrets=typedSecret1 \
		--client-s=typedSecret1 --verbose=typedSecret1; do
		run --separate-stderr "$CT" "$arg"
		assert_equal "$status" 2
		[[ $stderr != *typedSecret1* ]] || fail "$arg: the value is shown"
		assert_regex "$stderr" "'${arg%%=*}'"
	done
	run -2 --separate-stderr "$CT" --client-secre=typedSecret1
	assert_regex "$stderr" "^collibra-token: option '--client-secre' is ambiguous; possibilities: '--client-secret' '--client-secret-file' '--client-secret-command'"
	run -2 --separate-stderr "$CT" --client-secrets=typedSecret1
	assert_regex "$stderr" "^collibra-token: unrecognized option '--client-secrets'"
	run -2 --separate-stderr "$CT" --verbose=typedSecret1
	assert_regex "$stderr" "^collibra-token: option '--verbose' doesn't allow an argument"
	run --separate-stderr "$CT" --client-secret
	assert_equal "$status" 2
	assert_regex "$stderr" "^collibra-token: option '--client-secret' requires an argument"
	run -2 --separate-stderr "$CT" -Z
	assert_regex "$stderr" "^collibra-token: invalid option -- 'Z'"
	assert_regex "$stderr" "Try 'collibra-token --help'"
}

# security review 2 (issue 18), finding 6
@test "6: a bad short option inside a cluster never names the word before it" {
	local c
	# a byte above 0x7f is a negative optopt; mid-cluster, argv[optind - 1]
	# is still the word before: the secret here
	for c in $'-\xffv' $'-v\xff' -Zv; do
		run --separate-stderr "$CT" --client-secret typedSecret1 "$c"
		assert_equal "$status" 2
		[[ $stderr != *typedSecret1* ]] || fail "$c: the word before is shown"
		assert_regex "$stderr" "invalid option -- "
	done
}

# --- input as people type it (issue 23: items 2, 4, 7, 8) -------------------
# The token endpoint pasted as --url, one boolean parser for variables and
# the config file, missing settings reported at once, and "did you mean"
# for long options (never with a value).

@test "the token endpoint pasted as --url is used as it is, and -v says so" {
	local n
	n=$(mock_requests)
	run -0 --separate-stderr "$CT" -v -u "$MOCK_URL/rest/oauth/v2/token"
	assert_output "$MOCK_TOKEN"
	assert_equal "$(mock_last_field path)" /rest/oauth/v2/token
	assert_equal "$(requests_since "$n")" 1
	assert_regex "$stderr" 'ends in /rest/oauth/v2/token'
	refute_leak
	# with a trailing slash, from the variable, and in --show-config
	COLLIBRA_URL=$MOCK_URL/expires/77/rest/oauth/v2/token/ \
		run -0 --separate-stderr "$CT"
	assert_equal "$(mock_last_field path)" /expires/77/rest/oauth/v2/token
	run -0 --separate-stderr "$CT" --show-config \
		-u "$MOCK_URL/rest/oauth/v2/token"
	assert_equal "$(show 'token URL')" \
		"token URL: $MOCK_URL/rest/oauth/v2/token (--url)"
	# a base URL still gets the path
	run -0 --separate-stderr "$CT" --show-config -u "$MOCK_URL/oauth"
	assert_equal "$(show 'token URL')" \
		"token URL: $MOCK_URL/oauth/rest/oauth/v2/token (--url)"
}

@test "COLLIBRA_TOKEN_CACHE takes the config file's words, in any case" {
	ct_isolate_config
	CFG=$CT_CFG
	local w
	for w in false no off 0 FALSE Off; do
		COLLIBRA_TOKEN_CACHE=$w run -0 --separate-stderr "$CT" --show-config
		assert_equal "$(show cache)" 'cache: off (COLLIBRA_TOKEN_CACHE)'
	done
	for w in true yes on 1 True; do
		COLLIBRA_TOKEN_CACHE=$w run -0 --separate-stderr "$CT" --show-config
		assert_equal "$(show cache)" 'cache: on (COLLIBRA_TOKEN_CACHE)'
	done
	# and the config file the same words, in any case
	unset COLLIBRA_TOKEN_CACHE
	printf '[default]\ncache = No\n' | ct_write_config
	run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show cache)" "cache: off ($CFG:2)"
}

@test "a word that is no boolean is refused the same way everywhere" {
	ct_isolate_config
	CFG=$CT_CFG
	COLLIBRA_TOKEN_CACHE=maybe run -2 --separate-stderr "$CT"
	assert_output ''
	assert_regex "$stderr" '^collibra-token: COLLIBRA_TOKEN_CACHE: .*true.*false'
	unset COLLIBRA_TOKEN_CACHE
	printf '[default]\ninsecure = maybe\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "^collibra-token: $CFG:2: .*true.*false"
}

@test "a missing URL, client ID and secret are reported at once" {
	local n
	unset COLLIBRA_URL COLLIBRA_CLIENT_ID COLLIBRA_CLIENT_SECRET
	n=$(mock_requests)
	run -2 --separate-stderr "$CT" </dev/null
	assert_output ''
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	assert_regex "$stderr" 'URL.*--url.*COLLIBRA_URL'
	assert_regex "$stderr" 'client ID.*--client-id.*COLLIBRA_CLIENT_ID'
	assert_regex "$stderr" 'secret.*COLLIBRA_CLIENT_SECRET'
	# two of them: both named, the one that is there not
	COLLIBRA_CLIENT_ID=x run -2 --separate-stderr "$CT" </dev/null
	assert_regex "$stderr" 'URL.*secret'
	refute_regex "$stderr" 'client ID'
	assert_equal "$(requests_since "$n")" 0
}

@test "a mistyped long option gets a suggestion, never its value" {
	local n
	n=$(mock_requests)
	run -2 --separate-stderr "$CT" --client_id=value-not-shown
	assert_equal "${stderr_lines[0]}" \
		"collibra-token: unrecognized option '--client_id'; did you mean '--client-id'?"
	[[ $stderr != *value-not-shown* ]] || fail "the value is shown"
	run -2 --separate-stderr "$CT" --client-secert=value-not-shown
	assert_regex "$stderr" "did you mean '--client-secret'\?"
	[[ $stderr != *value-not-shown* ]] || fail "the value is shown"
	run -2 --separate-stderr "$CT" --vebrose
	assert_regex "$stderr" "did you mean '--verbose'\?"
	# nothing close: no guess
	run -2 --separate-stderr "$CT" --no-such-flag
	refute_regex "$stderr" 'did you mean'
	assert_equal "$(requests_since "$n")" 0
}

@test "curl's option names point at ours" {
	run -2 --separate-stderr "$CT" --retry 3
	assert_regex "$stderr" "^collibra-token: unrecognized option '--retry'; did you mean '--retries'\?"
	run -2 --separate-stderr "$CT" --max-time=5
	assert_regex "$stderr" "^collibra-token: unrecognized option '--max-time'; did you mean '--timeout'\?"
	[[ $stderr != *=5* ]] || fail "the value is shown"
	run -2 --separate-stderr "$CT" --retry-max-time 9
	assert_regex "$stderr" "did you mean '--timeout'\?"
}
