#!/usr/bin/env bats
# Fetching a token: the request on the wire, client authentication,
# encoding of IDs and secrets, and each output format.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

@test "raw: the token and a newline on stdout, nothing on stderr" {
	"$CT" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	printf '%s\n' "$MOCK_TOKEN" | cmp - "$BATS_TEST_TMPDIR/out"
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "the request: POST, form body, Accept, User-Agent, Basic with the encoded ID" {
	run --separate-stderr "$CT"
	assert_success
	assert_equal "$(mock_last_field method)" POST
	assert_equal "$(mock_last_field path)" /rest/oauth/v2/token
	assert_equal "$(mock_last_field content_type)" application/x-www-form-urlencoded
	assert_equal "$(mock_last_field accept)" application/json
	assert_regex "$(mock_last_field user_agent)" '^collibra-token/[0-9]+\.[0-9]+\.[0-9]+$'
	assert_equal "$(mock_last_field auth)" basic
	assert_equal "$(mock_last_field basic_user)" \
		'urn%3Asys%3Aenv%3A2eeadf60-1a11-5170-7e57-000000000000%3Ai%3A1cnxtsn'
	assert_equal "$(mock_last_field grant_type)" client_credentials
	assert_equal "$(mock_last_field body_keys)" '["grant_type"]'
	assert_equal "$(mock_last_field auth_ok)" true
}

@test "base URL with a trailing slash and with a path prefix" {
	run --separate-stderr "$CT" --url "$MOCK_URL/"
	assert_success
	assert_equal "$(mock_last_field path)" /rest/oauth/v2/token
	run --separate-stderr "$CT" --url "$MOCK_URL/ok///"
	assert_success
	assert_equal "$(mock_last_field path)" /ok/rest/oauth/v2/token
}

@test "--token-url is used as given, query included" {
	run --separate-stderr "$CT" --url https://127.0.0.1:9 \
		--token-url "$MOCK_URL/ok/rest/oauth/v2/token?tenant=a"
	assert_success
	# the mock logs the path without its query
	assert_equal "$(mock_last_field path)" /ok/rest/oauth/v2/token
}

@test "--auth-method post sends the credentials in the body, not in a header" {
	run --separate-stderr "$CT" --auth-method post
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(mock_last_field auth)" post
	assert_equal "$(mock_last_field body_keys)" '["grant_type", "client_id", "client_secret"]'
	assert_equal "$(mock_last_field auth_ok)" true
}

@test "--scope is sent form-encoded and the granted scope reaches json" {
	run --separate-stderr "$CT" --scope 'read write:all' -f json
	assert_success
	assert_equal "$(mock_last_field scope)" 'read write:all'
	assert_equal "$(jq_field scope)" 'read write:all'
	COLLIBRA_SCOPE=env-scope run -0 --separate-stderr "$CT"
	assert_equal "$(mock_last_field scope)" env-scope
}

# jq_field NAME: one field of $output (a JSON object), via python3.
jq_field() {
	"$MOCK_PYTHON" -S -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print(v if isinstance(v,str) else json.dumps(v))' \
		"$output" "$1"
}

# encoded_roundtrip ID SECRET METHOD: the server accepts these credentials.
encoded_roundtrip() {
	mock_add_creds "$1" "$2"
	COLLIBRA_CLIENT_ID=$1 COLLIBRA_CLIENT_SECRET=$2 \
		run --separate-stderr "$CT" --auth-method "$3"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(mock_last_field auth_ok)" true
}

@test "IDs and secrets with : % + & = / ~ and spaces survive Basic encoding" {
	encoded_roundtrip 'urn:a:b%20c+d&e=f/g~h i' 's:e%c+r&e=t/x~y z' basic
	assert_equal "$(mock_last_field basic_user)" 'urn%3Aa%3Ab%2520c%2Bd%26e%3Df%2Fg%7Eh+i'
}

@test "IDs and secrets with non-ASCII bytes survive Basic encoding" {
	encoded_roundtrip $'client-\xc3\xa9\xe2\x82\xac' $'s\xc3\xa9cr\xe8t\xff' basic
	assert_equal "$(mock_last_field basic_user)" 'client-%C3%A9%E2%82%AC'
}

@test "IDs and secrets with special bytes survive post encoding" {
	encoded_roundtrip 'urn:x:y&client_secret=z' $'p:%+&=/~ \xc3\xa9' post
	assert_equal "$(mock_last_field body_keys)" '["grant_type", "client_id", "client_secret"]'
}

@test "a secret that is not form-encoded would be refused: wrong secret gets 401" {
	COLLIBRA_CLIENT_SECRET=not-the-secret run --separate-stderr "$CT"
	assert_equal "$status" 11
	assert_output ''
	assert_equal "$stderr" 'collibra-token: invalid_client: Client authentication failed (HTTP 401); client ID from COLLIBRA_CLIENT_ID, secret from COLLIBRA_CLIENT_SECRET'
}

@test "json: access_token, token_type, expires_in, expires_at in RFC 3339 UTC" {
	local before after at
	before=$(date -u +%s)
	run --separate-stderr "$CT" -f json
	after=$(date -u +%s)
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq_field access_token)" "$MOCK_TOKEN"
	assert_equal "$(jq_field token_type)" Bearer
	assert_equal "$(jq_field expires_in)" 3600
	assert_regex "$(jq_field expires_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
	at=$(date -u -d "$(jq_field expires_at)" +%s)
	((at >= before + 3600 && at <= after + 3600))
	assert_equal "$(jq_field scope)" null
	refute_regex "$output" '"scope"'
}

@test "json: no expires_in from the server gives null expiry" {
	run --separate-stderr "$CT" -f json --url "$MOCK_URL/noexpiry"
	assert_success
	assert_equal "$(jq_field expires_in)" null
	assert_equal "$(jq_field expires_at)" null
	assert_regex "$output" '"expires_at":null'
}

@test "json: the format comes from COLLIBRA_TOKEN_FORMAT too" {
	COLLIBRA_TOKEN_FORMAT=json run --separate-stderr "$CT"
	assert_success
	assert_equal "$(jq_field access_token)" "$MOCK_TOKEN"
}

@test "shell: four export lines, single-quoted" {
	local before after
	before=$(date -u +%s)
	run --separate-stderr "$CT" -f shell --url "$MOCK_URL/expires/120"
	after=$(date -u +%s)
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_regex "${lines[3]}" "^export COLLIBRA_TOKEN_EXPIRES_AT_RFC3339='[0-9T:Z-]+'$"
	assert_line --index 0 "export COLLIBRA_TOKEN='$MOCK_TOKEN'"
	assert_line --index 1 "export COLLIBRA_TOKEN_TYPE='Bearer'"
	assert_regex "${lines[2]}" "^export COLLIBRA_TOKEN_EXPIRES_AT='[0-9]+'$"
	eval "${lines[2]}"
	((COLLIBRA_TOKEN_EXPIRES_AT >= before + 120 && COLLIBRA_TOKEN_EXPIRES_AT <= after + 120))
}

@test "shell: no expiry gives an empty COLLIBRA_TOKEN_EXPIRES_AT" {
	run --separate-stderr "$CT" -f shell --url "$MOCK_URL/noexpiry"
	assert_success
	assert_line --index 2 "export COLLIBRA_TOKEN_EXPIRES_AT=''"
}

@test "token_type bearer in lower case is accepted and printed as sent" {
	run --separate-stderr "$CT" -f shell --url "$MOCK_URL/body/type-bearer-lower"
	assert_success
	assert_line --index 1 "export COLLIBRA_TOKEN_TYPE='bearer'"
}

@test "a valid body under another Content-Type is accepted" {
	run --separate-stderr "$CT" --url "$MOCK_URL/content-type/text/plain"
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "export TOKEN=\$(collibra-token) works in a script" {
	run bash -c 'export TOKEN=$("$1") && [ "$TOKEN" = "$MOCK_TOKEN" ]' _ "$CT"
	assert_success
}
