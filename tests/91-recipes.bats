#!/usr/bin/env bats
# Each recipe of README and docs/ (a fenced block after a line
# "<!-- recipe: NAME -->") run as its user runs it, against the mock
# server, with the right secret and a wrong one: a shell script, lines
# typed into a shell, a GitLab job's script under bash -eo pipefail, a
# GitHub workflow through the runner emulation.  The only change made to a
# recipe is its host: https://acme(-dev).collibra.com becomes the mock's
# URL.  A wrong secret must end the recipe with the tool's exit status
# (11, invalid_client), and nothing after the failure may reach the API.
# tests/90-docs.bats checks that every marked recipe is run here.

load helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
README=$ROOT/README.md
DOCS=$ROOT/docs

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	WORK=$BATS_TEST_TMPDIR/work
	mkdir -p "$WORK"
	# collibra-token on PATH is the build under test
	BIN=$BATS_TEST_TMPDIR/bin
	mkdir -p "$BIN"
	ln -s "$CT" "$BIN/collibra-token"
	export PATH=$BIN:$PATH
	WRONG=wrong-secret-$RANDOM$RANDOM
	# a user's shell has no COLLIBRA_TOKEN before a recipe sets it
	unset COLLIBRA_TOKEN
}

# recipe_block FILE NAME: the recipe NAME of FILE, its host the mock's.
recipe_block() {
	local text
	text=$(awk -v m="<!-- recipe: $2 -->" '$0 == m { on = 1; next }
	    on == 1 && /^```/ { on = 2; next }
	    on == 2 && /^```/ { exit } on == 2' "$1")
	[[ -n $text ]] || fail "no recipe '$2' in $1"
	printf '%s\n' "$text" |
	    sed -E "s#https://acme(-dev)?\\.collibra\\.com#$MOCK_URL#g"
}

# api_calls N: the GETs of /rest/2.0/assets since the mock had N
# requests, as "ok" or "refused" (its bearer_ok), one per line.
api_calls() {
	tail -n +"$(($1 + 1))" "$MOCK_LOG" | "$MOCK_PYTHON" -S -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r["path"] == "/rest/2.0/assets":
        print("ok" if r["bearer_ok"] else "refused")'
}

# token_calls N: the token requests since the mock had N requests.
token_calls() {
	tail -n +"$(($1 + 1))" "$MOCK_LOG" | grep -c '/rest/oauth/v2/token' ||
	    true
}

# fixture_sync_assets DIR: DIR/sync-assets, a program of the user's that
# reads the token from $API_TOKEN or $COLLIBRA_TOKEN, must not see the
# secret, and lists the assets with it.
fixture_sync_assets() {
	mkdir -p "$1"
	cat >"$1/sync-assets" <<'EOF'
#!/bin/sh
[ -z "${COLLIBRA_CLIENT_SECRET+x}" ] || { echo "sync-assets: the secret is here" >&2; exit 90; }
token=${API_TOKEN:-${COLLIBRA_TOKEN:?no token}}
printf 'Authorization: Bearer %s\n' "$token" |
    curl -fsS -H @- "$COLLIBRA_URL/rest/2.0/assets" >/dev/null || exit
echo "sync-assets: listed"
EOF
	chmod +x "$1/sync-assets"
}

# typed FILE: FILE's lines typed into bash, as a user at a terminal does
# (a failed line does not end the session); each command is traced on fd 3
# with the status of the one before it and whether COLLIBRA_TOKEN is set.
typed() {
	bash --norc --noprofile -s 3>"$BATS_TEST_TMPDIR/trace" <<EOF
trap 'printf "%s|%s|%s\\n" "\$?" "\${COLLIBRA_TOKEN:+token}" "\$BASH_COMMAND" >&3' DEBUG
$(cat "$1")
EOF
}

# ---- README: the quick start and the script after it -----------------------

@test "quick start + script: a token, then the API with it; a wrong secret exits 11 before curl" {
	local id n
	{ recipe_block "$README" quick-start; recipe_block "$README" script; } \
	    >"$WORK/recipe.sh"
	id=$(sed -nE "s/^export COLLIBRA_CLIENT_ID='([^']+)'$/\\1/p" "$WORK/recipe.sh")
	[[ -n $id ]] || fail "the quick start sets no client ID"
	mkdir -p "$HOME/.config/collibra"
	printf '%s\n' "$COLLIBRA_CLIENT_SECRET" >"$HOME/.config/collibra/secret"
	chmod 600 "$HOME/.config/collibra/secret"
	mock_add_creds "$id" "$COLLIBRA_CLIENT_SECRET"
	unset COLLIBRA_CLIENT_SECRET COLLIBRA_CLIENT_ID COLLIBRA_URL
	n=$(mock_requests)
	run --separate-stderr sh "$WORK/recipe.sh"
	assert_success
	assert_equal "$stderr" ''
	assert_line --index 0 "$MOCK_TOKEN"
	assert_line --index 1 --partial '"results"'
	assert_equal "$(api_calls "$n")" ok
	# the wrong secret, in the same file
	printf '%s\n' "$WRONG" >"$HOME/.config/collibra/secret"
	n=$(mock_requests)
	run --separate-stderr sh "$WORK/recipe.sh"
	[ "$status" -eq 11 ] || fail "exit $status, not 11: $stderr"
	assert_output ''
	[[ $stderr == *invalid_client* ]] || fail "stderr: $stderr"
	assert_equal "$(api_calls "$n")" ''
}

# ---- README: the variables in the current shell ------------------------------

@test "shell: the variables in this shell and curl; a wrong secret leaves them unset, the line's status 11" {
	local n
	recipe_block "$README" shell >"$WORK/recipe.sh"
	n=$(mock_requests)
	run --separate-stderr typed "$WORK/recipe.sh"
	assert_success
	assert_output --partial '"results"'
	assert_equal "$(api_calls "$n")" ok
	# the trace: curl ran with the token set, after a line that exited 0
	run grep -E '^0\|token\|curl ' "$BATS_TEST_TMPDIR/trace"
	assert_success
	export COLLIBRA_CLIENT_SECRET=$WRONG
	n=$(mock_requests)
	run -22 --separate-stderr typed "$WORK/recipe.sh"
	[[ $stderr == *'collibra-token: invalid_client'* ]] || fail "stderr: $stderr"
	# eval never ran: at curl the line before had exited 11 and no
	# COLLIBRA_TOKEN was set; the API saw no token
	run grep -E '^11\|\|curl ' "$BATS_TEST_TMPDIR/trace"
	assert_success
	refute_line --partial 'eval'
	assert_equal "$(api_calls "$n")" refused
}

# ---- README: a command, and curl with the header on its stdin -------------

@test "header: -- ./sync-assets and curl -H @-; a wrong secret exits 11, no API call" {
	local n
	recipe_block "$README" header >"$WORK/recipe.sh"
	fixture_sync_assets "$WORK"
	n=$(mock_requests)
	run --separate-stderr bash -c 'cd "$1" && bash ./recipe.sh' _ "$WORK"
	assert_success
	assert_equal "$stderr" ''
	assert_line --index 0 'sync-assets: listed'
	assert_line --index 1 --partial '"results"'
	assert_equal "$(api_calls "$n")" $'ok\nok'
	export COLLIBRA_CLIENT_SECRET=$WRONG
	n=$(mock_requests)
	run --separate-stderr bash -c 'cd "$1" && bash ./recipe.sh' _ "$WORK"
	[ "$status" -eq 11 ] || fail "exit $status, not 11: $stderr"
	assert_output ''
	assert_equal "$(api_calls "$n")" ''
}

# ---- README: two profiles ----------------------------------------------------

@test "profiles: the config file, a dev token, prod's variables through pass, --show-config" {
	local n
	recipe_block "$README" profiles |
	    sed "s#/home/ann#$HOME#g" >"$WORK/recipe.sh"
	grep -q 'eval "$out"' "$WORK/recipe.sh" || fail "no eval in the recipe"
	mkdir -p "$HOME/.config/collibra-token"
	printf '%s\n' dev-secret-0001 >"$HOME/.config/collibra-token/dev.secret"
	chmod 600 "$HOME/.config/collibra-token/dev.secret"
	mock_add_creds 'urn:sys:env:...:i:dev0001' dev-secret-0001
	mock_add_creds 'urn:sys:env:...:i:prod001' prod-secret-0001
	# pass, as the password manager the recipe names
	printf '#!/bin/sh\n[ "$*" = "show collibra/prod" ] || exit 1\necho "$PASS_SECRET"\n' \
	    >"$BIN/pass"
	chmod +x "$BIN/pass"
	export PASS_SECRET=prod-secret-0001
	unset COLLIBRA_URL COLLIBRA_CLIENT_ID COLLIBRA_CLIENT_SECRET XDG_CONFIG_HOME
	n=$(mock_requests)
	run --separate-stderr typed "$WORK/recipe.sh"
	assert_success
	assert_equal "$stderr" ''
	assert_line --index 0 "$MOCK_TOKEN"
	assert_line "client ID: urn:sys:env:...:i:prod001 ($HOME/.config/collibra-token/config:10)"
	assert_equal "$(token_calls "$n")" 2
	run grep -E '^0\|token\|collibra-token -p prod --show-config' "$BATS_TEST_TMPDIR/trace"
	assert_success
	# a wrong prod secret: dev still works, prod's line exits 11, nothing set
	export PASS_SECRET=$WRONG
	run -0 --separate-stderr typed "$WORK/recipe.sh"
	assert_line --index 0 "$MOCK_TOKEN"
	[[ $stderr == *'collibra-token: invalid_client'* ]] || fail "stderr: $stderr"
	run grep -E '^11\|\|collibra-token -p prod --show-config' "$BATS_TEST_TMPDIR/trace"
	assert_success
}

# ---- docs/formats.md: running a command --------------------------------------

@test "command: sh -c curl and --var API_TOKEN -- ./sync-assets; a wrong secret exits 11" {
	local n
	recipe_block "$DOCS/formats.md" command >"$WORK/recipe.sh"
	fixture_sync_assets "$WORK"
	n=$(mock_requests)
	run --separate-stderr bash -c 'cd "$1" && bash ./recipe.sh' _ "$WORK"
	assert_success
	assert_equal "$stderr" ''
	assert_output --partial '"results"'
	assert_output --partial 'sync-assets: listed'
	assert_equal "$(api_calls "$n")" $'ok\nok'
	export COLLIBRA_CLIENT_SECRET=$WRONG
	n=$(mock_requests)
	run --separate-stderr bash -c 'cd "$1" && bash ./recipe.sh' _ "$WORK"
	[ "$status" -eq 11 ] || fail "exit $status, not 11: $stderr"
	assert_output ''
	assert_equal "$(api_calls "$n")" ''
}

# ---- docs/watch.md: the long data job ------------------------------------------

@test "watch-job: 100 pages with the newest token; a wrong secret exits 11, no page" {
	local n
	recipe_block "$DOCS/watch.md" watch-job >"$WORK/recipe.sh"
	n=$(mock_requests)
	run --separate-stderr sh "$WORK/recipe.sh"
	assert_success
	[ "$(api_calls "$n" | grep -c '^ok$')" -eq 100 ] ||
	    fail "$(api_calls "$n" | sort | uniq -c)"
	[ "$(api_calls "$n" | grep -vc '^ok$')" -eq 0 ]
	export COLLIBRA_CLIENT_SECRET=$WRONG
	n=$(mock_requests)
	run --separate-stderr sh "$WORK/recipe.sh"
	[ "$status" -eq 11 ] || fail "exit $status, not 11: $stderr"
	assert_equal "$(api_calls "$n")" ''
}

# ---- docs/cache.md: parallel steps share one token --------------------------

@test "cache-parallel: eight steps, one token request; a wrong secret fails the job with 11" {
	local n
	recipe_block "$DOCS/cache.md" cache-parallel >"$WORK/recipe.sh"
	cat >"$WORK/step" <<'EOF'
#!/bin/sh
printf '%s' "$COLLIBRA_TOKEN" | sha256sum | sed "s/ .*/ step $1/"
EOF
	chmod +x "$WORK/step"
	unset COLLIBRA_TOKEN_CACHE COLLIBRA_TOKEN_CACHE_DIR
	n=$(mock_requests)
	run --separate-stderr bash -c 'cd "$1" && sh ./recipe.sh' _ "$WORK"
	assert_success
	[ "${#lines[@]}" -eq 8 ] || fail "$output"
	assert_equal "$(printf '%s\n' "${lines[@]}" | cut -d' ' -f1 | sort -u)" \
	    "$(printf '%s' "$MOCK_TOKEN" | sha256sum | cut -d' ' -f1)"
	assert_equal "$(token_calls "$n")" 1
	export COLLIBRA_CLIENT_SECRET=$WRONG
	run --separate-stderr bash -c 'cd "$1" && sh ./recipe.sh' _ "$WORK"
	[ "$status" -eq 11 ] || fail "exit $status, not 11: $stderr"
	assert_output ''
}

# ---- docs/cache.md: --status before a fetch (issue 23, item 11) ---------------

@test "cache-status: a fetch only when no fresh token is cached; a wrong secret ends it with 11" {
	local n
	recipe_block "$DOCS/cache.md" cache-status >"$WORK/recipe.sh"
	# shellcheck disable=SC2016 # expanded by the recipe's shell
	printf 'printf "%%s\\n" "$TOKEN"\n' >>"$WORK/recipe.sh"
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$WORK/cache
	n=$(mock_requests)
	run --separate-stderr sh "$WORK/recipe.sh"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(token_calls "$n")" 1
	# a fresh token is cached now: --status says so, no request
	run --separate-stderr sh "$WORK/recipe.sh"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(token_calls "$n")" 1
	export COLLIBRA_CLIENT_SECRET=$WRONG
	run --separate-stderr sh "$WORK/recipe.sh"
	[ "$status" -eq 11 ] || fail "exit $status, not 11: $stderr"
	assert_output ''
	assert_equal "$(token_calls "$n")" 2
}

# ---- README: the GitLab job ------------------------------------------------------

# gitlab_job RECIPE OUT: the job's variables (exported) and script lines
# in OUT, as GitLab's runner puts them into one bash script; its
# before_script in OUT.before.
gitlab_job() {
	"$MOCK_PYTHON" - "$1" "$2" <<'PY'
import shlex, sys, yaml
jobs = yaml.safe_load(open(sys.argv[1]))
(name, job), = jobs.items()
with open(sys.argv[2], "w") as f:
    for k, v in job.get("variables", {}).items():
        f.write("export %s=%s\n" % (k, shlex.quote(str(v))))
    f.write("\n".join(job["script"]) + "\n")
with open(sys.argv[2] + ".before", "w") as f:
    f.write("\n".join(job.get("before_script", [])) + "\n")
PY
}

@test "gitlab: the job's script under bash -eo pipefail; a wrong secret fails the job with 11" {
	"$MOCK_PYTHON" -c 'import yaml' 2>/dev/null ||
	    skip "no yaml module for $MOCK_PYTHON (python3-yaml: make deps)"
	local n id
	recipe_block "$README" gitlab >"$WORK/job.yml"
	gitlab_job "$WORK/job.yml" "$WORK/job.sh"
	# it installs the tool: the release's .deb, checked, with apt-get
	grep -qE '^sha256sum -c .*SHA256SUMS$' "$WORK/job.sh.before" ||
	    fail "the job does not check the .deb: $(cat "$WORK/job.sh.before")"
	grep -qE '^apt-get install .*\./collibra-token_[0-9.]+-1_amd64\.deb' \
	    "$WORK/job.sh.before" || fail "the job does not install the .deb"
	id=$(sed -nE 's/^export COLLIBRA_CLIENT_ID=(.*)$/\1/p' "$WORK/job.sh" | tr -d "'")
	mock_add_creds "$id" "$COLLIBRA_CLIENT_SECRET"
	fixture_sync_assets "$WORK/scripts"
	unset COLLIBRA_URL COLLIBRA_CLIENT_ID
	n=$(mock_requests)
	run --separate-stderr bash -c 'cd "$1" && bash --noprofile --norc -eo pipefail job.sh' _ "$WORK"
	assert_success
	assert_equal "$stderr" ''
	assert_output 'sync-assets: listed'
	grep -q '"results"' "$WORK/assets.json"
	assert_equal "$(api_calls "$n")" $'ok\nok'
	# a wrong secret: the job fails with the tool's status, nothing after it
	rm "$WORK/assets.json"
	export COLLIBRA_CLIENT_SECRET=$WRONG
	n=$(mock_requests)
	run --separate-stderr bash -c 'cd "$1" && bash --noprofile --norc -eo pipefail job.sh' _ "$WORK"
	[ "$status" -eq 11 ] || fail "exit $status, not 11: $stderr"
	[[ $stderr == *'collibra-token: invalid_client'* ]] || fail "stderr: $stderr"
	assert_equal "$(api_calls "$n")" ''
	[ ! -e "$WORK/assets.json" ]
	# the negative: with && instead of || exit, bash -e goes on to curl,
	# which sends no token, and the job fails with curl's 22, not 11
	sed -i 's/) || exit; eval/) \&\& eval/' "$WORK/job.sh"
	n=$(mock_requests)
	run --separate-stderr bash -c 'cd "$1" && bash --noprofile --norc -eo pipefail job.sh' _ "$WORK"
	[ "$status" -eq 22 ] || fail "the && form: exit $status: $stderr"
	assert_equal "$(api_calls "$n")" refused
}

# ---- README and docs/ci.md: GitHub Actions ----------------------------------------

# runner WORKFLOW: tests/lib/action-runner.py on WORKFLOW's job "sync", in a
# checkout of its own ($WORK) that holds this tree's action (uses: ./).
runner() {
	mkdir -p "$WORK/scripts"
	cp "$ROOT/action.yml" "$WORK/"
	cp -R "$ROOT/scripts/action" "$WORK/scripts/"
	(cd "$WORK" && "$MOCK_PYTHON" "$BATS_TEST_DIRNAME/lib/action-runner.py" "$1" sync)
}

# runner_json NAME VALUE ...: a JSON object.
runner_json() {
	"$MOCK_PYTHON" -S -c 'import json, sys
a = sys.argv[1:]
print(json.dumps(dict(zip(a[0::2], a[1::2]))))' "$@"
}

# runner_env SECRET: the mock's client ID in vars, SECRET in secrets, and
# nothing of the tool's settings in the runner's own environment.
runner_env() {
	export CT_RUNNER_SECRETS CT_RUNNER_VARS CT_RUNNER_WATCH
	CT_RUNNER_SECRETS=$(runner_json COLLIBRA_CLIENT_SECRET "$1")
	CT_RUNNER_VARS=$(runner_json COLLIBRA_CLIENT_ID "$CT_DEFAULT_CLIENT_ID")
	CT_RUNNER_WATCH=$("$MOCK_PYTHON" -S -c \
	    'import json, sys; print(json.dumps(sys.argv[1:]))' "$MOCK_TOKEN")
	unset COLLIBRA_URL COLLIBRA_CLIENT_ID COLLIBRA_CLIENT_SECRET
}

@test "github: README's workflow through the runner emulation; a wrong secret fails the action's step with 11" {
	"$MOCK_PYTHON" -c 'import yaml' 2>/dev/null ||
	    skip "no yaml module for $MOCK_PYTHON (python3-yaml: make deps)"
	local wf=$BATS_TEST_TMPDIR/wf.yml n secret=$COLLIBRA_CLIENT_SECRET
	{
		printf 'name: recipe\non: push\n'
		# the action of this tree is the one that tag names
		recipe_block "$README" github |
		    sed -E 's#uses: collibra-token/collibra-token@v[0-9.]+#uses: ./#'
	} >"$wf"
	grep -q 'uses: \./' "$wf" || fail "the recipe uses no collibra-token action"
	runner_env "$secret"
	n=$(mock_requests)
	run --separate-stderr runner "$wf"
	assert_success
	assert_equal "$stderr" ''
	[[ $output != *"$MOCK_TOKEN"* ]] || fail "the token is in the log"
	assert_equal "$(api_calls "$n")" ok
	grep -q '"results"' "$WORK/assets.json"
	rm "$WORK/assets.json"
	runner_env "$WRONG"
	n=$(mock_requests)
	run --separate-stderr runner "$wf"
	assert_failure
	assert_output --partial 'invalid_client'
	[[ $stderr == *'action step 2: exit 11'* ]] || fail "stderr: $stderr"
	assert_equal "$(api_calls "$n")" ''
	[ ! -e "$WORK/assets.json" ]
}

@test "github-step: the one step without the action, then the token in the next step" {
	"$MOCK_PYTHON" -c 'import yaml' 2>/dev/null ||
	    skip "no yaml module for $MOCK_PYTHON (python3-yaml: make deps)"
	local wf=$BATS_TEST_TMPDIR/wf.yml line secret=$COLLIBRA_CLIENT_SECRET
	line=$(recipe_block "$DOCS/ci.md" github-step)
	cat >"$wf" <<EOF
name: recipe
on: push
jobs:
  sync:
    runs-on: ubuntu-24.04
    env:
      COLLIBRA_URL: $MOCK_URL
      COLLIBRA_CLIENT_ID: \${{ vars.COLLIBRA_CLIENT_ID }}
    steps:
      - name: the recipe
        env:
          COLLIBRA_CLIENT_SECRET: \${{ secrets.COLLIBRA_CLIENT_SECRET }}
        run: $line
      - name: use it
        run: |
          echo "token: \$COLLIBRA_TOKEN"
          printf 'Authorization: Bearer %s\\n' "\$COLLIBRA_TOKEN" |
            curl -fsS -H @- "\$COLLIBRA_URL/rest/2.0/assets"
EOF
	runner_env "$secret"
	run --separate-stderr runner "$wf"
	assert_success
	assert_equal "$stderr" ''
	assert_line 'token: ***'
	assert_output --partial '"results"'
	runner_env "$WRONG"
	run --separate-stderr runner "$wf"
	assert_failure
	[[ $stderr == *'step 1 (the recipe): exit 11'* ]] || fail "stderr: $stderr"
}
