#!/usr/bin/env bats
# Retries of transient failures within --timeout.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

# gap: seconds between the last two requests the mock logged.
gap() {
	tail -n 2 "$MOCK_LOG" | "$MOCK_PYTHON" -S -c '
import json, sys
a, b = (json.loads(l)["time"] for l in sys.stdin)
print("%.2f" % (b - a))'
}

@test "a 503 then success is retried and succeeds quietly" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" --url "$MOCK_URL/flaky/1/503/-/a1"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$stderr" ''
	assert_equal "$(requests_since "$n")" 2
}

@test "a 429 then success is retried" {
	run --separate-stderr "$CT" --url "$MOCK_URL/flaky/1/429/-/a2"
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "retries stop after --retries, with one line on stderr" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" --url "$MOCK_URL/status/503"
	assert_equal "$status" 5
	assert_equal "$stderr" "collibra-token: server error: HTTP 503 from $MOCK_URL/status/503/rest/oauth/v2/token"
	assert_equal "$(requests_since "$n")" 3
	n=$(mock_requests)
	run --separate-stderr "$CT" --url "$MOCK_URL/status/502" --retries 0
	assert_equal "$status" 5
	assert_equal "$(requests_since "$n")" 1
	n=$(mock_requests)
	COLLIBRA_TOKEN_RETRIES=4 run -5 --separate-stderr "$CT" --url "$MOCK_URL/status/500"
	assert_equal "$(requests_since "$n")" 5
}

@test "--retries is validated" {
	local bad
	for bad in -1 11 abc ''; do
		run --separate-stderr "$CT" --retries "$bad"
		assert_equal "$status" 2
		assert_regex "$stderr" '^collibra-token: --retries: '
	done
	COLLIBRA_TOKEN_RETRIES=x run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'COLLIBRA_TOKEN_RETRIES: invalid'
}

@test "Retry-After in seconds is honoured" {
	run --separate-stderr "$CT" -v --url "$MOCK_URL/flaky/1/503/1/b1"
	assert_success
	assert_regex "$stderr" 'attempt 1: HTTP 503; retrying in 1000 ms \(Retry-After\)'
	awk -v g="$(gap)" 'BEGIN { exit !(g >= 0.95 && g < 3) }'
}

@test "Retry-After as an HTTP-date is honoured" {
	run --separate-stderr "$CT" -v --url "$MOCK_URL/flaky/1/503/date+2/b2"
	assert_success
	assert_regex "$stderr" 'retrying in [0-9]+ ms \(Retry-After\)'
	awk -v g="$(gap)" 'BEGIN { exit !(g >= 0.9 && g < 4) }'
}

@test "a Retry-After beyond --timeout is not waited for" {
	local n
	n=$(mock_requests)
	SECONDS=0
	run --separate-stderr "$CT" -v --timeout 20 --url "$MOCK_URL/flaky/5/503/30/b3"
	assert_equal "$status" 5
	assert_regex "$stderr" 'attempt 1: HTTP 503; no time left for another before --timeout'
	assert_equal "$(requests_since "$n")" 1
	# at once: not at the end of --timeout 20 (a margin a loaded machine
	# meets)
	((SECONDS <= 10))
}

@test "-v shows each attempt and why it was retried" {
	run --separate-stderr "$CT" -v --url "$MOCK_URL/flaky/2/503/-/c1"
	assert_success
	assert_regex "$stderr" 'attempt 1: HTTP 503; retrying in [0-9]+ ms'
	assert_regex "$stderr" 'attempt 2: HTTP 503; retrying in [0-9]+ ms'
	refute_regex "$stderr" 'attempt 3'
	refute_leak
}

@test "OAuth errors are never retried" {
	local n code
	for code in invalid_client invalid_request invalid_grant invalid_scope; do
		n=$(mock_requests)
		run --separate-stderr "$CT" --url "$MOCK_URL/oauth/$code"
		assert_failure
		assert_equal "$(requests_since "$n")" 1
	done
	n=$(mock_requests)
	COLLIBRA_CLIENT_SECRET=wrong run --separate-stderr "$CT"
	assert_equal "$status" 11
	assert_equal "$(requests_since "$n")" 1
}

@test "TLS failures are never retried" {
	run --separate-stderr env -u SSL_CERT_FILE "$CT" -v --cacert /etc/ssl/certs/ca-certificates.crt
	assert_equal "$status" 4
	refute_regex "$stderr" 'retrying'
}

@test "a refused connection is retried, then reported once" {
	local port
	port=$("$MOCK_PYTHON" -S -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	run --separate-stderr "$CT" -v --url "https://127.0.0.1:$port"
	assert_equal "$status" 3
	assert_regex "$stderr" 'attempt 1: network error: .*; retrying in'
	run --separate-stderr "$CT" --url "https://127.0.0.1:$port"
	assert_equal "$status" 3
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
}

@test "retries never run past --timeout" {
	SECONDS=0
	run --separate-stderr "$CT" --timeout 1 --retries 10 --url "$MOCK_URL/hang"
	assert_equal "$status" 3
	# ten attempts of 1 s each, or their backoff, would take 10 s or more
	((SECONDS <= 6))
	SECONDS=0
	run --separate-stderr "$CT" --timeout 1 --retries 10 --url "$MOCK_URL/slow/0.3/status/503"
	# the 503 (5), or the timeout (3) of an attempt the deadline cut short
	assert_regex "$status" '^[35]$'
	((SECONDS <= 6))
}
