#!/usr/bin/env bats
# --verbose: where settings came from, the request and response, timings;
# never the secret or the token.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

@test "-v names the source of each setting" {
	COLLIBRA_TOKEN_FORMAT=raw run --separate-stderr "$CT" -v --scope read --timeout 7
	assert_success
	assert_output "$MOCK_TOKEN"
	[[ $stderr == *"token URL: $MOCK_URL/rest/oauth/v2/token (COLLIBRA_URL)"* ]]
	assert_regex "$stderr" "client ID: urn:sys:env:[^ ]* \(COLLIBRA_CLIENT_ID\)"
	assert_regex "$stderr" 'client secret: 32 bytes, <redacted> \(COLLIBRA_CLIENT_SECRET\)'
	assert_regex "$stderr" 'scope: read \(--scope\)'
	assert_regex "$stderr" 'auth method: basic \(default\)'
	assert_regex "$stderr" 'format: raw \(COLLIBRA_TOKEN_FORMAT\)'
	assert_regex "$stderr" 'timeout: 7 s \(--timeout\)'
	assert_regex "$stderr" 'connect timeout: 10 s \(default\)'
	assert_regex "$stderr" 'CA file: .*ca.pem \(SSL_CERT_FILE\)'
	refute_leak
}

@test "-v shows the request with Authorization redacted" {
	run --separate-stderr "$CT" -v
	assert_success
	assert_regex "$stderr" '> POST /rest/oauth/v2/token HTTP/'
	assert_regex "$stderr" '> Authorization: Basic <redacted>'
	assert_regex "$stderr" '> User-Agent: collibra-token/'
	assert_regex "$stderr" '> Content-Type: application/x-www-form-urlencoded'
	assert_regex "$stderr" '> \[body\] grant_type=client_credentials'
	refute_leak
	# the base64 of the credentials must not appear either
	local basic
	basic=$(printf '%s:%s' "$(tests_encode "$COLLIBRA_CLIENT_ID")" "$COLLIBRA_CLIENT_SECRET" | base64 -w0)
	[[ $stderr != *"$basic"* ]]
	[[ $stderr != *"${basic:20:20}"* ]]
}

# tests_encode S: S form-encoded, as the tool does it.
tests_encode() {
	"$BATS_TEST_DIRNAME/ct-unit" encode "$1"
}

@test "-v with --auth-method post redacts client_secret in the body" {
	run --separate-stderr "$CT" -v --auth-method post
	assert_success
	assert_regex "$stderr" '> \[body\] grant_type=client_credentials&client_id=urn%3Asys%3A[^&]*&client_secret=<redacted>'
	refute_regex "$stderr" 'Authorization'
	refute_leak
}

@test "-v shows the response status, headers and timings, and the token only as its length" {
	run --separate-stderr "$CT" -v
	assert_success
	assert_regex "$stderr" '< HTTP/[0-9.]+ 200'
	assert_regex "$stderr" '< [Cc]ontent-[Tt]ype: application/json'
	assert_regex "$stderr" 'HTTP 200, [0-9]+ byte body; timings \(ms\): dns [0-9.]+ connect [0-9.]+ tls [0-9.]+ first byte [0-9.]+ total [0-9.]+'
	assert_regex "$stderr" "token: ${#MOCK_TOKEN} bytes, <redacted>, type Bearer, expires in 3600 s"
	refute_leak
}

@test "-v notes a Content-Type other than application/json" {
	run --separate-stderr "$CT" -v --url "$MOCK_URL/content-type/text/plain"
	assert_success
	assert_regex "$stderr" 'note: Content-Type is text/plain, not application/json'
}

@test "-vv adds libcurl's trace and still leaks nothing" {
	run --separate-stderr "$CT" -vv
	assert_success
	assert_regex "$stderr" '\* .*(Connected|Trying)'
	assert_regex "$stderr" '\* .*(SSL|TLS)'
	refute_leak
}

@test "-v on errors leaks nothing and keeps stdout empty" {
	local scenario
	for scenario in oauth/invalid_client status/500 body/token-space body/malformed redirect; do
		run --separate-stderr "$CT" -vv --url "$MOCK_URL/$scenario"
		assert_failure
		assert_output ''
		refute_leak
	done
	COLLIBRA_CLIENT_SECRET=$COLLIBRA_CLIENT_SECRET-wrong run --separate-stderr "$CT" -vv
	assert_equal "$status" 11
	refute_leak
}

@test "-v with a secret file leaks nothing" {
	local f=$BATS_TEST_TMPDIR/secret
	printf '%s\n' "$COLLIBRA_CLIENT_SECRET" >"$f"
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT" -vv --client-secret-file "$f"
	assert_success
	assert_regex "$stderr" "client secret: 32 bytes, <redacted> \(--client-secret-file\)"
	refute_leak
}

@test "without -v a success prints nothing on stderr" {
	run --separate-stderr "$CT"
	assert_success
	assert_equal "$stderr" ''
}
