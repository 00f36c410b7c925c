#!/usr/bin/env bats
# Precedence of the sources of a setting: flag > profile named by -p (for
# the keys it sets) > COLLIBRA_* variable > profile > [default] > generic
# variable (CURL_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR, HTTPS_PROXY) >
# built-in default, on a machine that exports the generic TLS variables as
# this one does.  Also when --timeout starts.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	SECRET=$COLLIBRA_CLIENT_SECRET
	CFG=$CT_CFG
	# a hashed directory that trusts the test CA, and a bundle that
	# does not (the system's)
	HASHED=$BATS_TEST_TMPDIR/hashed
	mkdir -p "$HASHED"
	cp "$CT_PKI/ca.pem" "$HASHED/"
	openssl rehash "$HASHED" 2>/dev/null || c_rehash "$HASHED" >/dev/null
	SYSTEM_BUNDLE=/etc/ssl/certs/ca-certificates.crt
	[[ -r $SYSTEM_BUNDLE ]] || SYSTEM_BUNDLE=$CT_PKI/wrong.pem
}

@test "flags win over environment: --url" {
	COLLIBRA_URL=https://127.0.0.1:9 run --separate-stderr "$CT" --url "$MOCK_URL"
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "flags win over environment: --client-id" {
	COLLIBRA_CLIENT_ID=wrong-id run --separate-stderr "$CT" -i "$CT_DEFAULT_CLIENT_ID"
	assert_success
	run --separate-stderr "$CT" -i wrong-id
	assert_equal "$status" 11
}

@test "flags win over environment: --format and --auth-method" {
	COLLIBRA_TOKEN_FORMAT=json run -0 --separate-stderr "$CT" -f raw
	assert_output "$MOCK_TOKEN"
	COLLIBRA_AUTH_METHOD=post run --separate-stderr "$CT" --auth-method basic
	assert_success
	assert_equal "$(mock_last_field auth)" basic
}

@test "flags win over environment: --token-url over COLLIBRA_TOKEN_URL and --url" {
	COLLIBRA_TOKEN_URL="$MOCK_URL/status/500/rest/oauth/v2/token" \
		run --separate-stderr "$CT" --token-url "$MOCK_URL/rest/oauth/v2/token"
	assert_success
	# within one source the token URL beats the URL
	run --separate-stderr "$CT" --url https://127.0.0.1:9 \
		--token-url "$MOCK_URL/rest/oauth/v2/token"
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "URL and token URL are one setting: an explicit --url beats COLLIBRA_TOKEN_URL" {
	COLLIBRA_TOKEN_URL="$MOCK_URL/status/500/rest/oauth/v2/token" \
		run --separate-stderr "$CT" --url "$MOCK_URL" --retries 0
	assert_success
	assert_output "$MOCK_TOKEN"
	COLLIBRA_TOKEN_URL="$MOCK_URL/status/500/rest/oauth/v2/token" \
		run -0 --separate-stderr "$CT" --url "$MOCK_URL" --show-config
	assert_line "token URL: $MOCK_URL/rest/oauth/v2/token (--url)"
	# a COLLIBRA_URL from the environment beats a token_url of the config file
	mkdir -p "$BATS_TEST_TMPDIR/x/collibra-token"
	printf '[default]\ntoken_url = %s\n' \
		"$MOCK_URL/status/500/rest/oauth/v2/token" \
		>"$BATS_TEST_TMPDIR/x/collibra-token/config"
	XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/x \
		run --separate-stderr "$CT" --retries 0
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "precedence for url: flag, -p's profile, COLLIBRA_URL, COLLIBRA_PROFILE's, [default], none" {
	ct_write_config <<-EOF
		[default]
		url = $MOCK_URL/expires/101
		[profile p]
		url = $MOCK_URL/expires/102
	EOF
	export COLLIBRA_URL=$MOCK_URL/expires/103
	run --separate-stderr "$CT" -p p --url "$MOCK_URL/expires/104"
	assert_success
	assert_equal "$(mock_last_field path)" /expires/104/rest/oauth/v2/token
	# a profile named on the command line outranks the variable (issue 23)
	run --separate-stderr "$CT" -p p
	assert_success
	assert_equal "$(mock_last_field path)" /expires/102/rest/oauth/v2/token
	COLLIBRA_PROFILE=p run --separate-stderr "$CT"
	assert_success
	assert_equal "$(mock_last_field path)" /expires/103/rest/oauth/v2/token
	unset COLLIBRA_URL
	COLLIBRA_PROFILE=p run --separate-stderr "$CT"
	assert_success
	assert_equal "$(mock_last_field path)" /expires/102/rest/oauth/v2/token
	run --separate-stderr "$CT"
	assert_success
	assert_equal "$(mock_last_field path)" /expires/101/rest/oauth/v2/token
	ct_write_config <<-EOF
		[default]
		scope = x
	EOF
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'no Collibra URL'
}

@test "precedence for client_id: flag, -p's profile, COLLIBRA_CLIENT_ID, COLLIBRA_PROFILE's, [default], none" {
	local id
	for id in cid-flag cid-env cid-profile cid-default; do
		mock_add_creds "$id" "$SECRET"
	done
	ct_write_config <<-EOF
		[default]
		client_id = cid-default
		[profile p]
		client_id = cid-profile
	EOF
	export COLLIBRA_CLIENT_ID=cid-env
	run --separate-stderr "$CT" -p p -i cid-flag
	assert_success
	assert_equal "$(mock_last_field client_id)" cid-flag
	run --separate-stderr "$CT" -p p
	assert_success
	assert_equal "$(mock_last_field client_id)" cid-profile
	COLLIBRA_PROFILE=p run --separate-stderr "$CT"
	assert_success
	assert_equal "$(mock_last_field client_id)" cid-env
	unset COLLIBRA_CLIENT_ID
	COLLIBRA_PROFILE=p run --separate-stderr "$CT"
	assert_success
	assert_equal "$(mock_last_field client_id)" cid-profile
	run --separate-stderr "$CT"
	assert_success
	assert_equal "$(mock_last_field client_id)" cid-default
	rm "$CFG"
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	refute_leak
}

@test "precedence for format: flag, -p's profile, COLLIBRA_TOKEN_FORMAT, COLLIBRA_PROFILE's, [default], raw" {
	ct_write_config <<-EOF
		[default]
		format = json
		[profile p]
		format = shell
	EOF
	export COLLIBRA_TOKEN_FORMAT=dotenv
	run --separate-stderr "$CT" -p p -f header
	assert_success
	assert_output "Authorization: Bearer $MOCK_TOKEN"
	run --separate-stderr "$CT" -p p
	assert_success
	assert_line -n 0 "export COLLIBRA_TOKEN='$MOCK_TOKEN'"
	COLLIBRA_PROFILE=p run --separate-stderr "$CT"
	assert_success
	assert_line -n 0 "COLLIBRA_TOKEN='$MOCK_TOKEN'"
	unset COLLIBRA_TOKEN_FORMAT
	COLLIBRA_PROFILE=p run --separate-stderr "$CT"
	assert_success
	assert_line -n 0 "export COLLIBRA_TOKEN='$MOCK_TOKEN'"
	run --separate-stderr "$CT"
	assert_success
	assert_regex "$output" "^\{\"access_token\":\"$MOCK_TOKEN\""
	rm "$CFG"
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "precedence for timeout: flag, profile, [default], built-in (no variable exists)" {
	ct_write_config <<-EOF
		[default]
		timeout = 11
		[profile p]
		timeout = 12
	EOF
	run --separate-stderr "$CT" -p p --timeout 14 --show-config
	assert_success
	assert_regex "$(show timeout)" '^timeout: 14( s)? \(--timeout\)'
	run -0 --separate-stderr "$CT" -p p --show-config
	assert_regex "$(show timeout)" "^timeout: 12( s)? \($CFG:4\)"
	run -0 --separate-stderr "$CT" --show-config
	assert_regex "$(show timeout)" "^timeout: 11( s)? \($CFG:2\)"
	rm "$CFG"
	run -0 --separate-stderr "$CT" --show-config
	assert_regex "$(show timeout)" '^timeout: 30( s)? \(default\)'
}

@test "the profile overrides [default] key by key; the rest of [default] still applies" {
	ct_write_config <<-EOF
		[default]
		scope = from-default
		format = json
		[profile p]
		format = shell
	EOF
	run --separate-stderr "$CT" -p p
	assert_success
	assert_equal "$(mock_last_field scope)" from-default
	assert_line -n 0 "export COLLIBRA_TOKEN='$MOCK_TOKEN'"
	run -0 --separate-stderr "$CT" -p p --show-config
	assert_equal "$(show scope)" "scope: from-default ($CFG:2)"
	assert_equal "$(show format)" "format: shell ($CFG:5)"
}

@test "-p beats COLLIBRA_PROFILE; COLLIBRA_PROFILE alone selects" {
	ct_write_config <<-EOF
		[profile a]
		url = $MOCK_URL/expires/201
		[profile b]
		url = $MOCK_URL/expires/202
	EOF
	unset COLLIBRA_URL
	COLLIBRA_PROFILE=a run --separate-stderr "$CT"
	assert_success
	assert_equal "$(mock_last_field path)" /expires/201/rest/oauth/v2/token
	COLLIBRA_PROFILE=a run --separate-stderr "$CT" -p b
	assert_success
	assert_equal "$(mock_last_field path)" /expires/202/rest/oauth/v2/token
	COLLIBRA_PROFILE=a run -0 --separate-stderr "$CT" --profile b --show-config
	assert_equal "$(show profile)" 'profile: b (--profile)'
	COLLIBRA_PROFILE=a run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show profile)" 'profile: a (COLLIBRA_PROFILE)'
	COLLIBRA_PROFILE=c run --separate-stderr "$CT" -p b
	assert_success
}

# security review 2 (issue 18), finding 2
@test "2: -p dev uses the profile's url, not [default]'s token_url; --show-config names it" {
	printf '[default]\ntoken_url = https://127.0.0.1:1/elsewhere/token\n[profile dev]\nurl = %s\n' \
		"$MOCK_URL" | ct_write_config
	run --separate-stderr env -u COLLIBRA_URL "$CT" -p dev --show-config
	assert_success
	assert_line "token URL: $MOCK_URL/rest/oauth/v2/token ($CT_CFG:4)"
	run --separate-stderr env -u COLLIBRA_URL "$CT" -p dev --retries 0
	assert_success
	assert_output "$MOCK_TOKEN"
	# without the profile, [default]'s token_url is the one
	run -0 --separate-stderr env -u COLLIBRA_URL "$CT" --show-config
	assert_line "token URL: https://127.0.0.1:1/elsewhere/token ($CT_CFG:2)"
}

# security review 2 (issue 18), finding 2
@test "2: the profile's token_url beats [default]'s url; in one section token_url beats url" {
	printf '[default]\nurl = https://127.0.0.1:1\n[profile dev]\ntoken_url = %s/rest/oauth/v2/token\n' \
		"$MOCK_URL" | ct_write_config
	run -0 --separate-stderr env -u COLLIBRA_URL "$CT" -p dev --show-config
	assert_line "token URL: $MOCK_URL/rest/oauth/v2/token ($CT_CFG:4)"
	printf '[profile dev]\nurl = https://127.0.0.1:1\ntoken_url = %s/t\n' \
		"$MOCK_URL" | ct_write_config
	run -0 --separate-stderr env -u COLLIBRA_URL "$CT" -p dev --show-config
	assert_line "token URL: $MOCK_URL/t ($CT_CFG:3)"
	# a variable beats both for a profile chosen by COLLIBRA_PROFILE, not
	# for one named on the command line (issue 23)
	COLLIBRA_PROFILE=dev run -0 --separate-stderr "$CT" --show-config
	assert_line "token URL: $MOCK_URL/rest/oauth/v2/token (COLLIBRA_URL)"
	run -0 --separate-stderr "$CT" -p dev --show-config
	assert_line "token URL: $MOCK_URL/t ($CT_CFG:3; COLLIBRA_URL set aside for --profile)"
}

@test "--cacert means only that file: an exported SSL_CERT_DIR adds nothing" {
	SSL_CERT_DIR=$HASHED run --separate-stderr "$CT" --retries 0 \
		--cacert "$SYSTEM_BUNDLE"
	assert_equal "$status" 4
	SSL_CERT_DIR=$HASHED run -0 --separate-stderr "$CT" --cacert "$SYSTEM_BUNDLE" \
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
		run -0 --separate-stderr "$CT" --show-config
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
	CURL_CA_BUNDLE=$CT_PKI/ca.pem run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show 'CA file')" "CA file: $CT_PKI/ca.pem (CURL_CA_BUNDLE)"
	unset CURL_CA_BUNDLE
	run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show 'CA file')" "CA file: $CT_PKI/ca.pem (SSL_CERT_FILE)"
	SSL_CERT_DIR=$HASHED run -0 --separate-stderr "$CT" --show-config
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
	# no ptrace in some containers and under emulators (issue 25 item 3)
	strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	ct_libcurl_since 7.84.0 ||
		skip "libcurl before 7.84 cannot name its CA files: its own default"
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
	run -1 grep -c 'ca-certificates.crt' "$BATS_TEST_TMPDIR/trace"
	assert_output 0
	# a private bundle is still read as a file
	CURL_CA_BUNDLE=$CT_PKI/ca.pem run --separate-stderr "$CT" -v
	assert_success
	refute_regex "$stderr" 'CA: system directory'
}

# --- a profile named with -p, and the container variables (issue 23: 1, 12) -
# A profile named on the command line outranks the COLLIBRA_* variables for
# every key it sets, and says which variable it set aside; COLLIBRA_CACERT,
# _CAPATH, _TIMEOUT, _CONNECT_TIMEOUT, _INSECURE, _PROXY and _OUTPUT sit
# below the flags and above the config file and the generic variables.

# dev_profile: [profile dev] with its own URL, client ID and secret file
# (DEV_SECRET, a client the mock accepts), and PROD_URL, an instance
# exported as Usage says, where nothing listens.
dev_profile() {
	DEV_SECRET=dev-$(ct_random_alnum 24)
	mock_add_creds dev-client "$DEV_SECRET"
	(umask 077 && printf '%s\n' "$DEV_SECRET" >"$BATS_TEST_TMPDIR/dev.secret")
	PROD_URL=https://127.0.0.1:$(free_port)
	ct_write_config <<-EOF
		[default]
		scope = from-default
		[profile dev]
		url = $MOCK_URL
		client_id = dev-client
		client_secret_file = $BATS_TEST_TMPDIR/dev.secret
	EOF
}

@test "-p NAME beats the exported URL, client ID and secret for the keys it sets" {
	dev_profile
	COLLIBRA_URL=$PROD_URL run -0 --separate-stderr "$CT" -p dev --retries 0
	assert_output "$MOCK_TOKEN"
	assert_equal "$(mock_last_field client_id)" dev-client
	assert_equal "$(mock_last_field auth_ok)" true
	refute_leak
	[[ $stderr != *"$DEV_SECRET"* ]] || fail "the secret is shown"
	# --profile NAME is the same
	COLLIBRA_URL=$PROD_URL run -0 --separate-stderr "$CT" --profile dev \
		--retries 0
	assert_equal "$(mock_last_field client_id)" dev-client
}

@test "-p NAME: --show-config and -v say which variable was set aside" {
	dev_profile
	COLLIBRA_URL=$PROD_URL run -0 --separate-stderr "$CT" -p dev --show-config
	assert_equal "$(show 'token URL')" \
		"token URL: $MOCK_URL/rest/oauth/v2/token ($CFG:4; COLLIBRA_URL set aside for --profile)"
	assert_equal "$(show 'client ID')" \
		"client ID: dev-client ($CFG:5; COLLIBRA_CLIENT_ID set aside for --profile)"
	assert_regex "$(show 'client secret')" \
		"\($CFG:6; COLLIBRA_CLIENT_SECRET set aside for --profile\)$"
	[[ $output != *"$DEV_SECRET"* ]] || fail "the secret is shown"
	COLLIBRA_URL=$PROD_URL run -0 --separate-stderr "$CT" -p dev -v
	assert_regex "$stderr" 'token URL: .*COLLIBRA_URL set aside for --profile'
	refute_leak
	# nothing is set aside when the variable is not set
	unset COLLIBRA_CLIENT_ID
	run -0 --separate-stderr "$CT" -p dev --show-config
	assert_equal "$(show 'client ID')" "client ID: dev-client ($CFG:5)"
}

@test "-p NAME: flags still win; keys it does not set, and [default], stay below the variables" {
	dev_profile
	COLLIBRA_SCOPE=from-env run -0 --separate-stderr "$CT" -p dev \
		--client-id flag-id --show-config
	assert_equal "$(show 'client ID')" 'client ID: flag-id (--client-id)'
	assert_equal "$(show scope)" 'scope: from-env (COLLIBRA_SCOPE)'
	# a token URL exported loses to the profile's url too: one setting
	COLLIBRA_TOKEN_URL=$PROD_URL/t run -0 --separate-stderr "$CT" -p dev \
		--show-config
	assert_regex "$(show 'token URL')" "^token URL: $MOCK_URL/rest/oauth/v2/token \($CFG:4"
	# and a --url flag beats the profile
	run -0 --separate-stderr "$CT" -p dev --url "$MOCK_URL/x" --show-config
	assert_equal "$(show 'token URL')" \
		"token URL: $MOCK_URL/x/rest/oauth/v2/token (--url)"
}

@test "COLLIBRA_PROFILE stays at the variables' level: COLLIBRA_URL beats its url" {
	dev_profile
	COLLIBRA_PROFILE=dev COLLIBRA_URL=$MOCK_URL/expires/55 \
		run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show 'token URL')" \
		"token URL: $MOCK_URL/expires/55/rest/oauth/v2/token (COLLIBRA_URL)"
	assert_equal "$(show 'client ID')" \
		"client ID: $COLLIBRA_CLIENT_ID (COLLIBRA_CLIENT_ID)"
}

@test "COLLIBRA_CACERT: above the config file and the generic variables, below --cacert" {
	printf '[default]\ncacert = %s\nretries = 0\n' "$CT_PKI/wrong.pem" |
		ct_write_config
	CURL_CA_BUNDLE=$CT_PKI/wrong.pem SSL_CERT_FILE=$CT_PKI/wrong.pem \
		COLLIBRA_CACERT=$CT_PKI/ca.pem run -0 --separate-stderr "$CT"
	assert_output "$MOCK_TOKEN"
	COLLIBRA_CACERT=$CT_PKI/ca.pem run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show 'CA file')" "CA file: $CT_PKI/ca.pem (COLLIBRA_CACERT)"
	COLLIBRA_CACERT=$CT_PKI/wrong.pem run -4 --separate-stderr "$CT"
	COLLIBRA_CACERT=$CT_PKI/wrong.pem run -0 --separate-stderr "$CT" \
		--cacert "$CT_PKI/ca.pem"
	COLLIBRA_CACERT=/nonexistent/ca.pem run -2 --separate-stderr "$CT"
	assert_regex "$stderr" '^collibra-token: COLLIBRA_CACERT: cannot read'
}

@test "COLLIBRA_CAPATH names a hashed directory that replaces the generic CA file" {
	CURL_CA_BUNDLE=$CT_PKI/wrong.pem COLLIBRA_CAPATH=$HASHED \
		run -0 --separate-stderr "$CT"
	assert_output "$MOCK_TOKEN"
	COLLIBRA_CAPATH=$HASHED run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show 'CA directory')" "CA directory: $HASHED (COLLIBRA_CAPATH)"
	assert_equal "$(show 'CA file')" 'CA file: (none, replaced by the CA directory)'
}

@test "COLLIBRA_TIMEOUT and COLLIBRA_CONNECT_TIMEOUT: bounded, named in errors, below the flags" {
	printf '[default]\ntimeout = 20\nconnect_timeout = 8\n' | ct_write_config
	COLLIBRA_TIMEOUT=7 COLLIBRA_CONNECT_TIMEOUT=3 \
		run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show timeout)" 'timeout: 7 s (COLLIBRA_TIMEOUT)'
	assert_equal "$(show 'connect timeout')" \
		'connect timeout: 3 s (COLLIBRA_CONNECT_TIMEOUT)'
	COLLIBRA_TIMEOUT=7 run -0 --separate-stderr "$CT" --timeout 9 --show-config
	assert_equal "$(show timeout)" 'timeout: 9 s (--timeout)'
	COLLIBRA_TIMEOUT=0 run -2 --separate-stderr "$CT"
	assert_regex "$stderr" '^collibra-token: COLLIBRA_TIMEOUT: too small'
	COLLIBRA_CONNECT_TIMEOUT=1x run -2 --separate-stderr "$CT"
	assert_regex "$stderr" '^collibra-token: COLLIBRA_CONNECT_TIMEOUT: '
	# and it bounds the exchange
	COLLIBRA_TIMEOUT=1 run -3 --separate-stderr "$CT" --retries 0 \
		--url "$MOCK_URL/slow/3/ok"
	assert_regex "$stderr" '[Tt]imed out|timeout'
}

@test "COLLIBRA_INSECURE takes the boolean words, with the warning" {
	printf '[default]\nretries = 0\n' | ct_write_config
	SSL_CERT_FILE=$CT_PKI/wrong.pem COLLIBRA_INSECURE=yes \
		run -0 --separate-stderr "$CT"
	assert_output "$MOCK_TOKEN"
	# review of issue 23 (rev2), finding 2: the warning names the
	# variable, which a user may not know is exported
	assert_regex "$stderr" 'warning: --insecure \(COLLIBRA_INSECURE\): '
	SSL_CERT_FILE=$CT_PKI/wrong.pem COLLIBRA_INSECURE=1 \
		run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show 'certificate verification')" \
		'certificate verification: off (COLLIBRA_INSECURE)'
	SSL_CERT_FILE=$CT_PKI/wrong.pem COLLIBRA_INSECURE=false \
		run -4 --separate-stderr "$CT"
	COLLIBRA_INSECURE=maybe run -2 --separate-stderr "$CT"
	assert_regex "$stderr" '^collibra-token: COLLIBRA_INSECURE: '
}

@test "COLLIBRA_PROXY beats HTTPS_PROXY, and NO_PROXY does not apply to it" {
	start_proxy
	COLLIBRA_PROXY=$PROXY_URL HTTPS_PROXY=http://127.0.0.1:9 \
		NO_PROXY=127.0.0.1 run --separate-stderr "$CT" --retries 0
	stop_proxy
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(cat "$PROXY_LOG")" "CONNECT 127.0.0.1:$MOCK_PORT"
	refute_leak
	COLLIBRA_PROXY=$PROXY_URL run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show proxy)" 'proxy: given (COLLIBRA_PROXY)'
	COLLIBRA_PROXY=$PROXY_URL run -0 --separate-stderr "$CT" \
		--proxy http://127.0.0.1:1 --show-config
	assert_equal "$(show proxy)" 'proxy: given (--proxy)'
}

@test "COLLIBRA_OUTPUT: the token goes to the file; -o beats it; a command sets it aside" {
	local out=$BATS_TEST_TMPDIR/token
	COLLIBRA_OUTPUT=$out run -0 --separate-stderr "$CT"
	assert_output ''
	assert_equal "$(cat "$out")" "$MOCK_TOKEN"
	assert_equal "$(stat -c %a "$out")" 600
	COLLIBRA_OUTPUT=$out run -0 --separate-stderr "$CT" -o "$out.flag"
	assert_equal "$(cat "$out.flag")" "$MOCK_TOKEN"
	COLLIBRA_OUTPUT=$out run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show 'output file')" "output file: $out (COLLIBRA_OUTPUT)"
	rm -f "$out"
	COLLIBRA_OUTPUT=$out run -0 --separate-stderr "$CT" -v \
		-- sh -c 'test "$COLLIBRA_TOKEN" = "$1" && echo ran' _ "$MOCK_TOKEN"
	assert_output ran
	assert_regex "$stderr" 'COLLIBRA_OUTPUT set aside'
	[[ ! -e $out ]] || fail "the command's token went to $out"
}

@test "COLLIBRA_OUTPUT gives --watch its file; there is no variable for --watch" {
	local out=$BATS_TEST_TMPDIR/token
	COLLIBRA_OUTPUT=$out bg_ct "$CT" --watch 3>&-
	wait_for '[[ -s $out ]]' || fail "no token in $out: $(cat "$ERR")"
	assert_equal "$(cat "$out")" "$MOCK_TOKEN"
	kill -TERM "$WATCH_PID"
	reap
	assert_equal "$status" 143
	# COLLIBRA_WATCH is not read: one token, and the call is over
	COLLIBRA_WATCH=1 run -0 --separate-stderr "$CT"
	assert_output "$MOCK_TOKEN"
}

@test "--help names each new variable on its flag's line" {
	local flag var
	run -0 --separate-stderr "$CT" --help
	for flag in cacert:COLLIBRA_CACERT capath:COLLIBRA_CAPATH \
	    timeout:COLLIBRA_TIMEOUT connect-timeout:COLLIBRA_CONNECT_TIMEOUT \
	    insecure:COLLIBRA_INSECURE proxy:COLLIBRA_PROXY output:COLLIBRA_OUTPUT; do
		var=${flag#*:}
		flag=${flag%%:*}
		printf '%s\n' "$output" | grep -A2 -- "--$flag " | grep -q -- "$var" ||
			fail "--help: no $var at --$flag"
	done
	refute_output --partial COLLIBRA_WATCH
}
