#!/usr/bin/env bats
# Findings of the security review (issue 9) and Collibra's error envelope
# (issue 11): each test fails without its fix.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() { ct_isolate_config; }

# --- 1: http:// to loopback never goes through a proxy -------------------------

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

@test "https:// to loopback still honours an explicit proxy" {
	start_proxy
	run --separate-stderr "$CT" --proxy "$PROXY_URL"
	stop_proxy
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(cat "$PROXY_LOG")" "CONNECT 127.0.0.1:$MOCK_PORT"
}

# --- 2: a config file others could change is refused ----------------------------

# cfg_with_command: a config file whose client_secret_command leaves a mark.
cfg_with_command() {
	printf '[default]\nclient_secret_command = touch %s/ran; echo s\n' \
		"$BATS_TEST_TMPDIR" | ct_write_config "$CT_CFG"
}

@test "config: a file writable by group or others is refused (2), its command not run" {
	local mode
	for mode in g+w o+w; do
		cfg_with_command
		chmod "$mode" "$CT_CFG"
		run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT"
		assert_equal "$status" 2
		assert_equal "$stderr" "collibra-token: $CT_CFG: writable by group or others; refusing to read it (chmod go-w $CT_CFG)"
		[ ! -e "$BATS_TEST_TMPDIR/ran" ]
		run --separate-stderr "$CT" --config "$CT_CFG" --show-config
		assert_equal "$status" 2
		rm -f "$CT_CFG"
	done
	# the same file, 0644 and ours, is read: its command runs
	cfg_with_command
	chmod 644 "$CT_CFG"
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT"
	assert_equal "$status" 11
	[ -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "config: a file owned by another user is refused (2)" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	cfg_with_command
	chown nobody "$CT_CFG"
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" "^collibra-token: $CT_CFG: owned by uid [0-9]+, not by you or root; refusing to read it\$"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# a root-owned file is accepted (the tests run as root: owned by you)
	chown root "$CT_CFG"
	run --separate-stderr "$CT" --show-config
	assert_success
}

@test "config: a file owned by root or by you is accepted when run as another user" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	command -v setpriv >/dev/null || skip "no setpriv"
	local dir
	# a directory that nobody can reach (bats' own are 0700)
	dir=$(mktemp -d /tmp/ct-sec.XXXXXX)
	chmod 755 "$dir"
	printf '[default]\nformat = json\n' >"$dir/root"
	printf '[default]\nformat = json\n' >"$dir/mine"
	chmod 644 "$dir/root" "$dir/mine"
	chown nobody "$dir/mine"
	# nothing of the test's own (0700) may be needed
	unset SSL_CERT_FILE COLLIBRA_TOKEN_CACHE_DIR
	export XDG_CONFIG_HOME=$dir
	run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CT" --config "$dir/root" --show-config
	assert_success
	assert_regex "$output" 'format: json'
	run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CT" --config "$dir/mine" --show-config
	assert_success
	# but not one of a third user's
	chown daemon "$dir/mine"
	run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CT" --config "$dir/mine" --show-config
	rm -rf "$dir"
	assert_equal "$status" 2
	assert_regex "$stderr" 'owned by uid [0-9]+, not by you or root'
}

@test "config: a directory on its path writable by others is refused, unless sticky" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	local dir
	cfg_with_command
	dir=$(dirname "$CT_CFG")
	chmod 0777 "$dir"
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CT_CFG: directory $dir is writable by group or others; refusing to read it"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	chmod 0775 "$dir"
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	# sticky, like /tmp: no one else can replace what we own in it
	chmod 1777 "$dir"
	run --separate-stderr "$CT" --show-config
	assert_success
	chmod 0700 "$dir"
	chown nobody "$dir"
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	assert_regex "$stderr" "^collibra-token: $CT_CFG: directory $dir is owned by uid [0-9]+, not by you or root; refusing to read it\$"
	chown root "$dir"
}

@test "config: the directories of a symlink's target are the ones checked" {
	local real=$BATS_TEST_TMPDIR/real
	mkdir -p "$real" "$(dirname "$CT_CFG")"
	printf '[default]\nformat = json\n' | ct_write_config "$real/config"
	ln -s "$real/config" "$CT_CFG"
	run --separate-stderr "$CT" --show-config
	assert_success
	chmod 0777 "$real"
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	assert_regex "$stderr" "directory $real is writable by group or others"
}

# --- 3: -f dotenv reads back the same in sh, python-dotenv and node -----------

PYDOTENV=/usr/bin/python3
NODE_DOTENV=$BATS_TEST_DIRNAME/node/node_modules/dotenv

# readback READER FILE: the value of COLLIBRA_TOKEN in FILE as READER sees it,
# with a HOME that must not leak in; "<unset>" when the reader drops it.
readback() {
	local reader=$1 file=$2
	case $reader in
	sh) HOME=/reader-home sh -c 'set -a; . "$1"; printf "%s" "${COLLIBRA_TOKEN-<unset>}"' _ "$file" ;;
	python) HOME=/reader-home "$PYDOTENV" -c 'import sys, dotenv
v = dotenv.dotenv_values(sys.argv[1]).get("COLLIBRA_TOKEN")
sys.stdout.write("<unset>" if v is None else v)' "$file" ;;
	node) HOME=/reader-home node -e 'const d = require(process.argv[1]).parse(
	require("fs").readFileSync(process.argv[2]));
process.stdout.write(d.COLLIBRA_TOKEN === undefined ? "<unset>" : d.COLLIBRA_TOKEN)' \
		"$NODE_DOTENV" "$file" ;;
	esac
}

@test "dotenv: the readers the tests need are installed" {
	"$PYDOTENV" -c 'import dotenv'
	[ -f "$NODE_DOTENV/package.json" ] || fail "run scripts/deps all (npm dotenv in tests/node)"
}

@test "dotenv: tokens some quoting carries read back identically in sh, python-dotenv and node" {
	local scen token reader f=$BATS_TEST_TMPDIR/t.env
	for scen in ok body/token-squote body/token-backslash body/token-brace-open \
		body/token-percent; do
		token=$(curl_token "$scen")
		run --separate-stderr "$CT" -f dotenv --url "$MOCK_URL/$scen"
		assert_success
		printf '%s\n' "$output" >"$f"
		for reader in sh python node; do
			assert_equal "$(readback "$reader" "$f")" "$token"
		done
	done
}

# curl_token SCENARIO: the token the mock's SCENARIO issues, as raw output.
curl_token() {
	"$CT" --url "$MOCK_URL/$1"
}

@test "dotenv: a token no quoting carries to every reader is refused (6)" {
	local scen
	for scen in hostile token-quote token-qhome token-brace token-backslash-end \
		token-backslash-pair token-dollar-squote; do
		run --separate-stderr "$CT" -f dotenv --url "$MOCK_URL/body/$scen"
		assert_equal "$status" 6
		assert_output ''
		assert_equal "$stderr" 'collibra-token: bad response: the token holds characters that no .env quoting carries to every reader (sh, python-dotenv, node dotenv); use another --format'
		# the other formats still carry it
		run --separate-stderr "$CT" -f shell --url "$MOCK_URL/body/$scen"
		assert_success
	done
}

# --- 5: -vv hides the userinfo of proxy URLs -------------------------------------

@test "-vv redacts user:password of a proxy from the environment or --proxy" {
	local pw
	pw=pw-$(ct_random_alnum 12)
	start_proxy
	https_proxy=http://user:$pw@127.0.0.1:$PROXY_PORT run --separate-stderr "$CT" -vv
	assert_success
	[[ $stderr != *"$pw"* ]] || fail "-vv shows the proxy password from https_proxy"
	assert_regex "$stderr" 'http://<redacted>@127\.0\.0\.1'
	run --separate-stderr "$CT" -vv --proxy "http://user:$pw@127.0.0.1:$PROXY_PORT"
	assert_success
	[[ $stderr != *"$pw"* ]] || fail "-vv shows the proxy password from --proxy"
	stop_proxy
	refute_leak
}

@test "unit: redact_userinfo hides every scheme://user:pass@" {
	run "${CT_UNIT:-$BATS_TEST_DIRNAME/ct-unit}" userinfo "Uses proxy env variable https_proxy == 'http://u:p@h:1' and socks5h://a@b/ x://y"
	assert_success
	assert_output "Uses proxy env variable https_proxy == 'http://<redacted>@h:1' and socks5h://<redacted>@b/ x://y"
	run "${CT_UNIT:-$BATS_TEST_DIRNAME/ct-unit}" userinfo "http://host/path@x and @ alone"
	assert_output "http://host/path@x and @ alone"
}

# --- 9: a long token echoed in a response header -----------------------------

@test "-v redacts a long token echoed in a header, and one split by the cut" {
	run --separate-stderr "$CT" -v --url "$MOCK_URL/echo-header/0/1200"
	assert_success
	refute_leak
	assert_regex "$stderr" '< X-Echo: <redacted>'
	# the token begins before the 512-byte cut and ends after it
	run --separate-stderr "$CT" -v --url "$MOCK_URL/echo-header/490/600"
	assert_success
	[[ $stderr != *"${MOCK_TOKEN:0:10}"* ]] || fail "-v shows the start of the token"
	refute_leak
}

# --- 11: smaller ones ------------------------------------------------------------

@test "github: the mask escapes %, CR and LF as the runner un-escapes them" {
	export GITHUB_ENV=$BATS_TEST_TMPDIR/github_env
	run --separate-stderr "$CT" -f github --url "$MOCK_URL/body/token-percent"
	assert_success
	assert_output '::add-mask::ab%250Acd%2525x%25'
	# the variable itself is the token as issued
	run "$MOCK_PYTHON" -c 'import json, sys
print(json.loads(sys.stdin.read())["COLLIBRA_TOKEN"])' < <("$BATS_TEST_DIRNAME/github-env.py" "$GITHUB_ENV")
	assert_output 'ab%0Acd%25x%'
}

@test "config: control bytes in keys, sections and paths are not printed raw" {
	printf '[default]\n\e]0;pwned\a = 1\n' | ct_write_config
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	[[ $stderr != *$'\e'* && $stderr != *$'\a'* ]] || fail "raw control bytes on stderr"
	assert_regex "$stderr" "unknown key ']0;pwned'"
	printf '[profile \e[2Jx]\nformat = json\n[\e[31mbad]\n' | ct_write_config
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	[[ $stderr != *$'\e'* ]] || fail "raw control bytes on stderr"
	assert_regex "$stderr" "unknown section '\[31mbad'"
	printf 'format = json\n' | ct_write_config
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	assert_regex "$stderr" "'format' outside a section"
	run --separate-stderr "$CT" --config "$BATS_TEST_TMPDIR/no"$'\e[2J'"pe" --show-config
	assert_equal "$status" 2
	[[ $stderr != *$'\e'* ]] || fail "raw control bytes on stderr"
}

@test "values from the config file or the environment are not printed raw" {
	printf '[default]\nformat = \e]0;pwned\a\u202e\n' | ct_write_config
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CT_CFG:2: unknown format ']0;pwned' (raw, json, shell, fish, header, github or dotenv)"
	rm "$CT_CFG"
	COLLIBRA_TOKEN_VAR=$'a\e[2Jb' run --separate-stderr "$CT"
	assert_equal "$status" 2
	[[ $stderr != *$'\e'* ]] || fail "raw control bytes on stderr"
	assert_regex "$stderr" "invalid variable name 'a\[2Jb'"
	run --separate-stderr "$CT" --cacert $'/no/such\e[2J\u202efile'
	assert_equal "$status" 2
	assert_regex "$stderr" 'cannot read /no/such\[2Jfile'
}

@test "bidi overrides and zero-width characters in an OAuth error are dropped" {
	run --separate-stderr "$CT" --url "$MOCK_URL/escape-bidi"
	assert_equal "$status" 10
	assert_equal "$stderr" 'collibra-token: invalid_request: abcdefghij (HTTP 400)'
}

@test "unit: sanitize drops bidi controls and zero-width characters" {
	local c
	for c in $'\u200b' $'\u200c' $'\u200d' $'\u200e' $'\u200f' $'\u202a' $'\u202b' \
		$'\u202c' $'\u202d' $'\u202e' $'\u2060' $'\u2061' $'\u2062' $'\u2063' $'\u2064' \
		$'\u2066' $'\u2067' $'\u2068' $'\u2069' $'\ufeff'; do
		run "${CT_UNIT:-$BATS_TEST_DIRNAME/ct-unit}" sanitize "a${c}b" 100
		assert_output 'ab'
	done
	# their neighbours stay
	for c in $'\u200a' $'\u2010' $'\u2027' $'\u202f' $'\u2065' $'\u206a' $'\ufefe' $'\u00e9'; do
		run "${CT_UNIT:-$BATS_TEST_DIRNAME/ct-unit}" sanitize "a${c}b" 100
		assert_output "a${c}b"
	done
}

@test "-- COMMAND gets the core limits the caller had, hard limit included" {
	command -v setpriv >/dev/null || skip "no setpriv"
	# without CAP_SYS_RESOURCE a lowered hard limit can never be raised again;
	# ASan would zero the soft limit itself at start
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}disable_coredump=0
	run --separate-stderr setpriv --bounding-set=-sys_resource bash -c \
		'ulimit -c 4096 && exec "$1" -- bash -c "ulimit -H -c; ulimit -S -c"' _ "$CT"
	assert_success
	assert_output $'4096\n4096'
	run --separate-stderr setpriv --bounding-set=-sys_resource bash -c \
		'ulimit -H -c 8192 && ulimit -S -c 100 && exec "$1" -- bash -c "ulimit -H -c; ulimit -S -c"' _ "$CT"
	assert_output $'8192\n100'
}

# --- issue 11 item 3: Collibra's REST error envelope ----------------------------

@test "Collibra's error envelope: userMessage, else titleMessage, sanitised, with the status" {
	run --separate-stderr "$CT" --url "$MOCK_URL/collibra/401/user"
	assert_equal "$status" 11
	assert_equal "$stderr" 'collibra-token: authenticationFailed: The client [31mcredentials[0m are not valid (HTTP 401)'
	run --separate-stderr "$CT" --url "$MOCK_URL/collibra/400/title"
	assert_equal "$status" 10
	assert_equal "$stderr" 'collibra-token: badRequest: Bad request (HTTP 400)'
	run --separate-stderr "$CT" --url "$MOCK_URL/collibra/403/user"
	assert_equal "$status" 5
	assert_equal "$stderr" 'collibra-token: authenticationFailed: The client [31mcredentials[0m are not valid (HTTP 403)'
	# neither message: as without a body
	run --separate-stderr "$CT" --url "$MOCK_URL/collibra/401/none"
	assert_equal "$status" 11
	assert_equal "$stderr" 'collibra-token: invalid_client: HTTP 401 without an OAuth error (Content-Type application/json)'
}

@test "an HTML error page is never printed; the line names the status and Content-Type" {
	run --separate-stderr "$CT" --url "$MOCK_URL/html/401"
	assert_equal "$status" 11
	assert_equal "$stderr" 'collibra-token: invalid_client: HTTP 401 without an OAuth error (Content-Type text/html; charset="utf-8")'
	run --separate-stderr "$CT" --url "$MOCK_URL/html/400"
	assert_equal "$status" 10
	assert_equal "$stderr" 'collibra-token: invalid_request: HTTP 400 without an OAuth error (Content-Type text/html; charset="utf-8")'
	run --separate-stderr "$CT" --url "$MOCK_URL/html/403"
	assert_equal "$status" 5
	assert_equal "$stderr" 'collibra-token: server error: unexpected HTTP 403 (Content-Type text/html; charset="utf-8")'
	[[ $stderr != *SECRET-PAGE* ]]
}

@test "-v and --show-config hide a password in the URL" {
	run --separate-stderr "$CT" --url "https://user:hunter2@127.0.0.1:$MOCK_PORT" -v
	assert_equal "$status" 2
	[[ $stderr != *hunter2* ]]
	run --separate-stderr "$CT" --url "https://user:hunter2@127.0.0.1:$MOCK_PORT" \
		--show-config
	[[ $output != *hunter2* ]]
	assert_line --partial 'token URL: https://<redacted>@127.0.0.1'
}

@test "NO_PROXY does not bypass a proxy the user named" {
	NO_PROXY=127.0.0.1 run --separate-stderr "$CT" --proxy http://127.0.0.1:9 \
		--retries 0
	assert_equal "$status" 3
}
