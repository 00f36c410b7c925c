#!/usr/bin/env bats
# Precedence of the sources of a setting, on a machine that exports the
# generic TLS variables as this one does: flag > COLLIBRA_* variable >
# config file > generic variable (CURL_CA_BUNDLE, SSL_CERT_FILE,
# SSL_CERT_DIR, HTTPS_PROXY) > default.  Also when --timeout starts.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	# a hashed directory that trusts the test CA, and a bundle that
	# does not (the system's)
	HASHED=$BATS_TEST_TMPDIR/hashed
	mkdir -p "$HASHED"
	cp "$CT_PKI/ca.pem" "$HASHED/"
	openssl rehash "$HASHED" 2>/dev/null || c_rehash "$HASHED" >/dev/null
	SYSTEM_BUNDLE=/etc/ssl/certs/ca-certificates.crt
	[[ -r $SYSTEM_BUNDLE ]] || SYSTEM_BUNDLE=$CT_PKI/wrong.pem
}

show() {
	printf '%s\n' "$output" | grep -m1 -- "^$1: " || true
}

@test "--cacert means only that file: an exported SSL_CERT_DIR adds nothing" {
	SSL_CERT_DIR=$HASHED run --separate-stderr "$CT" --retries 0 \
		--cacert "$SYSTEM_BUNDLE"
	assert_equal "$status" 4
	SSL_CERT_DIR=$HASHED run --separate-stderr "$CT" --cacert "$SYSTEM_BUNDLE" \
		--show-config
	assert_equal "$(show 'CA directory')" 'CA directory: (none, replaced by the CA file)'
	# and the other way round: --capath means only that directory
	CURL_CA_BUNDLE=$CT_PKI/ca.pem run --separate-stderr "$CT" --retries 0 \
		--capath "$BATS_TEST_TMPDIR"
	assert_equal "$status" 4
}

@test "without a flag, the exported SSL_CERT_DIR is used" {
	unset SSL_CERT_FILE
	SSL_CERT_DIR=$HASHED run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "a profile's cacert beats an exported CURL_CA_BUNDLE and SSL_CERT_FILE" {
	ct_write_config <<-EOF
		[default]
		cacert = $CT_PKI/ca.pem
	EOF
	CURL_CA_BUNDLE=$SYSTEM_BUNDLE SSL_CERT_FILE=$SYSTEM_BUNDLE \
		SSL_CERT_DIR=/etc/ssl/certs run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	CURL_CA_BUNDLE=$SYSTEM_BUNDLE SSL_CERT_FILE=$SYSTEM_BUNDLE \
		run --separate-stderr "$CT" --show-config
	assert_equal "$(show 'CA file')" "CA file: $CT_PKI/ca.pem ($CT_CFG:2)"
}

@test "a --cacert flag beats the profile's cacert, which beats nothing else" {
	ct_write_config <<-EOF
		[default]
		cacert = $CT_PKI/wrong.pem
		retries = 0
	EOF
	run --separate-stderr "$CT" --cacert "$CT_PKI/ca.pem"
	assert_success
	run --separate-stderr "$CT"
	assert_equal "$status" 4
}

@test "--show-config names the generic variable a CA setting comes from" {
	CURL_CA_BUNDLE=$CT_PKI/ca.pem run --separate-stderr "$CT" --show-config
	assert_equal "$(show 'CA file')" "CA file: $CT_PKI/ca.pem (CURL_CA_BUNDLE)"
	unset CURL_CA_BUNDLE
	run --separate-stderr "$CT" --show-config
	assert_equal "$(show 'CA file')" "CA file: $CT_PKI/ca.pem (SSL_CERT_FILE)"
	SSL_CERT_DIR=$HASHED run --separate-stderr "$CT" --show-config
	assert_equal "$(show 'CA directory')" "CA directory: $HASHED (SSL_CERT_DIR)"
}

@test "--timeout starts once the secret is in hand, not before a slow secret command" {
	local cmd
	cmd="sleep 2.2; printf '%s\\n' '$COLLIBRA_CLIENT_SECRET'"
	unset COLLIBRA_CLIENT_SECRET
	run --separate-stderr "$CT" --client-secret-command "$cmd" --timeout 2
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "--timeout still bounds the exchange after a slow secret command" {
	local cmd
	cmd="sleep 1; printf '%s\\n' '$COLLIBRA_CLIENT_SECRET'"
	unset COLLIBRA_CLIENT_SECRET
	run --separate-stderr "$CT" --client-secret-command "$cmd" --timeout 1 \
		--retries 0 --url "$MOCK_URL/slow/3/ok"
	assert_equal "$status" 3
	assert_regex "$stderr" '[Tt]imed out|timeout'
}

@test "the system bundle named by SSL_CERT_FILE/CURL_CA_BUNDLE is read as the hashed directory" {
	[[ -r /etc/ssl/certs/ca-certificates.crt && -d /etc/ssl/certs ]] ||
		skip "no Debian system trust store"
	command -v strace >/dev/null || skip "strace is not installed"
	# LeakSanitizer cannot run under ptrace (the sanitizer build).
	CURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
		SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
		SSL_CERT_DIR=/etc/ssl/certs \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run --separate-stderr strace -f -qq -e trace=open,openat \
		-o "$BATS_TEST_TMPDIR/trace" "$CT" -v --retries 0
	# the mock's CA is not in the system store: verification is on
	assert_equal "$status" 4
	assert_regex "$stderr" 'CA: system directory /etc/ssl/certs'
	run grep -c 'ca-certificates.crt' "$BATS_TEST_TMPDIR/trace"
	assert_output 0
	# a private bundle is still read as a file
	CURL_CA_BUNDLE=$CT_PKI/ca.pem run --separate-stderr "$CT" -v
	assert_success
	refute_regex "$stderr" 'CA: system directory'
}
