#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr, $output, $lines come from bats' run
# Tests of the mock server itself (tests/lib/mock-server.py + tests/lib/mock.sh),
# with a python3 stdlib client, so that they need neither curl nor the tool.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

TP=/rest/oauth/v2/token
ENCODED_ID='urn%3Asys%3Aenv%3A2eeadf60-1a11-5170-7e57-000000000000%3Ai%3A1cnxtsn'

# fetch URL: one request; prints the status, the WWW-Authenticate header (or
# -), then the body.  Secrets come from the environment only:
#   REQ_ID, REQ_SECRET  credentials (default: COLLIBRA_CLIENT_ID/_SECRET), any bytes
#   REQ_AUTH    basic (RFC 6749 encoded), basic-raw (not form-encoded), post, both, none
#   REQ_METHOD  (POST)   REQ_CTYPE (form)   REQ_GRANT (client_credentials)
#   REQ_SCOPE   (none)   REQ_TIMEOUT (10)
fetch() {
	"$MOCK_PYTHON" -S -c '
import base64, http.client, os, ssl, sys, urllib.parse
env = os.environb
url = urllib.parse.urlsplit(sys.argv[1])
cid = env.get(b"REQ_ID", env[b"COLLIBRA_CLIENT_ID"])
secret = env.get(b"REQ_SECRET", env[b"COLLIBRA_CLIENT_SECRET"])
auth = os.environ.get("REQ_AUTH", "basic")
enc = lambda b: urllib.parse.quote_plus(b, safe="")
b64 = lambda b: base64.b64encode(b).decode()
headers = {"Content-Type": os.environ.get("REQ_CTYPE", "application/x-www-form-urlencoded")}
if auth in ("basic", "both"):
    headers["Authorization"] = "Basic " + b64((enc(cid) + ":" + enc(secret)).encode())
elif auth == "basic-raw":
    headers["Authorization"] = "Basic " + b64(cid + b":" + secret)
body = "grant_type=" + enc(os.environ.get("REQ_GRANT", "client_credentials").encode())
if "REQ_SCOPE" in os.environ:
    body += "&scope=" + enc(os.environ["REQ_SCOPE"].encode())
if auth in ("post", "both"):
    body += "&client_id=" + enc(cid) + "&client_secret=" + enc(secret)
ctx = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx,
                                   timeout=float(os.environ.get("REQ_TIMEOUT", "10")))
conn.request(os.environ.get("REQ_METHOD", "POST"), url.path, body=body, headers=headers)
r = conn.getresponse()
data = r.read()
sys.stdout.write("%d\n%s\n" % (r.status, r.getheader("WWW-Authenticate", "-")))
sys.stdout.flush()
sys.stdout.buffer.write(data)
' "$1"
}

# json_field NAME: one field of the JSON object on stdin.
json_field() {
	"$MOCK_PYTHON" -S -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

@test "valid Basic credentials get 200 and the token" {
	run --separate-stderr fetch "$MOCK_URL$TP"
	assert_success
	assert_line -n 0 200
	assert_output --partial "\"access_token\": \"$MOCK_TOKEN\""
	assert_output --partial '"token_type": "Bearer", "expires_in": 3600}'
	refute_output --partial scope
	assert_equal "$(mock_last_field scenario)" ok
	assert_equal "$(mock_last_field auth)" basic
	assert_equal "$(mock_last_field auth_ok)" true
	assert_equal "$(mock_last_field basic_user)" "$ENCODED_ID"
	assert_equal "$(mock_last_field client_id)" "$COLLIBRA_CLIENT_ID"
	assert_equal "$(mock_last_field grant_type)" client_credentials
	assert_equal "$(mock_last_field body_keys)" '["grant_type"]'
	refute_leak
}

@test "a requested scope is logged and echoed" {
	REQ_SCOPE='read write' run --separate-stderr fetch "$MOCK_URL$TP"
	assert_success
	assert_line -n 0 200
	assert_output --partial '"scope": "read write"'
	assert_equal "$(mock_last_field scope)" 'read write'
}

@test "wrong secret gets 401 invalid_client" {
	REQ_SECRET=wrong-secret run --separate-stderr fetch "$MOCK_URL$TP"
	assert_success
	assert_line -n 0 401
	assert_line -n 1 'Basic realm="collibra"'
	assert_output --partial '"error": "invalid_client"'
	assert_equal "$(mock_last_field auth_ok)" false
}

@test "no credentials get 401" {
	REQ_AUTH=none run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 401
	assert_equal "$(mock_last_field auth)" none
}

@test "an ID with ':' is accepted form-encoded, rejected raw" {
	REQ_AUTH=basic run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 200
	REQ_AUTH=basic-raw run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 401
	assert_equal "$(mock_last_field basic_user)" urn
}

@test "client_secret_post is accepted; both methods at once are not" {
	REQ_AUTH=post run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 200
	assert_equal "$(mock_last_field auth)" post
	assert_equal "$(mock_last_field body_keys)" '["grant_type", "client_id", "client_secret"]'
	assert_equal "$(mock_last_field basic_user)" null
	REQ_AUTH=both run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 400
	assert_output --partial '"error": "invalid_request"'
}

@test "credentials with arbitrary bytes work with both methods" {
	local id=$'id:%+&=/~ \xc3\xa9\xff' secret=$'s:%+&=/~ \t\xff"\'\\'
	mock_add_creds "$id" "$secret"
	REQ_ID=$id REQ_SECRET=$secret run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 200
	assert_equal "$(mock_last_field basic_user)" 'id%3A%25%2B%26%3D%2F~+%C3%A9%FF'
	REQ_AUTH=post REQ_ID=$id REQ_SECRET=$secret run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 200
	REQ_ID=$id REQ_SECRET=${secret%?} run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 401
}

@test "the request log never contains the secret" {
	REQ_AUTH=post run -0 --separate-stderr fetch "$MOCK_URL$TP"
	REQ_AUTH=basic run -0 --separate-stderr fetch "$MOCK_URL$TP"
	REQ_AUTH=basic-raw run -0 --separate-stderr fetch "$MOCK_URL$TP"
	REQ_AUTH=both run -0 --separate-stderr fetch "$MOCK_URL/status/500$TP"
	local n
	n=$(mock_requests)
	((n >= 4))
	run -1 grep -cF -- "$COLLIBRA_CLIENT_SECRET" "$MOCK_LOG"
	assert_output 0
	run -1 grep -c -i -e authorization -e 'Basic ' "$MOCK_LOG"
	assert_output 0
}

@test "the server checks method, content type and grant type" {
	REQ_METHOD=GET run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 405
	REQ_CTYPE=application/json run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 400
	assert_output --partial invalid_request
	assert_equal "$(mock_last_field body_keys)" '[]'
	REQ_GRANT=password run -0 --separate-stderr fetch "$MOCK_URL$TP"
	assert_line -n 0 400
	assert_output --partial unsupported_grant_type
}

@test "status/503 gives 503; unknown paths and scenarios give 404" {
	run -0 --separate-stderr fetch "$MOCK_URL/status/503$TP?x=1"
	assert_line -n 0 503
	assert_line -n 2 '<html><body>503</body></html>'
	assert_equal "$(mock_last_field scenario)" status/503
	run -0 --separate-stderr fetch "$MOCK_URL/rest/oauth/v2/other"
	assert_line -n 0 404
	assert_equal "$(mock_last_field scenario)" null
	run -0 --separate-stderr fetch "$MOCK_URL/no-such-scenario$TP"
	assert_line -n 0 404
}

@test "error and hostile scenarios" {
	run -0 --separate-stderr fetch "$MOCK_URL/oauth/invalid_scope$TP"
	assert_line -n 0 400
	assert_line -n 2 '{"error": "invalid_scope", "error_description": "mock says invalid_scope", "error_uri": "https://example.invalid/doc"}'
	run -0 --separate-stderr fetch "$MOCK_URL/oauth/invalid_client$TP"
	assert_line -n 0 401
	run -0 --separate-stderr fetch "$MOCK_URL/oauth-bare/invalid_grant$TP"
	assert_line -n 2 '{"error": "invalid_grant"}'
	run -0 --separate-stderr fetch "$MOCK_URL/empty/502$TP"
	assert_output $'502\n-'
	run -0 --separate-stderr fetch "$MOCK_URL/body/hostile$TP"
	local hostile
	hostile=$(cat <<'EOF'
x';touch${IFS}pwned;'$(touch${IFS}pwned2)`touch${IFS}pwned3`"\$HOME|&;<>*?[]{}~#!%
EOF
	)
	assert_equal "$(json_field access_token <<<"${lines[2]}")" "$hostile"
	run -0 --separate-stderr fetch "$MOCK_URL/body/expires-huge$TP"
	assert_output --partial '"expires_in": 100000000000000000000000000000}'
	run -0 --separate-stderr fetch "$MOCK_URL/expires/7$TP"
	assert_output --partial '"expires_in": 7}'
	run -0 --separate-stderr fetch "$MOCK_URL/noexpiry$TP"
	refute_output --partial expires_in
	run -0 --separate-stderr fetch "$MOCK_URL/big/5000$TP"
	assert_equal "${#lines[2]}" 5000
	run -0 --separate-stderr fetch "$MOCK_URL/fail-first/1/t1$TP"
	assert_line -n 0 503
	run -0 --separate-stderr fetch "$MOCK_URL/fail-first/1/t1$TP"
	assert_line -n 0 200
	REQ_TIMEOUT=0.5 run --separate-stderr fetch "$MOCK_URL/hang$TP"
	assert_failure
	assert_equal "$(mock_last_field scenario)" hang
}

@test "every canned body is served" {
	local name
	for name in malformed array notjson empty missing-token empty-token token-number \
		token-null token-newline token-space token-quote token-nonascii token-control \
		hostile type-mac type-bearer-lower type-missing expires-negative expires-fraction \
		expires-huge expires-string dup-keys nested scope-granted error-in-200; do
		run -0 --separate-stderr fetch "$MOCK_URL/body/$name$TP"
		assert_line -n 0 200
	done
}

@test "a second server with the wrong certificate fails verification" {
	MOCK_PREFIX=WRONG mock_start "$CT_MOCK_DIR/wrong" "$CT_PKI/wrong.pem" "$CT_PKI/wrong.key"
	[[ $WRONG_URL != "$MOCK_URL" ]]
	run --separate-stderr fetch "$WRONG_URL$TP"
	assert_failure
	[[ $stderr == *CERTIFICATE_VERIFY_FAILED* ]]
	assert_equal "$(mock_requests WRONG)" 0
	local pid=$WRONG_PID
	mock_stop WRONG
	run kill -0 "$pid"
	assert_failure
	# Clean exit on SIGTERM: nothing on the server's stderr.
	assert_equal "$(cat "$CT_MOCK_DIR/wrong/server.out")" ''
	mock_stop WRONG # already gone: no error
}

@test "mock_pki is idempotent and makes the expected certificates" {
	local before
	before=$(cksum <"$CT_PKI/server.pem")
	mock_pki "$CT_PKI"
	assert_equal "$(cksum <"$CT_PKI/server.pem")" "$before"
	run openssl verify -CAfile "$CT_PKI/ca.pem" "$CT_PKI/server.pem" "$CT_PKI/wrong.pem"
	assert_success
	run -0 openssl x509 -in "$CT_PKI/server.pem" -noout -ext subjectAltName
	assert_output --partial 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1'
}
