#!/usr/bin/env bats
# The tool on a machine as users have it: CURL_CA_BUNDLE, SSL_CERT_FILE
# and SSL_CERT_DIR exported for every program (naming the system store,
# as this machine, Nix, conda and many CI images do), and a corporate
# proxy in http_proxy and https_proxy that cannot reach the mock.  The
# user names the private CA in the config file, as for a real instance.

load helpers

setup_file() {
	ct_setup_file
	[[ -r /etc/ssl/certs/ca-certificates.crt ]] || return 0
	export CURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
	export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
	export SSL_CERT_DIR=/etc/ssl/certs
	# a proxy that is not there: anything sent through it fails (exit 3)
	export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9
	export NO_PROXY=127.0.0.1,localhost
}
teardown_file() { ct_teardown_file; }

setup() {
	[[ -r /etc/ssl/certs/ca-certificates.crt ]] ||
		skip "no Debian system trust store"
	ct_isolate_config
	ct_write_config <<-EOF
		[default]
		cacert = $CT_PKI/ca.pem
	EOF
}

@test "ambient: without the config file's cacert the mock is not trusted (4)" {
	ct_write_config "$BATS_TEST_TMPDIR/empty" </dev/null
	run --separate-stderr "$CT" --config "$BATS_TEST_TMPDIR/empty" --retries 0
	assert_equal "$status" 4
}

@test "ambient: the config file's cacert beats the exported bundle; NO_PROXY applies" {
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	run -0 --separate-stderr "$CT" --show-config
	assert_line "CA file: $CT_PKI/ca.pem ($CT_CFG:2)"
	assert_line "CA directory: (none, replaced by the CA file)"
	assert_line "proxy: given (https_proxy)"
}

@test "ambient: without NO_PROXY the exported proxy is used (and fails: 3)" {
	unset NO_PROXY
	run --separate-stderr "$CT" --retries 0
	assert_equal "$status" 3
	# an http:// loopback URL never goes through it
	run -3 --separate-stderr "$CT" --url "http://127.0.0.1:$MOCK_PORT" \
		--retries 0 --connect-timeout 2
	refute_regex "$stderr" '127\.0\.0\.1 port 9'
}

@test "ambient: cache, formats, -o and --watch work as on a clean machine" {
	unset COLLIBRA_TOKEN_CACHE
	run --separate-stderr "$CT" -f json
	assert_success
	assert_regex "$output" "\"access_token\":\"$MOCK_TOKEN\""
	run --separate-stderr "$CT" -v
	assert_success
	assert_regex "$stderr" 'cache: hit'
	run --separate-stderr "$CT" -o "$BATS_TEST_TMPDIR/token"
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/token")" "$MOCK_TOKEN"
	XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR run --separate-stderr "$CT" --watch \
		-- sh -c 'cat "$COLLIBRA_TOKEN_FILE"'
	assert_success
	assert_output "$MOCK_TOKEN"
}
