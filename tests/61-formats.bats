#!/usr/bin/env bats
# The fish, header, github and dotenv formats, --var, and COLLIBRA_TOKEN_VAR;
# every format with a hostile token.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	GHENV=$CT_LIB/github-env.py
}

# json_get JSON KEY: one string value of a JSON object.
json_get() {
	"$MOCK_PYTHON" -S -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

# json_keys JSON: the keys of a JSON object, one per line.
json_keys() {
	"$MOCK_PYTHON" -S -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$1"
}

# in_empty_dir SHELL SCRIPT ARGS...: run SCRIPT in SHELL in an empty directory
# (bats `run`), then check that nothing was created there.
EMPTY_CHECK=
in_empty_dir() {
	local sh=$1 dir=$BATS_TEST_TMPDIR/empty-$1
	shift
	mkdir -p "$dir"
	EMPTY_CHECK=$dir
	run --separate-stderr env -C "$dir" "$sh" "$@"
}
assert_dir_empty() {
	assert_equal "$(ls -A "$EMPTY_CHECK")" ''
}

now() { date +%s; }

# --- fish ---------------------------------------------------------------------

@test "fish: four set -gx lines" {
	local before after
	before=$(now)
	run --separate-stderr "$CT" -f fish
	after=$(now)
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_regex "${lines[3]}" "^set -gx COLLIBRA_TOKEN_EXPIRES_AT_RFC3339 '[0-9T:Z-]+'$"
	assert_line -n 0 "set -gx COLLIBRA_TOKEN '$MOCK_TOKEN'"
	assert_line -n 1 "set -gx COLLIBRA_TOKEN_TYPE 'Bearer'"
	assert_regex "${lines[2]}" "^set -gx COLLIBRA_TOKEN_EXPIRES_AT '[0-9]+'$"
	local at=${lines[2]#*\'}
	at=${at%\'}
	((at >= before + 3600 && at <= after + 3600))
	refute_leak
}

@test "fish: quotes and backslashes escaped the fish way" {
	run --separate-stderr "$CT" -f fish --url "$MOCK_URL/body/token-quote"
	assert_success
	assert_line -n 0 "set -gx COLLIBRA_TOKEN 'abc\\'def\"ghi'"
	run --separate-stderr "$CT" -f fish --url "$MOCK_URL/noexpiry"
	assert_success
	assert_line -n 2 "set -gx COLLIBRA_TOKEN_EXPIRES_AT ''"
}

@test "fish: a hostile token round-trips through source and runs nothing" {
	local t nc
	nc=$(fish_no_config)
	t=$(ct_hostile_token)
	# the tool and the URL in the environment: fish before 3.3 (Debian
	# 11) gives no $argv to fish -c
	FISH_CT=$CT FISH_URL=$MOCK_URL/body/hostile in_empty_dir fish ${nc:+"$nc"} -c '
		$FISH_CT -f fish --url $FISH_URL | source; or exit 9
		printf "%s\n" $COLLIBRA_TOKEN $COLLIBRA_TOKEN_TYPE "$COLLIBRA_TOKEN_EXPIRES_AT"
	'
	assert_success
	assert_dir_empty
	assert_equal "${lines[0]}" "$t"
	assert_equal "${lines[1]}" Bearer
	assert_regex "${lines[2]}" '^[0-9]+$'
	FISH_CT=$CT FISH_URL=$MOCK_URL/body/token-quote in_empty_dir fish ${nc:+"$nc"} -c '
		$FISH_CT -f fish --url $FISH_URL | source; or exit 9
		printf "%s\n" $COLLIBRA_TOKEN
	'
	assert_success
	assert_output "abc'def\"ghi"
	assert_dir_empty
}

# --- header ---------------------------------------------------------------------

@test "header: exactly one Authorization line" {
	run --separate-stderr "$CT" -f header
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output "Authorization: Bearer $MOCK_TOKEN"
	"$CT" -f header | cmp - <(printf 'Authorization: Bearer %s\n' "$MOCK_TOKEN")
	refute_leak
}

@test "header: a hostile token is printed as is; an unknown format is exit 2" {
	local t
	t=$(ct_hostile_token)
	run --separate-stderr "$CT" -f header --url "$MOCK_URL/body/hostile"
	assert_success
	assert_output "Authorization: Bearer $t"
	run --separate-stderr "$CT" -f Header
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" \
		"collibra-token: --format: unknown format 'Header' (raw, json, shell, fish, header, github or dotenv)"
}

# --- github ---------------------------------------------------------------------

@test "github: the mask on stdout, the variables appended to GITHUB_ENV" {
	local before after env
	export GITHUB_ENV=$BATS_TEST_TMPDIR/github_env
	printf 'EARLIER=kept\nML<<EOF_X\nline1\nline2\nEOF_X\n' >"$GITHUB_ENV"
	cp "$GITHUB_ENV" "$BATS_TEST_TMPDIR/before"
	before=$(now)
	run --separate-stderr "$CT" -f github
	after=$(now)
	assert_success
	assert_output "::add-mask::$MOCK_TOKEN"
	assert_equal "$stderr" ''
	# earlier content preserved byte for byte
	cmp "$BATS_TEST_TMPDIR/before" <(head -c "$(stat -c %s "$BATS_TEST_TMPDIR/before")" "$GITHUB_ENV")
	env=$("$GHENV" "$GITHUB_ENV")
	assert_equal "$(json_keys "$env" | tr '\n' ' ')" \
		'COLLIBRA_TOKEN COLLIBRA_TOKEN_EXPIRES_AT COLLIBRA_TOKEN_EXPIRES_AT_RFC3339 COLLIBRA_TOKEN_TYPE EARLIER ML '
	assert_equal "$(json_get "$env" EARLIER)" kept
	assert_equal "$(json_get "$env" ML)" $'line1\nline2'
	assert_equal "$(json_get "$env" COLLIBRA_TOKEN)" "$MOCK_TOKEN"
	assert_equal "$(json_get "$env" COLLIBRA_TOKEN_TYPE)" Bearer
	local at
	at=$(json_get "$env" COLLIBRA_TOKEN_EXPIRES_AT)
	((at >= before + 3600 && at <= after + 3600))
}

@test "github: the multi-line syntax with a random ghadelimiter_ delimiter" {
	export GITHUB_ENV=$BATS_TEST_TMPDIR/github_env
	: >"$GITHUB_ENV"
	run --separate-stderr "$CT" -f github
	assert_success
	run -0 cat "$GITHUB_ENV"
	assert_equal "${#lines[@]}" 12
	assert_regex "${lines[0]}" '^COLLIBRA_TOKEN<<ghadelimiter_[A-Za-z0-9_-]+$'
	assert_equal "${lines[1]}" "$MOCK_TOKEN"
	assert_equal "${lines[2]}" "${lines[0]#COLLIBRA_TOKEN<<}"
	assert_regex "${lines[3]}" '^COLLIBRA_TOKEN_TYPE<<ghadelimiter_'
	assert_equal "${lines[4]}" Bearer
	assert_regex "${lines[6]}" '^COLLIBRA_TOKEN_EXPIRES_AT<<ghadelimiter_'
	assert_regex "${lines[9]}" '^COLLIBRA_TOKEN_EXPIRES_AT_RFC3339<<ghadelimiter_'
	local d1=${lines[2]}
	: >"$GITHUB_ENV"
	"$CT" -f github >/dev/null
	run -0 head -n 1 "$GITHUB_ENV"
	[[ $output != *"$d1"* ]]
}

@test "github: a hostile token and no expiry read back exactly" {
	local t env
	t=$(ct_hostile_token)
	export GITHUB_ENV=$BATS_TEST_TMPDIR/github_env
	run --separate-stderr "$CT" -f github --url "$MOCK_URL/body/hostile"
	assert_success
	# the runner un-escapes %25 back to the token's final %
	assert_output "::add-mask::${t%\%}%25"
	env=$("$GHENV" "$GITHUB_ENV")
	assert_equal "$(json_get "$env" COLLIBRA_TOKEN)" "$t"
	: >"$GITHUB_ENV"
	run --separate-stderr "$CT" -f github --url "$MOCK_URL/noexpiry"
	assert_success
	env=$("$GHENV" "$GITHUB_ENV")
	assert_equal "$(json_get "$env" COLLIBRA_TOKEN_EXPIRES_AT)" ''
	assert_equal "$(json_get "$env" COLLIBRA_TOKEN)" "$MOCK_TOKEN"
}

@test "github-env.py rejects a block whose delimiter never comes" {
	printf 'A<<D1\nvalue\nD2\n' >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr "$GHENV" "$BATS_TEST_TMPDIR/bad"
	assert_failure
	printf 'A<<D1\nvalue\nD1\n' >"$BATS_TEST_TMPDIR/good"
	run --separate-stderr "$GHENV" "$BATS_TEST_TMPDIR/good"
	assert_success
	assert_output '{"A": "value"}'
}

@test "github: without GITHUB_ENV only the mask, a warning and exit 0" {
	unset GITHUB_ENV
	run --separate-stderr "$CT" -f github
	assert_success
	assert_output "::add-mask::$MOCK_TOKEN"
	assert_equal "$stderr" 'collibra-token: warning: GITHUB_ENV is not set; only the mask was printed'
	export GITHUB_ENV=$BATS_TEST_TMPDIR/github_env
	run --separate-stderr "$CT" -f github
	assert_success
	assert_equal "$stderr" ''
}

# --- dotenv -----------------------------------------------------------------------

@test "dotenv: four single-quoted lines" {
	run --separate-stderr "$CT" -f dotenv
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_line -n 0 "COLLIBRA_TOKEN='$MOCK_TOKEN'"
	assert_line -n 1 "COLLIBRA_TOKEN_TYPE='Bearer'"
	assert_regex "${lines[2]}" "^COLLIBRA_TOKEN_EXPIRES_AT='[0-9]+'$"
	run -0 --separate-stderr "$CT" -f dotenv --url "$MOCK_URL/noexpiry"
	assert_line -n 2 "COLLIBRA_TOKEN_EXPIRES_AT=''"
}

@test "dotenv: a token with a quote is double-quoted; one that also holds \\ \" \$ or \` is refused" {
	run --separate-stderr "$CT" -f dotenv --url "$MOCK_URL/body/token-squote"
	assert_success
	assert_line -n 0 'COLLIBRA_TOKEN="abc'"'"'def"'
	run --separate-stderr "$CT" -f dotenv --url "$MOCK_URL/body/token-quote"
	assert_equal "$status" 6
	assert_output ''
	run --separate-stderr "$CT" -f dotenv --url "$MOCK_URL/body/hostile"
	assert_equal "$status" 6
	assert_output ''
	assert_regex "$stderr" 'no .env quoting carries'
	refute_leak
}

@test "dotenv: quoted tokens round-trip through set -a; . FILE and run nothing" {
	"$CT" -f dotenv --url "$MOCK_URL/body/token-squote" >"$BATS_TEST_TMPDIR/q.env"
	"$CT" -f dotenv --url "$MOCK_URL/body/token-backslash" >"$BATS_TEST_TMPDIR/b.env"
	"$CT" -f dotenv >"$BATS_TEST_TMPDIR/n.env"
	in_empty_dir bash -c '
		for f; do
			( set -a; . "$f"; printf "%s\n" "$COLLIBRA_TOKEN" ) || exit 9
		done
	' _ "$BATS_TEST_TMPDIR/q.env" "$BATS_TEST_TMPDIR/b.env" "$BATS_TEST_TMPDIR/n.env"
	assert_success
	assert_dir_empty
	assert_equal "${lines[0]}" "abc'def"
	assert_equal "${lines[1]}" 'a\b'
	assert_equal "${lines[2]}" "$MOCK_TOKEN"
}

# --- --var --------------------------------------------------------------------------

@test "--var names the variables of shell, fish and dotenv" {
	run --separate-stderr "$CT" -f shell --var MY_TOK
	assert_success
	assert_line -n 0 "export MY_TOK='$MOCK_TOKEN'"
	assert_line -n 1 "export MY_TOK_TYPE='Bearer'"
	assert_regex "${lines[2]}" "^export MY_TOK_EXPIRES_AT='[0-9]+'$"
	run --separate-stderr "$CT" -f fish --var _x9
	assert_success
	assert_line -n 0 "set -gx _x9 '$MOCK_TOKEN'"
	assert_line -n 1 "set -gx _x9_TYPE 'Bearer'"
	assert_regex "${lines[2]}" "^set -gx _x9_EXPIRES_AT '[0-9]+'$"
	run --separate-stderr "$CT" -f dotenv --var Tok
	assert_success
	assert_line -n 0 "Tok='$MOCK_TOKEN'"
	assert_line -n 1 "Tok_TYPE='Bearer'"
	assert_regex "${lines[2]}" "^Tok_EXPIRES_AT='[0-9]+'$"
	refute_regex "$output" COLLIBRA_TOKEN
}

@test "--var names the GITHUB_ENV variables" {
	local env
	export GITHUB_ENV=$BATS_TEST_TMPDIR/github_env
	run --separate-stderr "$CT" -f github --var GH_T
	assert_success
	assert_output "::add-mask::$MOCK_TOKEN"
	env=$("$GHENV" "$GITHUB_ENV")
	assert_equal "$(json_keys "$env" | tr '\n' ' ')" 'GH_T GH_T_EXPIRES_AT GH_T_EXPIRES_AT_RFC3339 GH_T_TYPE '
	assert_equal "$(json_get "$env" GH_T)" "$MOCK_TOKEN"
}

@test "COLLIBRA_TOKEN_VAR sets the name; --var beats it" {
	COLLIBRA_TOKEN_VAR=ENV_TOK run --separate-stderr "$CT" -f shell
	assert_success
	assert_line -n 0 "export ENV_TOK='$MOCK_TOKEN'"
	COLLIBRA_TOKEN_VAR=ENV_TOK run --separate-stderr "$CT" -f shell --var FLAG_TOK
	assert_success
	assert_line -n 0 "export FLAG_TOK='$MOCK_TOKEN'"
	run -0 --separate-stderr "$CT" -f shell
	assert_line -n 0 "export COLLIBRA_TOKEN='$MOCK_TOKEN'"
}

@test "--var: invalid names are exit 2" {
	local n name long
	long=$(printf 'A%.0s' {1..65})
	n=$(mock_requests)
	for name in 1X A-B '' "$long" 'A B'; do
		run --separate-stderr "$CT" -f shell --var "$name"
		assert_equal "$status" 2
		assert_output ''
		assert_equal "$stderr" "collibra-token: --var: invalid variable name '$name'"
	done
	run --separate-stderr "$CT" -f shell --var 'é'
	assert_equal "$status" 2
	COLLIBRA_TOKEN_VAR='x;y' run --separate-stderr "$CT" -f shell
	assert_equal "$status" 2
	assert_regex "$stderr" "invalid variable name 'x;y'"
	assert_equal "$(mock_requests)" "$n"
	# 64 bytes is the limit
	run --separate-stderr "$CT" -f shell --var "${long:1}"
	assert_success
	assert_line -n 0 "export ${long:1}='$MOCK_TOKEN'"
}

# security review 1 (issue 9), finding 11
@test "github: the mask escapes %, CR and LF as the runner un-escapes them" {
	export GITHUB_ENV=$BATS_TEST_TMPDIR/github_env
	run --separate-stderr "$CT" -f github --url "$MOCK_URL/body/token-percent"
	assert_success
	assert_output '::add-mask::ab%250Acd%2525x%25'
	# the variable itself is the token as issued
	run -0 "$MOCK_PYTHON" -S -c 'import json, sys
print(json.loads(sys.stdin.read())["COLLIBRA_TOKEN"])' < <("$CT_LIB/github-env.py" "$GITHUB_ENV")
	assert_output 'ab%0Acd%25x%'
}

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

# need_dotenv_readers: skip, saying why, when python-dotenv or node's
# dotenv (tests/node, from scripts/deps all) is absent; the complete gate
# (tests/run --check, which installs them) sets CT_NEED_DOTENV=1 and fails
# instead.
need_dotenv_readers() {
	local why=''
	"$PYDOTENV" -c 'import dotenv' 2>/dev/null || why='python3-dotenv'
	[[ -f $NODE_DOTENV/package.json ]] && command -v node >/dev/null ||
		why="${why:+$why and }node's dotenv in tests/node"
	[[ -n $why ]] || return 0
	[[ ${CT_NEED_DOTENV-} != 1 ]] ||
		fail "no $why: run scripts/deps all"
	skip "no $why (scripts/deps all installs it)"
}

# security review 1 (issue 9), finding 3
@test "dotenv: tokens some quoting carries read back identically in sh, python-dotenv and node" {
	local scen token reader f=$BATS_TEST_TMPDIR/t.env
	need_dotenv_readers
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

# security review 1 (issue 9), finding 3
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

# epoch RFC3339: the seconds since the epoch of a UTC time (any year).
epoch() {
	"$MOCK_PYTHON" -S -c 'import calendar,sys,time
print(calendar.timegm(time.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ")))' "$1"
}

# issue 25 item 2: the expiry in 64-bit arithmetic.  With a 32-bit time_t
# (i386, armhf) received_at + expires_in overflowed past January 2038:
# -f json said 1903-07-06 for expires_in 400000000 where -f shell said
# the right second.
@test "-f json's expires_at and -f shell's EXPIRES_AT name the same second, past 2038 too, fetched and from the cache" {
	local e how first t0 t1 json shell n slack opt=()
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_TEST_TMPDIR/cache
	for e in 3600 400000000 1000000000; do
		for how in fetched cached; do
			first=$(date +%s) opt=(--no-cache) slack=0
			if [[ $how == cached ]]; then
				# stored by one fetch; a hit counts the time left in
				# whole seconds, rounded down: a second earlier at most
				run -0 "$CT" --url "$MOCK_URL/expires/$e"
				opt=() slack=1
			fi
			n=$(mock_requests)
			t0=$(date +%s)
			run -0 --separate-stderr "$CT" "${opt[@]}" --url "$MOCK_URL/expires/$e" -f json
			json=$(json_get "$output" expires_at)
			run -0 --separate-stderr "$CT" "${opt[@]}" --url "$MOCK_URL/expires/$e" -f shell
			shell=$(sed -n "s/^.*COLLIBRA_TOKEN_EXPIRES_AT='\([0-9]*\)'$/\1/p" <<<"$output")
			t1=$(date +%s)
			# two requests when fetched, none from the cache
			assert_equal "$(mock_requests)" $((n + (slack ? 0 : 2)))
			[[ $json =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
				fail "expires_in $e, $how: expires_at '$json'"
			json=$(epoch "$json")
			# each names the second of the fetch plus the lifetime, the
			# two the same one (up to the seconds between the runs)
			((json >= first + e - slack && json <= t1 + e)) ||
				fail "expires_in $e, $how: -f json $json, not in $((first + e - slack))..$((t1 + e))"
			((shell >= first + e - slack && shell <= t1 + e)) ||
				fail "expires_in $e, $how: -f shell $shell, not in $((first + e - slack))..$((t1 + e))"
			((json - shell <= t1 - t0 + slack && shell - json <= t1 - t0 + slack)) ||
				fail "expires_in $e, $how: -f json $json, -f shell $shell"
		done
	done
}

# --- both forms of the expiry (issue 23, item 13) -----------------------------

# same_moment EPOCH RFC3339: the two forms name one second.
same_moment() {
	assert_regex "$2" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
	assert_equal "$(date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ)" "$2"
}

@test "json: expires_at_epoch is expires_at in Unix seconds; both null without an expiry" {
	local before after epoch
	before=$(now)
	run --separate-stderr "$CT" -f json
	after=$(now)
	assert_success
	epoch=$(json_get "$output" expires_at_epoch)
	((epoch >= before + 3600 && epoch <= after + 3600))
	same_moment "$epoch" "$(json_get "$output" expires_at)"
	assert_equal "$(json_keys "$output" | tr '\n' ' ')" \
		'access_token token_type expires_in expires_at expires_at_epoch '
	run --separate-stderr "$CT" -f json --url "$MOCK_URL/noexpiry"
	assert_success
	assert_regex "$output" '"expires_at":null,"expires_at_epoch":null'
}

@test "shell, fish, dotenv: NAME_EXPIRES_AT_RFC3339 beside NAME_EXPIRES_AT, the same moment" {
	local f epoch rfc
	for f in shell fish dotenv; do
		run --separate-stderr "$CT" -f "$f" --var CT_T
		assert_success
		assert_equal "${#lines[@]}" 4
		epoch=$(sed -n "s/.*CT_T_EXPIRES_AT[= ]'\([0-9]*\)'$/\1/p" <<<"$output")
		rfc=$(sed -n "s/.*CT_T_EXPIRES_AT_RFC3339[= ]'\([^']*\)'$/\1/p" <<<"$output")
		assert_regex "${lines[3]}" "CT_T_EXPIRES_AT_RFC3339[= ]'"
		same_moment "$epoch" "$rfc"
		run --separate-stderr "$CT" -f "$f" --var CT_T --url "$MOCK_URL/noexpiry"
		assert_success
		assert_regex "${lines[3]}" "CT_T_EXPIRES_AT_RFC3339[= ]''$"
	done
}

@test "github: NAME_EXPIRES_AT_RFC3339 in GITHUB_ENV, the same moment" {
	local env
	export GITHUB_ENV=$BATS_TEST_TMPDIR/github_env
	: >"$GITHUB_ENV"
	run --separate-stderr "$CT" -f github
	assert_success
	env=$("$GHENV" "$GITHUB_ENV")
	same_moment "$(json_get "$env" COLLIBRA_TOKEN_EXPIRES_AT)" \
		"$(json_get "$env" COLLIBRA_TOKEN_EXPIRES_AT_RFC3339)"
}
