#!/usr/bin/env bats
# Findings of the second security review (issue 18): each test fails
# on the binary before its fix.  Finding 1 runs against nginx speaking
# HTTP/2 (ALPN) on loopback, since the mock server speaks HTTP/1.1 only.

load helpers

setup_file() {
	ct_setup_file
	# a secret whose form encoding differs from its bytes
	SR_SECRET="Sr/$(ct_random_alnum 20)+k=y"
	export SR_SECRET
	mock_add_creds "$COLLIBRA_CLIENT_ID" "$SR_SECRET"
}
teardown_file() { ct_teardown_file; }

setup() { ct_isolate_config; }
teardown() { stop_nginx; }

# sr_forms: SR_ENC (the secret form-encoded) and SR_BASIC (the Basic value
# of "id:secret", both form-encoded, as the tool sends it).
sr_forms() {
	SR_ENC=$("$BATS_TEST_DIRNAME/ct-unit" encode "$SR_SECRET")
	SR_BASIC=$(printf '%s:%s' "$("$BATS_TEST_DIRNAME/ct-unit" encode \
		"$COLLIBRA_CLIENT_ID")" "$SR_ENC" | base64 -w0)
}

# refute_secret TEXT [N]: TEXT holds no form of SR_SECRET, nor the first
# N (default 8) bytes of one (a cut through a secret must not leave a
# part of it).
refute_secret() {
	local form n=${2:-8}
	sr_forms
	for form in "$SR_SECRET" "$SR_ENC" "$SR_BASIC"; do
		if [[ $1 == *"${form:0:n}"* ]]; then
			fail "a form of the secret is shown: ${form:0:3}..."
			return
		fi
	done
}

# --- 1: -vv over HTTP/2 does not print the Basic credentials -----------------

NGINX_PID=''

# start_nginx: nginx on a free loopback port, TLS with the test PKI, h2 by
# ALPN, answering the token endpoint itself; its own prefix in the suite's
# temporary directory.  Waits (bounded) until it accepts connections; sets
# NGINX_URL.  stop_nginx (teardown) ends it: master and worker, by pid.
start_nginx() {
	local n=$BATS_FILE_TMPDIR/nginx port user=''
	[[ -z $NGINX_PID ]] || return 0
	command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] ||
		fail "nginx is not installed (scripts/deps all installs it)"
	PATH=$PATH:/usr/sbin
	mkdir -p "$n/tmp"
	# as root the worker would switch to nobody, who cannot enter $n
	[[ $(id -u) -ne 0 ]] || user='user root root;'
	for _ in 1 2 3; do
		port=$(free_port)
		cat >"$n/nginx.conf" <<-EOF
			$user
			worker_processes 1;
			pid $n/nginx.pid;
			error_log $n/error.log notice;
			events { worker_connections 64; }
			http {
			    access_log off;
			    client_body_temp_path $n/tmp/body;
			    proxy_temp_path $n/tmp/proxy;
			    fastcgi_temp_path $n/tmp/fastcgi;
			    uwsgi_temp_path $n/tmp/uwsgi;
			    scgi_temp_path $n/tmp/scgi;
			    server {
			        listen 127.0.0.1:$port ssl http2;
			        ssl_certificate $CT_PKI/server.pem;
			        ssl_certificate_key $CT_PKI/server.key;
			        location = /rest/oauth/v2/token {
			            default_type application/json;
			            return 200 '{"access_token":"$MOCK_TOKEN","token_type":"Bearer","expires_in":3600}';
			        }
			        location / { return 404; }
			    }
			}
		EOF
		: >"$n/error.log"
		nginx -e "$n/error.log" -p "$n" -c "$n/nginx.conf" \
			-g 'daemon off;' </dev/null >"$n/out.log" 2>&1 3>&- &
		NGINX_PID=$!
		for _ in $(seq 200); do
			kill -0 "$NGINX_PID" 2>/dev/null || break
			if "$MOCK_PYTHON" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null; then
				NGINX_URL=https://127.0.0.1:$port
				return 0
			fi
			sleep 0.05
		done
		stop_nginx
		grep -q 'Address already in use' "$n/error.log" "$n/out.log" ||
			break
	done
	cat "$n/error.log" "$n/out.log" >&2
	fail "nginx did not start"
}

stop_nginx() {
	[[ -n $NGINX_PID ]] || return 0
	local workers
	workers=$(pgrep -P "$NGINX_PID" 2>/dev/null || true)
	kill -TERM "$NGINX_PID" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$NGINX_PID" 2>/dev/null || true
	wait "$NGINX_PID" 2>/dev/null || true
	# shellcheck disable=SC2086 # a list of pids
	[[ -z $workers ]] || kill -KILL $workers 2>/dev/null || true
	NGINX_PID=''
}


@test "1: -vv over HTTP/2 hides the Basic value in libcurl's h2h3 lines" {
	start_nginx
	COLLIBRA_CLIENT_SECRET=$SR_SECRET run --separate-stderr "$CT" -vv \
		--url "$NGINX_URL"
	assert_success
	assert_output "$MOCK_TOKEN"
	# HTTP/2 it was, and its header lines were shown, redacted
	assert_regex "$stderr" '\* using HTTP/2'
	assert_regex "$stderr" '\* h2h3 \[authorization: Basic <redacted>\]'
	assert_regex "$stderr" '\* h2h3 \[:path: /rest/oauth/v2/token\]'
	assert_regex "$stderr" '> authorization: Basic <redacted>'
	refute_secret "$stderr"
	refute_leak
}

@test "1: -vv over HTTP/2 with --auth-method post shows neither the secret nor its encoding" {
	start_nginx
	COLLIBRA_CLIENT_SECRET=$SR_SECRET run --separate-stderr "$CT" -vv \
		--auth-method post --url "$NGINX_URL"
	assert_success
	assert_regex "$stderr" '\* using HTTP/2'
	assert_regex "$stderr" 'client_secret=<redacted>'
	refute_regex "$stderr" 'authorization'
	refute_secret "$stderr"
}

@test "1: -vv over HTTP/2 hides a long secret's Basic value, which libcurl cuts short itself" {
	local long
	start_nginx
	# libcurl cuts its text lines at 2048 bytes: the Basic value of a
	# 2000-byte secret arrives cut, and matches no form of the secret
	long=$(ct_random_alnum 2000)
	SR_SECRET=$long COLLIBRA_CLIENT_SECRET=$long run --separate-stderr \
		"$CT" -vv --url "$NGINX_URL"
	assert_success
	assert_regex "$stderr" '\* h2h3 \[authorization: Basic <redacted>\]'
	SR_SECRET=$long refute_secret "$stderr"
}

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

# --- 2: the selected profile's URL beats [default]'s token URL ---------------

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
	run --separate-stderr env -u COLLIBRA_URL "$CT" --show-config
	assert_line "token URL: https://127.0.0.1:1/elsewhere/token ($CT_CFG:2)"
}

@test "2: the profile's token_url beats [default]'s url; in one section token_url beats url" {
	printf '[default]\nurl = https://127.0.0.1:1\n[profile dev]\ntoken_url = %s/rest/oauth/v2/token\n' \
		"$MOCK_URL" | ct_write_config
	run --separate-stderr env -u COLLIBRA_URL "$CT" -p dev --show-config
	assert_line "token URL: $MOCK_URL/rest/oauth/v2/token ($CT_CFG:4)"
	printf '[profile dev]\nurl = https://127.0.0.1:1\ntoken_url = %s/t\n' \
		"$MOCK_URL" | ct_write_config
	run --separate-stderr env -u COLLIBRA_URL "$CT" -p dev --show-config
	assert_line "token URL: $MOCK_URL/t ($CT_CFG:3)"
	# and a variable beats both
	run --separate-stderr "$CT" -p dev --show-config
	assert_line "token URL: $MOCK_URL/rest/oauth/v2/token (COLLIBRA_URL)"
}

# --- 3: an explicit CA file means exactly that file ---------------------------

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

@test "3: --cacert naming the system bundle trusts that file only, not the hashed directory" {
	in_system_store "$CT" --retries 0 --cacert /etc/ssl/certs/ca-certificates.crt
	assert_equal "$status" 4
	assert_regex "$stderr" 'TLS error'
	printf '[default]\ncacert = /etc/ssl/certs/ca-certificates.crt\n' | ct_write_config
	in_system_store "$CT" --retries 0
	assert_equal "$status" 4
}

@test "3: with no CA named, or one named by a generic variable, the system directory counts" {
	in_system_store "$CT" --retries 0 -v
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'CA: system directory /etc/ssl/certs'
	in_system_store env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
		"$CT" --retries 0
	assert_success
	assert_output "$MOCK_TOKEN"
}

# --- 4: SSLKEYLOGFILE is not honoured ----------------------------------------

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
	run --separate-stderr "$CT" -v
	refute_regex "$stderr" SSLKEYLOGFILE
}

# --- 5: proxy credentials in -vv; all_proxy in --show-config -------------------

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

@test "5: -vv hides a proxy key given as the user name (http://KEY@proxy)" {
	start_proxy
	https_proxy="http://pxKey42@127.0.0.1:$PROXY_PORT" run --separate-stderr "$CT" -vv
	stop_proxy
	assert_success
	assert_regex "$stderr" 'Proxy auth using Basic with user <redacted>'
	[[ $stderr != *pxKey42* ]]
}

@test "5: --show-config names a lowercase all_proxy, which libcurl uses" {
	all_proxy=http://127.0.0.1:9 run --separate-stderr "$CT" --show-config
	assert_success
	assert_line 'proxy: given (all_proxy)'
	ALL_PROXY=http://127.0.0.1:9 all_proxy=http://127.0.0.1:8 \
		run --separate-stderr "$CT" --show-config
	assert_line 'proxy: given (all_proxy)'
	https_proxy=http://127.0.0.1:9 all_proxy=http://127.0.0.1:8 \
		run --separate-stderr "$CT" --show-config
	assert_line 'proxy: given (https_proxy)'
	run --separate-stderr "$CT" --show-config
	refute_line --partial 'proxy:'
}

# --- 6: a mistyped secret flag is not echoed ----------------------------------

@test "6: an ambiguous or unknown --client-secret... flag is named without its value" {
	local arg
	for arg in --client-secre=typedSecret1 --client-secrets=typedSecret1 \
		--client-s=typedSecret1 --verbose=typedSecret1; do
		run --separate-stderr "$CT" "$arg"
		assert_equal "$status" 2
		[[ $stderr != *typedSecret1* ]] || fail "$arg: the value is shown"
		assert_regex "$stderr" "'${arg%%=*}'"
	done
	run --separate-stderr "$CT" --client-secre=typedSecret1
	assert_regex "$stderr" "^collibra-token: option '--client-secre' is ambiguous; possibilities: '--client-secret' '--client-secret-file' '--client-secret-command'"
	run --separate-stderr "$CT" --client-secrets=typedSecret1
	assert_regex "$stderr" "^collibra-token: unrecognized option '--client-secrets'"
	run --separate-stderr "$CT" --verbose=typedSecret1
	assert_regex "$stderr" "^collibra-token: option '--verbose' doesn't allow an argument"
	run --separate-stderr "$CT" --client-secret
	assert_equal "$status" 2
	assert_regex "$stderr" "^collibra-token: option '--client-secret' requires an argument"
	run --separate-stderr "$CT" -Z
	assert_regex "$stderr" "^collibra-token: invalid option -- 'Z'"
	assert_regex "$stderr" "Try 'collibra-token --help'"
}

@test "6: a bad short option inside a cluster never names the word before it" {
	local c
	# a byte above 0x7f is a negative optopt; mid-cluster, argv[optind - 1]
	# is still the word before: the secret here
	for c in $'-\xffv' $'-v\xff' -Zv; do
		run --separate-stderr "$CT" --client-secret typedSecret1 "$c"
		assert_equal "$status" 2
		[[ $stderr != *typedSecret1* ]] || fail "$c: the word before is shown"
		assert_regex "$stderr" "invalid option -- "
	done
}

# --- 7: a secret the server echoes back is not printed ------------------------

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

# --- 8: escapes from the config path; more invisible characters ---------------

@test "8: escapes in XDG_CONFIG_HOME reach neither --show-config nor -v" {
	local dir=$BATS_TEST_TMPDIR/$'x\e]0;owned\ay\e[31mz'
	export XDG_CONFIG_HOME=$dir
	printf '[default]\nscope = read\n' | ct_write_config "$dir/collibra-token/config"
	run --separate-stderr "$CT" --show-config
	assert_success
	assert_line --partial 'config file: '
	assert_regex "$output" 'scope: read \(.*x\]0;ownedy\[31mz/collibra-token/config:2\)'
	[[ $output != *$'\e'* && $output != *$'\a'* ]] || fail "stdout holds an escape"
	run --separate-stderr "$CT" -v
	assert_success
	assert_regex "$stderr" 'scope: read \(.*ownedy\[31mz/collibra-token/config:2\)'
	[[ $stderr != *$'\e'* && $stderr != *$'\a'* ]] || fail "stderr holds an escape"
}

@test "8: U+00AD, U+061C, U+180E, U+2028, U+2029, variation selectors and tags from the server are dropped" {
	run --separate-stderr "$CT" --retries 0 -u "$MOCK_URL/escape-invisible"
	assert_equal "$status" 10
	assert_regex "$stderr" 'invalid_request: abcdefghij \(HTTP 400\)'
}
