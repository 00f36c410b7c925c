#!/usr/bin/env bats
# Which CAs are trusted and which proxy is used: the system store and the
# hashed directory, SSLKEYLOGFILE, loopback and NO_PROXY against a proxy
# the user named.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() { ct_isolate_config; }

# security review 1 (issue 9), finding 1
@test "http:// to loopback ignores http_proxy, ALL_PROXY and --proxy" {
	local port
	port=$(free_port)
	start_proxy
	http_proxy=$PROXY_URL run --separate-stderr "$CT" -u "http://127.0.0.1:$port" --retries 0
	assert_equal "$status" 3
	ALL_PROXY=$PROXY_URL run --separate-stderr "$CT" -u "http://localhost:$port" --retries 0
	assert_equal "$status" 3
	run --separate-stderr "$CT" -u "http://127.0.0.1:$port" --proxy "$PROXY_URL" --retries 0
	assert_equal "$status" 3
	printf '[default]\nproxy = %s\n' "$PROXY_URL" | ct_write_config
	run --separate-stderr "$CT" -u "http://127.0.0.1:$port" --retries 0
	assert_equal "$status" 3
	stop_proxy
	# nothing reached the proxy, least of all the Basic credentials
	assert_equal "$(cat "$PROXY_LOG")" ''
	refute_leak
}

# security review 1 (issue 9), finding 1
@test "https:// to loopback still honours an explicit proxy" {
	start_proxy
	run --separate-stderr "$CT" --proxy "$PROXY_URL"
	stop_proxy
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(cat "$PROXY_LOG")" "CONNECT 127.0.0.1:$MOCK_PORT"
}

# security review 1 (issue 9), finding 11
@test "NO_PROXY does not bypass a proxy the user named" {
	NO_PROXY=127.0.0.1 run --separate-stderr "$CT" --proxy http://127.0.0.1:9 \
		--retries 0
	assert_equal "$status" 3
}

# security review 2 (issue 18), finding 5
@test "5: --show-config names a lowercase all_proxy, which libcurl uses" {
	all_proxy=http://127.0.0.1:9 run --separate-stderr "$CT" --show-config
	assert_success
	assert_line 'proxy: given (all_proxy)'
	ALL_PROXY=http://127.0.0.1:9 all_proxy=http://127.0.0.1:8 \
		run -0 --separate-stderr "$CT" --show-config
	assert_line 'proxy: given (all_proxy)'
	https_proxy=http://127.0.0.1:9 all_proxy=http://127.0.0.1:8 \
		run -0 --separate-stderr "$CT" --show-config
	assert_line 'proxy: given (https_proxy)'
	run -0 --separate-stderr "$CT" --show-config
	refute_line --partial 'proxy:'
}

# in_system_store CMD...: run CMD in a private mount namespace whose
# /etc/ssl/certs holds the machine's bundle (without the test CA) and the
# test CA only as a hashed file, as update-ca-certificates leaves a CA that
# was added by hand; no CA variable set.
in_system_store() {
	local d=$BATS_TEST_TMPDIR/certs
	[[ -f /etc/ssl/certs/ca-certificates.crt ]] ||
		skip "no /etc/ssl/certs/ca-certificates.crt"
	unshare --mount --propagation private true 2>/dev/null ||
		skip "cannot make a mount namespace (needs root)"
	mkdir -p "$d"
	cp /etc/ssl/certs/ca-certificates.crt "$d/"
	cp "$CT_PKI/ca.pem" "$d/$(openssl x509 -hash -noout -in "$CT_PKI/ca.pem").0"
	run --separate-stderr env -u SSL_CERT_FILE -u SSL_CERT_DIR \
		-u CURL_CA_BUNDLE unshare --mount --propagation private -- \
		sh -c 'mount --bind "$0" /etc/ssl/certs && exec "$@"' "$d" "$@"
}

# security review 2 (issue 18), finding 3
@test "3: --cacert naming the system bundle trusts that file only, not the hashed directory" {
	in_system_store "$CT" --retries 0 --cacert /etc/ssl/certs/ca-certificates.crt
	assert_equal "$status" 4
	assert_regex "$stderr" 'TLS error'
	printf '[default]\ncacert = /etc/ssl/certs/ca-certificates.crt\n' | ct_write_config
	in_system_store "$CT" --retries 0
	assert_equal "$status" 4
}

# security review 2 (issue 18), finding 3
@test "3: with no CA named, or one named by a generic variable, the system directory counts" {
	in_system_store "$CT" --retries 0 -v
	assert_success
	assert_output "$MOCK_TOKEN"
	# (libcurl before 7.84 cannot name its CA files: its own default then)
	if ct_libcurl_since 7.84.0; then
		assert_regex "$stderr" 'CA: system directory /etc/ssl/certs'
	else
		refute_regex "$stderr" 'CA: system directory'
	fi
	in_system_store env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
		"$CT" --retries 0
	if ct_libcurl_since 7.84.0; then
		assert_success
		assert_output "$MOCK_TOKEN"
	else
		# libcurl before 7.84 cannot say that this is its own bundle:
		# the variable's file is trusted alone, never more
		assert_equal "$status" 4
	fi
}

# security review 2 (issue 18), finding 4
@test "4: SSLKEYLOGFILE gets no TLS secrets, -v says so, and a command does not see it" {
	local keys=$BATS_TEST_TMPDIR/keys
	SSLKEYLOGFILE=$keys run --separate-stderr "$CT" -v
	assert_success
	assert_output "$MOCK_TOKEN"
	[[ ! -e $keys ]] || fail "SSLKEYLOGFILE was written: $(wc -l <"$keys") lines"
	assert_regex "$stderr" "SSLKEYLOGFILE: $keys \\(unset: TLS secrets are not logged\\)"
	SSLKEYLOGFILE=$keys run --separate-stderr "$CT" -- \
		sh -c 'echo "${SSLKEYLOGFILE-unset}"'
	assert_success
	assert_output unset
	[[ ! -e $keys ]]
	# without it, -v says nothing of it
	run -0 --separate-stderr "$CT" -v
	refute_regex "$stderr" SSLKEYLOGFILE
}
