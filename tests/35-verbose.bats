#!/usr/bin/env bats
# --verbose: where settings came from, the request and response, timings;
# never the secret or the token.

load helpers

setup_file() {
	ct_setup_file
	ct_sr_secret
}
teardown_file() { ct_teardown_file; }

setup() { ct_isolate_config; }
teardown() { nginx_stop; }

# start_nginx: nginx speaking HTTP/2 (ALPN) on loopback with the test PKI,
# issuing $MOCK_TOKEN (the mock server speaks HTTP/1.1 only); NGINX_URL.
start_nginx() {
	nginx_start "$BATS_FILE_TMPDIR/nginx" "$CT_PKI/server.pem" \
	    "$CT_PKI/server.key" "$MOCK_TOKEN" || fail "nginx did not start"
}

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
	"$CT_UNIT" encode "$1"
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

# The start of libcurl's lines for an HTTP/2 request header: "* h2h3 "
# in libcurl 7.88, "* [HTTP/2] [1] " (the stream) in libcurl 8 (issue 25
# item 3: Debian 13).
H2='\* (h2h3|\[HTTP/2\] \[[0-9]+\]) '

# h2_lines: libcurl shows each HTTP/2 request header in a line of its own
# (7.87 and later; Debian 11's 7.74 only the "> " lines).
h2_lines() {
	ct_libcurl_since 7.87.0
}

# security review 2 (issue 18), finding 1
@test "1: -vv over HTTP/2 hides the Basic value in libcurl's HTTP/2 header lines" {
	start_nginx
	COLLIBRA_CLIENT_SECRET=$SR_SECRET run --separate-stderr "$CT" -vv \
		--url "$NGINX_URL"
	assert_success
	assert_output "$MOCK_TOKEN"
	# HTTP/2 it was, and its header lines were shown, redacted
	assert_regex "$stderr" '\* [Uu]sing HTTP/?2'
	if h2_lines; then
		assert_regex "$stderr" "$H2"'\[authorization: Basic <redacted>\]'
		assert_regex "$stderr" "$H2"'\[:path: /rest/oauth/v2/token\]'
	fi
	# (lower case from libcurl 7.88 over HTTP/2, as given from 8)
	assert_regex "$stderr" '> [Aa]uthorization: Basic <redacted>'
	refute_secret "$stderr"
	refute_leak
}

# security review 2 (issue 18), finding 1
@test "1: -vv over HTTP/2 with --auth-method post shows neither the secret nor its encoding" {
	start_nginx
	COLLIBRA_CLIENT_SECRET=$SR_SECRET run --separate-stderr "$CT" -vv \
		--auth-method post --url "$NGINX_URL"
	assert_success
	assert_regex "$stderr" '\* [Uu]sing HTTP/?2'
	assert_regex "$stderr" 'client_secret=<redacted>'
	refute_regex "$stderr" 'authorization'
	refute_secret "$stderr"
}

# security review 2 (issue 18), finding 1
@test "1: -vv over HTTP/2 hides a long secret's Basic value, which libcurl cuts short itself" {
	local long
	start_nginx
	# libcurl cuts its text lines at 2048 bytes: the Basic value of a
	# 2000-byte secret arrives cut, and matches no form of the secret
	long=$(ct_random_alnum 2000)
	SR_SECRET=$long COLLIBRA_CLIENT_SECRET=$long run --separate-stderr \
		"$CT" -vv --url "$NGINX_URL"
	assert_success
	! h2_lines || assert_regex "$stderr" "$H2"'\[authorization: Basic <redacted>\]'
	SR_SECRET=$long refute_secret "$stderr"
}

# security review 2 (issue 18), finding 1
@test "1: every -vv trace line hides the secret, wherever it stands (a URL query here)" {
	# a line of libcurl's that holds the secret in any form must not show
	# it: here the token URL's query carries it, in the request line and
	# in libcurl's text (the settings above the trace show the URL as given)
	local trace
	sr_forms
	COLLIBRA_CLIENT_SECRET=$SR_SECRET run --separate-stderr "$CT" -vv \
		--token-url "$MOCK_URL/rest/oauth/v2/token?k=$SR_ENC&r=$SR_SECRET"
	assert_success
	trace=$(grep '^[*><] ' <<<"$stderr")
	assert_regex "$trace" '> POST /rest/oauth/v2/token\?k=<redacted>&r=<redacted> HTTP/1.1'
	refute_secret "$trace"
}

# security review 2 (issue 18), finding 5
@test "5: -vv hides a proxy password given without a scheme (https_proxy=user:pass@host)" {
	start_proxy
	https_proxy="pxuser:pxSecret42@127.0.0.1:$PROXY_PORT" run --separate-stderr "$CT" -vv
	stop_proxy
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" "Uses proxy env variable https_proxy == '<redacted>@127.0.0.1:$PROXY_PORT'"
	assert_regex "$stderr" '> Proxy-Authorization: Basic <redacted>'
	[[ $stderr != *pxSecret42* ]]
	[[ $stderr != *pxuser* ]]
	assert_equal "$(cat "$PROXY_LOG")" "CONNECT 127.0.0.1:$MOCK_PORT"
}

# security review 2 (issue 18), finding 5
@test "5: -vv hides a proxy key given as the user name (http://KEY@proxy)" {
	start_proxy
	https_proxy="http://pxKey42@127.0.0.1:$PROXY_PORT" run --separate-stderr "$CT" -vv
	stop_proxy
	assert_success
	assert_regex "$stderr" 'Proxy auth using Basic with user <redacted>'
	[[ $stderr != *pxKey42* ]]
}

# security review 1 (issue 9), finding 5
@test "-vv redacts user:password of a proxy from the environment or --proxy" {
	local pw
	pw=pw-$(ct_random_alnum 12)
	start_proxy
	https_proxy=http://user:$pw@127.0.0.1:$PROXY_PORT run --separate-stderr "$CT" -vv
	assert_success
	[[ $stderr != *"$pw"* ]] || fail "-vv shows the proxy password from https_proxy"
	assert_regex "$stderr" 'http://<redacted>@127\.0\.0\.1'
	run --separate-stderr "$CT" -vv --proxy "http://user:$pw@127.0.0.1:$PROXY_PORT"
	assert_success
	[[ $stderr != *"$pw"* ]] || fail "-vv shows the proxy password from --proxy"
	stop_proxy
	refute_leak
}

# security review 2 (issue 18), finding 7
@test "7: an echoed secret in a Location or another header (-v) is hidden" {
	COLLIBRA_CLIENT_SECRET=$SR_SECRET run --separate-stderr "$CT" \
		--retries 0 -u "$MOCK_URL/echo-secret/location"
	assert_equal "$status" 5
	assert_regex "$stderr" 'redirect to https://elsewhere.invalid/\?e=<redacted>'
	refute_secret "$stderr"
	COLLIBRA_CLIENT_SECRET=$SR_SECRET run --separate-stderr "$CT" -v \
		--retries 0 -u "$MOCK_URL/echo-secret/header/490"
	assert_success
	assert_regex "$stderr" '< X-Echo: p+<redacted>'
	refute_secret "$stderr"
}

# security review 1 (issue 9), finding 9
@test "-v redacts a long token echoed in a header, and one split by the cut" {
	run --separate-stderr "$CT" -v --url "$MOCK_URL/echo-header/0/1200"
	assert_success
	refute_leak
	assert_regex "$stderr" '< X-Echo: <redacted>'
	# the token begins before the 512-byte cut and ends after it
	run --separate-stderr "$CT" -v --url "$MOCK_URL/echo-header/490/600"
	assert_success
	[[ $stderr != *"${MOCK_TOKEN:0:10}"* ]] || fail "-v shows the start of the token"
	refute_leak
}

# security review 1 (issue 9), finding 11
@test "-v and --show-config hide a password in the URL" {
	run --separate-stderr "$CT" --url "https://user:hunter2@127.0.0.1:$MOCK_PORT" -v
	assert_equal "$status" 2
	[[ $stderr != *hunter2* ]]
	run -0 --separate-stderr "$CT" --url "https://user:hunter2@127.0.0.1:$MOCK_PORT" \
		--show-config
	[[ $output != *hunter2* ]]
	assert_line --partial 'token URL: https://<redacted>@127.0.0.1'
}
