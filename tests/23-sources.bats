#!/usr/bin/env bats
# Where a setting comes from (issue 23): a profile named on the command
# line outranks the COLLIBRA_* variables for every key it sets, and says
# which variable it set aside; the COLLIBRA_* variables of the settings
# that containers set by environment (CA file and directory, timeouts,
# --insecure, the proxy, -o) sit below the flags and above the config
# file and the generic variables.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	CFG=$CT_CFG
	DEV_SECRET=dev-$(ct_random_alnum 24)
	mock_add_creds dev-client "$DEV_SECRET"
	(umask 077 && printf '%s\n' "$DEV_SECRET" >"$BATS_TEST_TMPDIR/dev.secret")
	# a "prod" instance, exported as Usage says: nothing listens there
	PROD_URL=https://127.0.0.1:$(free_port)
}

# show LABEL: the --show-config line for LABEL ("LABEL: ...") from $output.
show() {
	printf '%s\n' "$output" | grep -m1 -- "^$1: " || true
}

# dev_profile: [profile dev] with its own URL, client ID and secret file.
dev_profile() {
	ct_write_config <<-EOF
		[default]
		scope = from-default
		[profile dev]
		url = $MOCK_URL
		client_id = dev-client
		client_secret_file = $BATS_TEST_TMPDIR/dev.secret
	EOF
}

# --- an explicit profile (item 1) -----------------------------------------

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

# --- COLLIBRA_* for the container settings (item 12) -------------------------

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
	local hashed=$BATS_TEST_TMPDIR/hashed
	mkdir -p "$hashed"
	cp "$CT_PKI/ca.pem" "$hashed/"
	openssl rehash "$hashed" 2>/dev/null || c_rehash "$hashed" >/dev/null
	CURL_CA_BUNDLE=$CT_PKI/wrong.pem COLLIBRA_CAPATH=$hashed \
		run -0 --separate-stderr "$CT"
	assert_output "$MOCK_TOKEN"
	COLLIBRA_CAPATH=$hashed run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show 'CA directory')" "CA directory: $hashed (COLLIBRA_CAPATH)"
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
	assert_regex "$stderr" 'warning: --insecure'
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
	local out=$BATS_TEST_TMPDIR/token pid rc=0
	COLLIBRA_OUTPUT=$out "$CT" --watch 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_for '[[ -s $out ]]' || fail "no token in $out: $(cat "$BATS_TEST_TMPDIR/err")"
	assert_equal "$(cat "$out")" "$MOCK_TOKEN"
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	assert_equal "$rc" 143
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
