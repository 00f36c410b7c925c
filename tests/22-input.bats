#!/usr/bin/env bats
# Input as people paste and type it (issue 23): the token endpoint given
# as the base URL, quoted config values, one boolean parser for flags,
# variables and the config file, missing settings reported at once with
# the profiles that exist, and "did you mean" for config keys, sections
# and long options, never with a value.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	CFG=$CT_CFG
}

# show LABEL: the --show-config line for LABEL ("LABEL: ...") from $output.
show() {
	printf '%s\n' "$output" | grep -m1 -- "^$1: " || true
}

# --- the token endpoint pasted as --url (item 2) ---------------------------

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

@test "an unexpected status names the URL that was asked" {
	local url=$MOCK_URL/nope/rest/oauth/v2/token
	# 404 (an HTML page), as a mistyped path gives
	run -5 --separate-stderr "$CT" --retries 0 -u "$MOCK_URL/nope"
	assert_output ''
	assert_regex "$stderr" 'unexpected HTTP 404'
	[[ $stderr == *"$url"* ]] || fail "no URL in: $stderr"
	# 5xx, 429, a redirect and a 401 without an OAuth error
	for s in status/503 status/429 redirect/302 status/401 status/403; do
		url=$MOCK_URL/$s/rest/oauth/v2/token
		run --separate-stderr "$CT" --retries 0 -u "$MOCK_URL/$s"
		[[ $status -eq 5 || $status -eq 11 ]] ||
			fail "$s: exit $status: $stderr"
		[[ $stderr == *"$url"* ]] || fail "$s: no URL in: $stderr"
		refute_leak
	done
	# an OAuth error is expected: the server's own words, no URL
	run -11 --separate-stderr "$CT" --retries 0 \
		-u "$MOCK_URL/oauth/invalid_client"
	[[ $stderr != *"$MOCK_URL"* ]] || fail "URL in: $stderr"
}

# --- quoted config values (item 3) ------------------------------------------

@test "a config value in one pair of matching quotes is taken without them" {
	unset COLLIBRA_URL
	ct_write_config <<-EOF
		[default]
		url = "$MOCK_URL/scope"
		scope = 'read write'
		format = "json"
	EOF
	run -0 --separate-stderr "$CT"
	assert_equal "$(mock_last_field path)" /scope/rest/oauth/v2/token
	assert_equal "$(mock_last_field scope)" 'read write'
	assert_regex "$output" "^\{\"access_token\":\"$MOCK_TOKEN\""
	run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show 'token URL')" \
		"token URL: $MOCK_URL/scope/rest/oauth/v2/token ($CFG:2)"
	assert_equal "$(show scope)" "scope: read write ($CFG:3)"
}

@test "a quoted client_secret loses its quotes; one of another kind stays" {
	local secret=$COLLIBRA_CLIENT_SECRET
	unset COLLIBRA_CLIENT_SECRET
	ct_write_config <<-EOF
		[default]
		client_secret = "$secret"
	EOF
	run -0 --separate-stderr "$CT"
	assert_output "$MOCK_TOKEN"
	assert_equal "$(mock_last_field auth_ok)" true
	# quotes inside the pair are part of the value
	mock_add_creds "$COLLIBRA_CLIENT_ID" "'a\"b'c\""
	ct_write_config <<-EOF
		[default]
		client_secret = "'a"b'c""
	EOF
	run -0 --separate-stderr "$CT"
	assert_equal "$(mock_last_field auth_ok)" true
	refute_leak
}

@test "a value that opens a quote and does not close it is refused at its line, without the value" {
	unset COLLIBRA_URL
	ct_write_config <<-EOF
		[default]
		url = "$MOCK_URL
		client_secret = 'quoted-secret-value
	EOF
	run -2 --separate-stderr "$CT"
	assert_output ''
	assert_regex "$stderr" "^collibra-token: $CFG:2: .*quote.*url"
	ct_write_config <<-EOF
		[default]
		client_secret = 'quoted-secret-value
	EOF
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "^collibra-token: $CFG:2: .*quote.*client_secret"
	[[ $stderr != *quoted-secret-value* ]] || fail "the value is shown"
}

# --- one boolean parser (item 4) ---------------------------------------------

@test "COLLIBRA_TOKEN_CACHE takes the config file's words, in any case" {
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
	COLLIBRA_TOKEN_CACHE=maybe run -2 --separate-stderr "$CT"
	assert_output ''
	assert_regex "$stderr" '^collibra-token: COLLIBRA_TOKEN_CACHE: .*true.*false'
	unset COLLIBRA_TOKEN_CACHE
	printf '[default]\ninsecure = maybe\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "^collibra-token: $CFG:2: .*true.*false"
}

# --- missing settings, all at once (item 7) ----------------------------------

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

@test "with profiles in the config file and none chosen, a missing setting lists them" {
	unset COLLIBRA_URL
	ct_write_config <<-EOF
		[default]
		retries = 1
		[profile dev]
		url = $MOCK_URL
		[profile prod]
		url = $MOCK_URL/expires/90
	EOF
	run -2 --separate-stderr "$CT"
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	assert_regex "$stderr" 'URL'
	[[ $stderr == *'-p dev|prod'* ]] || fail "no profile list in: $stderr"
	# the secret alone missing, found at the fetch: the same list
	export COLLIBRA_URL=$MOCK_URL
	unset COLLIBRA_CLIENT_SECRET
	run -2 --separate-stderr "$CT" </dev/null
	assert_regex "$stderr" 'no client secret'
	[[ $stderr == *'-p dev|prod'* ]] || fail "no profile list in: $stderr"
	# a chosen profile: no list
	run -2 --separate-stderr "$CT" -p dev </dev/null
	[[ $stderr != *'-p dev|prod'* ]] || fail "a list in: $stderr"
}

@test "a profile that is not found lists those that exist" {
	ct_write_config <<-EOF
		[default]
		retries = 1
		[profile dev]
		scope = a
		[profile prod]
		scope = b
	EOF
	run -2 --separate-stderr "$CT" -p nope
	assert_regex "$stderr" "^collibra-token: profile 'nope' not found in $CFG"
	[[ $stderr == *'-p dev|prod'* ]] || fail "no profile list in: $stderr"
	printf '[default]\nretries = 1\n' | ct_write_config
	run -2 --separate-stderr "$CT" -p nope
	assert_regex "$stderr" 'no \[profile'
}

# --- did you mean (item 8) ---------------------------------------------------

@test "a mistyped config key gets a suggestion, never its value" {
	printf '[default]\nclientid = value-not-shown\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_equal "$stderr" \
		"collibra-token: $CFG:2: unknown key 'clientid'; did you mean 'client_id'?"
	printf '[default]\nclient-secret = value-not-shown\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "unknown key 'client-secret'; did you mean 'client_secret'\?$"
	printf '[default]\ntimout = 5\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "did you mean 'timeout'\?$"
	# nothing close: no guess
	printf '[default]\ncolour = blue\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_equal "$stderr" "collibra-token: $CFG:2: unknown key 'colour'"
}

@test "a section without 'profile ' gets [profile NAME] suggested; a mistyped [default] too" {
	printf '[prod]\nscope = a\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_equal "$stderr" \
		"collibra-token: $CFG:1: unknown section 'prod'; did you mean '[profile prod]'?"
	printf '[defualt]\nscope = a\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "unknown section 'defualt'; did you mean '\[default\]'\?$"
	printf '[profiles dev]\nscope = a\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "did you mean '\[profile dev\]'\?$"
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
