#!/usr/bin/env bats
# Every failure class and its exit code, with one clear line on stderr,
# nothing on stdout, and neither the secret nor the token leaked.

load helpers

setup_file() {
	ct_setup_file
	ct_sr_secret
}
teardown_file() { ct_teardown_file; }

setup() { ct_isolate_config; }

# fails_with CODE SCENARIO [ARGS...]: exit CODE, empty stdout, one line on
# stderr, no leak.
fails_with() {
	local code=$1 scenario=$2
	shift 2
	run --separate-stderr "$CT" --url "$MOCK_URL/$scenario" "$@"
	assert_equal "$status" "$code"
	assert_output ''
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	assert_regex "$stderr" '^collibra-token: '
	refute_leak
}

@test "each OAuth error code maps to its exit code with its description" {
	local -A codes=(
		[invalid_request]=10 [invalid_client]=11 [invalid_grant]=12
		[unauthorized_client]=13 [unsupported_grant_type]=14
		[invalid_scope]=15 [access_denied]=16 [made_up_error]=16
	)
	local code http sources
	for code in "${!codes[@]}"; do
		http=400 sources=
		# invalid_client names the credentials' sources (issue 23, item 6)
		[[ $code == invalid_client ]] && http=401 sources='; client ID from COLLIBRA_CLIENT_ID, secret from COLLIBRA_CLIENT_SECRET'
		fails_with "${codes[$code]}" "oauth/$code"
		assert_equal "$stderr" "collibra-token: $code: mock says $code (HTTP $http)$sources"
	done
}

@test "server_error and temporarily_unavailable are server errors (5)" {
	fails_with 5 oauth/server_error
	assert_equal "$stderr" 'collibra-token: server_error: mock says server_error (HTTP 400)'
	fails_with 5 oauth/temporarily_unavailable/503
	assert_regex "$stderr" 'temporarily_unavailable: .*\(HTTP 503\)'
}

@test "an OAuth error without a description" {
	fails_with 15 oauth-bare/invalid_scope
	assert_equal "$stderr" 'collibra-token: invalid_scope (HTTP 400)'
}

@test "400 and 401 without an OAuth body map to invalid_request and invalid_client" {
	fails_with 10 status/400
	assert_equal "$stderr" "collibra-token: invalid_request: HTTP 400 from $MOCK_URL/status/400/rest/oauth/v2/token without an OAuth error (Content-Type text/html)"
	fails_with 11 empty/401
	assert_equal "$stderr" "collibra-token: invalid_client: HTTP 401 from $MOCK_URL/empty/401/rest/oauth/v2/token without an OAuth error (no Content-Type); client ID from COLLIBRA_CLIENT_ID, secret from COLLIBRA_CLIENT_SECRET"
}

@test "5xx and 429 are server errors (5)" {
	local s
	# one attempt each: the retries are 41-retry's
	for s in 500 502 503 504 429; do
		fails_with 5 "status/$s" --retries 0
		assert_equal "$stderr" "collibra-token: server error: HTTP $s from $MOCK_URL/status/$s/rest/oauth/v2/token"
	done
	fails_with 5 empty/502
}

@test "another status without an OAuth body is a server error (5)" {
	fails_with 5 status/403
	assert_equal "$stderr" "collibra-token: server error: unexpected HTTP 403 from $MOCK_URL/status/403/rest/oauth/v2/token (Content-Type text/html)"
	fails_with 5 status/204
	fails_with 5 status/201
}

@test "an unknown path (404) is a server error (5)" {
	run --separate-stderr "$CT" --token-url "$MOCK_URL/nothing/here"
	assert_equal "$status" 5
	assert_regex "$stderr" 'HTTP 404'
}

@test "a redirect is not followed (5) and the credentials go nowhere else" {
	local s
	for s in 301 302 303 307 308; do
		fails_with 5 "redirect/$s"
		assert_equal "$stderr" "collibra-token: server error: HTTP $s from $MOCK_URL/redirect/$s/rest/oauth/v2/token: redirect to https://elsewhere.invalid/rest/oauth/v2/token not followed"
	done
}

@test "a 200 without a usable token is a bad response (6)" {
	local name
	for name in malformed array notjson empty missing-token empty-token \
		token-number token-null token-newline token-space \
		token-nonascii token-nonascii-escaped token-control token-nul \
		type-mac type-missing expires-negative expires-fraction \
		expires-huge expires-string dup-keys nested error-in-200 \
		trailing-garbage bom; do
		fails_with 6 "body/$name"
		assert_regex "$stderr" '^collibra-token: bad response: '
	done
}

@test "a body over 1 MiB is refused (6); one just under is read" {
	fails_with 6 big/2000000
	assert_equal "$stderr" 'collibra-token: bad response: body larger than 1048576 bytes'
	fails_with 6 big/10485760
	run --separate-stderr "$CT" --url "$MOCK_URL/big/1048576"
	assert_success
	((${#output} > 1048000))
}

@test "quotes are printable ASCII: a token holding them is accepted as is" {
	run --separate-stderr "$CT" --url "$MOCK_URL/body/token-quote"
	assert_success
	assert_output "abc'def\"ghi"
}

@test "connection refused is a network error (3)" {
	local port
	port=$("$MOCK_PYTHON" -S -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	run --separate-stderr "$CT" --url "https://127.0.0.1:$port"
	assert_equal "$status" 3
	assert_regex "$stderr" '^collibra-token: network error: .*[Cc]onnect'
}

@test "an unresolvable host is a network error (3)" {
	run --separate-stderr "$CT" --url https://host.invalid --connect-timeout 5
	assert_equal "$status" 3
	assert_regex "$stderr" '^collibra-token: network error: '
}

@test "a server that never answers hits --timeout (3)" {
	SECONDS=0
	fails_with 3 hang --timeout 1
	assert_regex "$stderr" 'network error: .*([Tt]imed out|[Tt]imeout)'
	# --timeout 1, not the default 30 s: a margin a loaded machine meets
	((SECONDS <= 15))
}

@test "a slow server within --timeout succeeds" {
	run --separate-stderr "$CT" --url "$MOCK_URL/delay/0.5" --timeout 5
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "a connection closed mid-body is a network error (3)" {
	fails_with 3 close
	assert_regex "$stderr" 'network error: '
}

@test "an untrusted certificate is a TLS error (4)" {
	local n
	n=$(mock_requests)
	SSL_CERT_FILE='' run --separate-stderr "$CT" --cacert /etc/ssl/certs/ca-certificates.crt
	assert_equal "$status" 4
	assert_output ''
	assert_regex "$stderr" '^collibra-token: TLS error: .*certificate'
	assert_equal "$(mock_requests)" "$n"
	refute_leak
}

@test "the system trust store does not trust the test CA (4)" {
	run --separate-stderr env -u SSL_CERT_FILE "$CT"
	assert_equal "$status" 4
}

@test "a certificate for another name is a TLS error (4)" {
	MOCK_PREFIX=WRONG mock_start "$CT_MOCK_DIR/wrong" "$CT_PKI/wrong.pem" "$CT_PKI/wrong.key"
	run --separate-stderr "$CT" --url "$WRONG_URL"
	mock_stop WRONG
	assert_equal "$status" 4
	assert_regex "$stderr" '^collibra-token: TLS error: .*(name|match)'
	refute_leak
}

@test "--insecure skips verification, with a warning" {
	run --separate-stderr env -u SSL_CERT_FILE "$CT" -k
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'warning: --insecure: the server certificate'
}

@test "--cacert and --capath trust the given CAs" {
	local dir=$BATS_TEST_TMPDIR/capath
	run --separate-stderr env -u SSL_CERT_FILE "$CT" --cacert "$CT_PKI/ca.pem"
	assert_success
	mkdir "$dir"
	cp "$CT_PKI/ca.pem" "$dir/"
	openssl rehash "$dir" 2>/dev/null || c_rehash "$dir" >/dev/null
	run --separate-stderr env -u SSL_CERT_FILE "$CT" --capath "$dir"
	assert_success
	run --separate-stderr env -u SSL_CERT_FILE SSL_CERT_DIR="$dir" "$CT"
	assert_success
	run --separate-stderr env -u SSL_CERT_FILE "$CT" --capath "$BATS_TEST_TMPDIR"
	assert_equal "$status" 4
}

@test "an error description's escape sequences are stripped on stderr" {
	fails_with 10 escape
	assert_equal "$stderr" 'collibra-token: invalid_request: bad [31mred[0m bell  injected line (HTTP 400)'
	[[ $stderr != *$'\e'* && $stderr != *$'\a'* && $stderr != *$'\r'* ]]
}

@test "a closed or full stdout is an internal error (1), not success" {
	run --separate-stderr bash -c '"$1" >&-' _ "$CT"
	assert_equal "$status" 1
	assert_regex "$stderr" 'standard output is closed'
	run --separate-stderr bash -c '"$1" >/dev/full' _ "$CT"
	assert_equal "$status" 1
	assert_regex "$stderr" 'cannot write the token to standard output: No space left on device'
	refute_leak
}

@test "a closed pipe is reported, not a silent death" {
	run -0 --separate-stderr bash -c '"$1" --url "$2" | true; echo "${PIPESTATUS[0]}"' _ "$CT" "$MOCK_URL/delay/0.3"
	assert_output 1
	assert_regex "$stderr" 'cannot write the token'
}

@test "--proxy tunnels the request through the proxy" {
	start_proxy
	run --separate-stderr "$CT" --proxy "$PROXY_URL"
	stop_proxy
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(cat "$PROXY_LOG")" "CONNECT 127.0.0.1:$MOCK_PORT"
	refute_leak
}

@test "HTTPS_PROXY is honoured, and NO_PROXY bypasses it" {
	start_proxy
	HTTPS_PROXY=$PROXY_URL run --separate-stderr "$CT"
	assert_success
	assert_equal "$(wc -l <"$PROXY_LOG")" 1
	HTTPS_PROXY=$PROXY_URL NO_PROXY=127.0.0.1 run --separate-stderr "$CT"
	assert_success
	assert_equal "$(wc -l <"$PROXY_LOG")" 1
	stop_proxy
}

@test "an unreachable proxy is a network error (3)" {
	run --separate-stderr "$CT" --proxy http://127.0.0.1:9 --retries 0
	assert_equal "$status" 3
	assert_regex "$stderr" '^collibra-token: network error: '
}

@test "--connect-timeout bounds a handshake that never comes (3)" {
	local dir=$BATS_TEST_TMPDIR port
	# a listener that never accepts: TCP connects, TLS never answers
	"$MOCK_PYTHON" -S -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$dir/port" 3>&- &
	local pid=$!
	for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
	port=$(cat "$dir/port")
	SECONDS=0
	run --separate-stderr "$CT" --url "https://127.0.0.1:$port" --connect-timeout 1 \
		--timeout 20 --retries 0
	kill "$pid"
	assert_equal "$status" 3
	assert_regex "$stderr" 'network error: .*([Tt]imed out|timeout)'
	# --connect-timeout 1, long before --timeout 20
	((SECONDS <= 10))
}

# issue 11, item 3: Collibra's REST error envelope
@test "Collibra's error envelope: userMessage, else titleMessage, sanitised, with the status" {
	run --separate-stderr "$CT" --url "$MOCK_URL/collibra/401/user"
	assert_equal "$status" 11
	assert_equal "$stderr" 'collibra-token: authenticationFailed: The client [31mcredentials[0m are not valid (HTTP 401); client ID from COLLIBRA_CLIENT_ID, secret from COLLIBRA_CLIENT_SECRET'
	run --separate-stderr "$CT" --url "$MOCK_URL/collibra/400/title"
	assert_equal "$status" 10
	assert_equal "$stderr" 'collibra-token: badRequest: Bad request (HTTP 400)'
	# a status that is not the client's own error names the URL (issue 23)
	run --separate-stderr "$CT" --url "$MOCK_URL/collibra/403/user"
	assert_equal "$status" 5
	assert_equal "$stderr" "collibra-token: authenticationFailed: The client [31mcredentials[0m are not valid (HTTP 403 from $MOCK_URL/collibra/403/user/rest/oauth/v2/token)"
	# neither message: as without a body
	run --separate-stderr "$CT" --url "$MOCK_URL/collibra/401/none"
	assert_equal "$status" 11
	assert_equal "$stderr" "collibra-token: invalid_client: HTTP 401 from $MOCK_URL/collibra/401/none/rest/oauth/v2/token without an OAuth error (Content-Type application/json); client ID from COLLIBRA_CLIENT_ID, secret from COLLIBRA_CLIENT_SECRET"
}

# issue 11, item 3
@test "an HTML error page is never printed; the line names the status and Content-Type" {
	run --separate-stderr "$CT" --url "$MOCK_URL/html/401"
	assert_equal "$status" 11
	assert_equal "$stderr" "collibra-token: invalid_client: HTTP 401 from $MOCK_URL/html/401/rest/oauth/v2/token without an OAuth error (Content-Type text/html; charset=\"utf-8\"); client ID from COLLIBRA_CLIENT_ID, secret from COLLIBRA_CLIENT_SECRET"
	run --separate-stderr "$CT" --url "$MOCK_URL/html/400"
	assert_equal "$status" 10
	assert_equal "$stderr" "collibra-token: invalid_request: HTTP 400 from $MOCK_URL/html/400/rest/oauth/v2/token without an OAuth error (Content-Type text/html; charset=\"utf-8\")"
	run --separate-stderr "$CT" --url "$MOCK_URL/html/403"
	assert_equal "$status" 5
	assert_equal "$stderr" "collibra-token: server error: unexpected HTTP 403 from $MOCK_URL/html/403/rest/oauth/v2/token (Content-Type text/html; charset=\"utf-8\")"
	[[ $stderr != *SECRET-PAGE* ]]
}

# security review 1 (issue 9), finding 11
@test "bidi overrides and zero-width characters in an OAuth error are dropped" {
	run --separate-stderr "$CT" --url "$MOCK_URL/escape-bidi"
	assert_equal "$status" 10
	assert_equal "$stderr" 'collibra-token: invalid_request: abcdefghij (HTTP 400)'
}

# security review 2 (issue 18), finding 8
@test "8: U+00AD, U+061C, U+180E, U+2028, U+2029, variation selectors and tags from the server are dropped" {
	run --separate-stderr "$CT" --retries 0 -u "$MOCK_URL/escape-invisible"
	assert_equal "$status" 10
	assert_regex "$stderr" 'invalid_request: abcdefghij \(HTTP 400\)'
}

# security review 2 (issue 18), finding 7
@test "7: an echoed secret in error_description, userMessage or titleMessage is hidden" {
	local where method
	for where in desc user title; do
		for method in basic post; do
			COLLIBRA_CLIENT_SECRET=$SR_SECRET run --separate-stderr "$CT" \
				--retries 0 --auth-method "$method" -u "$MOCK_URL/echo-secret/$where"
			assert_failure
			assert_regex "$stderr" '<redacted>'
			refute_secret "$stderr"
		done
	done
}

# security review 2 (issue 18), finding 7
@test "7: an echoed secret cut at the message limit leaves no part of itself" {
	local pad
	# the description is cut at 300 bytes: the secret starts before the
	# cut, so at most 300 - pad bytes of it could be left
	for pad in 280 290 295; do
		COLLIBRA_CLIENT_SECRET=$SR_SECRET run --separate-stderr "$CT" \
			--retries 0 -u "$MOCK_URL/echo-secret/desc/$pad"
		assert_equal "$status" 11
		refute_secret "$stderr" $((300 - pad < 8 ? 300 - pad : 8))
	done
}

# issue 25 item 1: a libcurl older than 7.74.0 (RHEL 8's 7.61.1 here, a
# stand-in with every entry point the tool loads) is refused in one line
@test "a libcurl older than 7.74.0 is refused at run time with one line" {
	command -v cc >/dev/null || skip "no compiler here"
	local dir=$BATS_TEST_TMPDIR/oldcurl f
	mkdir -p "$dir"
	{
		echo 'struct info { int age; const char *version; unsigned int num; };'
		echo 'static struct info i = { 10, "7.61.1", 0x073d01 };'
		echo 'struct info *curl_version_info(int n) { (void)n; return &i; }'
		for f in global_init_mem global_cleanup version free easy_init \
		    easy_setopt easy_perform easy_getinfo easy_cleanup \
		    easy_strerror slist_append slist_free_all url url_set \
		    url_get url_cleanup getdate; do
			echo "void *curl_$f(void) { return 0; }"
		done
	} >"$dir/curl.c"
	run -0 cc -shared -fPIC -o "$dir/libcurl.so.4" "$dir/curl.c"
	LD_LIBRARY_PATH=$dir run --separate-stderr "$CT" --no-cache
	assert_equal "$status" 1
	assert_output ''
	assert_equal "$stderr" "collibra-token: libcurl 7.74.0 or later is needed, found 7.61.1"
	# the system's libcurl is not refused
	run --separate-stderr "$CT" --no-cache
	assert_success
}

# --- the URL in an unexpected status (issue 23 item 2) ----------------------

@test "an unexpected status names the URL that was asked" {
	local url=$MOCK_URL/nope/rest/oauth/v2/token s
	# 404 (an HTML page), as a mistyped path gives
	run -5 --separate-stderr "$CT" --retries 0 -u "$MOCK_URL/nope"
	assert_output ''
	assert_regex "$stderr" 'unexpected HTTP 404'
	[[ $stderr == *"$url"* ]] || fail "no URL in: $stderr"
	# 5xx, 429, a redirect, 401 and 403 without an OAuth error, and
	# Collibra's error envelope of a 404
	for s in status/503 status/429 redirect/302 status/401 status/403 \
	    collibra/404/user; do
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
