#!/usr/bin/env bats
# --status: the cached token of the chosen configuration (type, scope,
# expiry, time left) and the settings that choose it, with their sources;
# never the token, and no request.  Exit 0 when a token with --min-ttl
# left is cached, 7 otherwise (issue 23, item 11).

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_TEST_TMPDIR/cache
	N=$(mock_requests)
}

# json_get KEY: one value of $output (a JSON object), as JSON text unless
# it is a string.
json_get() {
	"$MOCK_PYTHON" -S -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print(v if isinstance(v,str) else json.dumps(v))' \
		"$output" "$1"
}

# no_token: neither stream holds the token or the secret.
no_token() {
	[[ $output != *"$MOCK_TOKEN"* && $output != *"$COLLIBRA_CLIENT_SECRET"* ]] ||
		fail "--status printed the token or the secret"
	refute_leak
}

@test "--status with nothing cached: exit 7, says so, asks nothing" {
	run --separate-stderr env LD_DEBUG=libs "$CT" --status
	assert_equal "$status" 7
	assert_line --regexp '^token: none cached( \(.*\))?$'
	assert_line --regexp "^token URL: $MOCK_URL/rest/oauth/v2/token \(COLLIBRA_URL\)$"
	assert_line "client ID: $COLLIBRA_CLIENT_ID (COLLIBRA_CLIENT_ID)"
	assert_equal "$(requests_since "$N")" 0
	refute_regex "$stderr" 'libcurl'
	no_token
}

@test "--status after a fetch: type, scope, expiry in both forms, time left, sources; exit 0" {
	local before after epoch
	before=$(date +%s)
	run --separate-stderr "$CT" --scope 'read write'
	after=$(date +%s)
	assert_success
	N=$(mock_requests)
	run --separate-stderr "$CT" --scope 'read write' --status
	assert_success
	assert_line 'token: cached (Bearer)'
	assert_line 'granted scope: read write'
	assert_line --regexp '^expires at: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z \(Unix [0-9]+\)$'
	assert_line --regexp '^time left: (3[0-9]{3}) s \(--min-ttl 60 s: enough\)$'
	assert_line --regexp "^token URL: .* \(COLLIBRA_URL\)$"
	assert_line "client ID: $COLLIBRA_CLIENT_ID (COLLIBRA_CLIENT_ID)"
	assert_line --regexp '^client secret: [0-9]+ bytes, <redacted> \(COLLIBRA_CLIENT_SECRET\)$'
	assert_line --regexp "^cache entry: $COLLIBRA_TOKEN_CACHE_DIR/[0-9a-f]{32} \(COLLIBRA_TOKEN_CACHE_DIR\)$"
	epoch=$(sed -n 's/^expires at: .* (Unix \([0-9]*\))$/\1/p' <<<"$output")
	((epoch >= before + 3600 - 2 && epoch <= after + 3600 + 2))
	assert_equal "$(sed -n 's/^expires at: \([^ ]*\) .*/\1/p' <<<"$output")" \
		"$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
	assert_equal "$(requests_since "$N")" 0
	no_token
}

@test "--status: a token with less than --min-ttl left is shown, exit 7" {
	run --separate-stderr "$CT" --url "$MOCK_URL/expires/300"
	assert_success
	run --separate-stderr "$CT" --url "$MOCK_URL/expires/300" --status --min-ttl 600
	assert_equal "$status" 7
	assert_line 'token: cached (Bearer)'
	assert_line --regexp '^time left: [0-9]+ s \(--min-ttl 600 s: not enough\)$'
	COLLIBRA_TOKEN_MIN_TTL=10 run --separate-stderr "$CT" --url "$MOCK_URL/expires/300" --status
	assert_success
	assert_equal "$(requests_since "$N")" 1
}

@test "--status -f json: one object for scripts, never the token" {
	run --separate-stderr "$CT" -f json --status
	assert_equal "$status" 7
	assert_equal "$(json_get cached)" false
	assert_equal "$(json_get expires_at)" null
	run --separate-stderr "$CT"
	assert_success
	run --separate-stderr "$CT" -f json --status
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_equal "$(json_get cached)" true
	assert_equal "$(json_get fresh)" true
	assert_equal "$(json_get token_type)" Bearer
	assert_equal "$(json_get min_ttl)" 60
	assert_regex "$(json_get expires_in)" '^3[0-9]{3}$'
	assert_regex "$(json_get expires_at)" '^[0-9-]{10}T[0-9:]{8}Z$'
	assert_equal "$(date -u -d "@$(json_get expires_at_epoch)" +%Y-%m-%dT%H:%M:%SZ)" \
		"$(json_get expires_at)"
	assert_equal "$(json_get token_url)" "$MOCK_URL/rest/oauth/v2/token"
	assert_equal "$(json_get client_id)" "$COLLIBRA_CLIENT_ID"
	assert_equal "$("$MOCK_PYTHON" -S -c 'import json,sys; s=json.loads(sys.argv[1])["sources"]; print(s["token_url"], s["client_id"], s["client_secret"])' "$output")" \
		'COLLIBRA_URL COLLIBRA_CLIENT_ID COLLIBRA_CLIENT_SECRET'
	refute_output --partial access_token
	no_token
}

# review of issue 23 (rev2), finding 5: -f json wrote the server's scope
# with its bidi override and C1 control as raw UTF-8 to the terminal
@test "--status -f json escapes what the server's scope holds beyond ASCII" {
	run -0 --separate-stderr "$CT" --url "$MOCK_URL/body/scope-bidi"
	run -0 --separate-stderr "$CT" --url "$MOCK_URL/body/scope-bidi" \
		-f json --status
	[[ ${output,,} == *'"scope":"read\u202ewrite\u009b2j"'* ]] ||
		fail "scope not escaped: $output"
	LC_ALL=C assert_equal "$(LC_ALL=C tr -d '\0-\177' <<<"$output" | wc -c)" 0
	assert_equal "$(json_get scope)" $'read\u202ewrite\u009b2J'
	# the text form sanitizes it
	run -0 --separate-stderr "$CT" --url "$MOCK_URL/body/scope-bidi" --status
	refute_output --partial $'\u202e'
}

@test "--status never runs the secret command nor prompts" {
	local mark=$BATS_TEST_TMPDIR/ran
	unset COLLIBRA_CLIENT_SECRET
	run --separate-stderr "$CT" --status --client-secret-command "touch '$mark'; echo secret" </dev/null
	assert_equal "$status" 7
	assert_line --regexp '^client secret: read only for a fetch \(--client-secret-command\)$'
	[[ ! -e $mark ]]
	run --separate-stderr "$CT" --status </dev/null
	assert_equal "$status" 7
	assert_line 'client secret: (none)'
	assert_equal "$(requests_since "$N")" 0
}

@test "--status with the cache off says why, exit 7" {
	run --separate-stderr "$CT"
	assert_success
	COLLIBRA_TOKEN_CACHE=0 run --separate-stderr "$CT" --status
	assert_equal "$status" 7
	assert_line --regexp '^token: none cached( \(.*\))?$'
	assert_line 'cache: off (COLLIBRA_TOKEN_CACHE)'
}

@test "--status goes with neither --refresh, --watch, --clear-cache nor a command" {
	local a
	for a in --refresh --clear-cache --show-config '--watch -o x' '-- true'; do
		# shellcheck disable=SC2086 # the words of $a
		run --separate-stderr "$CT" --status $a
		assert_equal "$status" 2
		assert_output ''
		assert_regex "$stderr" '^collibra-token: --status goes with neither'
	done
	assert_equal "$(requests_since "$N")" 0
}

@test "the recipe: collibra-token --status || collibra-token --refresh" {
	run --separate-stderr sh -c '"$0" --status >/dev/null || "$0" --refresh' "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(requests_since "$N")" 1
	run --separate-stderr sh -c '"$0" --status >/dev/null || "$0" --refresh' "$CT"
	assert_success
	assert_output ''
	assert_equal "$(requests_since "$N")" 1
}

@test "--help and the man page document --status and exit status 7" {
	run "$CT" --help
	assert_success
	assert_output --regexp '--status'
	assert_line --regexp '^ +7  --status'
	run grep -c -- 'status' "$BATS_TEST_DIRNAME/../man/collibra-token.1"
	assert_success
	run grep -E '^\.It 7$|^\.It Li 7$|^7$' "$BATS_TEST_DIRNAME/../man/collibra-token.1"
	assert_success
}
