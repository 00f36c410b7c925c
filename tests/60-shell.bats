#!/usr/bin/env bats
# -f shell output is safe to eval in sh, bash, dash and zsh, whatever
# bytes the server sent.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

# eval_in SHELL SCENARIO: eval the tool's shell output in SHELL in an empty
# directory, print the variable back, and check nothing was executed.
eval_in() {
	local sh=$1 scenario=$2 dir=$BATS_TEST_TMPDIR/$1
	command -v "$sh" >/dev/null || fail "$sh is not installed"
	mkdir -p "$dir"
	run --separate-stderr env -C "$dir" "$sh" -c '
		out=$("$1" -f shell --url "$2") || exit 9
		eval "$out"
		printf "%s\\n%s\\n%s\\n" "$COLLIBRA_TOKEN" "$COLLIBRA_TOKEN_TYPE" "$COLLIBRA_TOKEN_EXPIRES_AT"
	' _ "$CT" "$MOCK_URL/$scenario"
	assert_success
	assert_equal "$(ls -A "$dir")" ''
}

@test "shell output evals safely in sh with a hostile token" {
	local t
	t=$(ct_hostile_token)
	eval_in sh body/hostile
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[0]}" "$t"
	assert_equal "${lines[1]}" Bearer
	assert_regex "${lines[2]}" '^[0-9]+$'
}

@test "shell output evals safely in bash with a hostile token" {
	local t
	t=$(ct_hostile_token)
	eval_in bash body/hostile
	assert_equal "${lines[0]}" "$t"
}

@test "shell output evals safely in dash with a hostile token" {
	local t
	t=$(ct_hostile_token)
	eval_in dash body/hostile
	assert_equal "${lines[0]}" "$t"
}

@test "shell output evals safely in zsh with a hostile token" {
	local t
	t=$(ct_hostile_token)
	eval_in zsh body/hostile
	assert_equal "${lines[0]}" "$t"
}

@test "shell output with quotes in the token evals in every shell" {
	local sh
	for sh in sh bash dash zsh; do
		eval_in "$sh" body/token-quote
		assert_equal "${lines[0]}" "abc'def\"ghi"
	done
}

@test "the hostile token is printed as is in raw and escaped in json" {
	local t
	t=$(ct_hostile_token)
	run --separate-stderr "$CT" --url "$MOCK_URL/body/hostile"
	assert_success
	assert_output "$t"
	run --separate-stderr "$CT" -f json --url "$MOCK_URL/body/hostile"
	assert_success
	run -0 "$MOCK_PYTHON" -S -c 'import json,sys; print(json.loads(sys.argv[1])["access_token"])' "$output"
	assert_output "$t"
}
