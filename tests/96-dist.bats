#!/usr/bin/env bats
# Issue 17 items 1 and 2: one version everywhere, make dist (a reproducible
# tarball of what git tracks, SHA256SUMS, the Homebrew formula) and make
# distclean.  The tests run where there is a git work tree (they clone it)
# and the formula's need ruby; each skips with the reason otherwise.

load helpers

setup_file() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export ROOT
	VERSION=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' "$ROOT/Makefile")
	export VERSION
	export DIST=$BATS_FILE_TMPDIR/dist
	if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		make -s -C "$ROOT" dist PKG_DEPS=: DISTDIR="$DIST" >"$BATS_FILE_TMPDIR/dist.log" 2>&1 ||
		    { cat "$BATS_FILE_TMPDIR/dist.log" >&2; return 1; }
	fi
}

need_git() {
	git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	    skip "not a git work tree: make dist packs what git tracks"
}

need_ruby() {
	command -v ruby >/dev/null || skip "no ruby (scripts/deps dist installs it)"
}

# yaml_input_default FILE NAME: the default of input NAME in an action.yml,
# read with awk (no YAML library needed): the first "default:" under
# "  NAME:" inside the top-level "inputs:".
yaml_input_default() {
	awk -v want="$2" '
	    /^[^ #]/ { top = $0; inp = 0 }
	    top ~ /^inputs:/ && match($0, /^  [A-Za-z0-9_-]+:/) {
		name = substr($0, 3, RLENGTH - 3); inp = (name == want); next }
	    inp && /^    default:/ { v = $0; sub(/^    default:[ ]*/, "", v)
		gsub(/^["\047]|["\047][ ]*$/, "", v); print v; exit }' "$1"
}

# clone DIR UMASK: a clone of the work tree's HEAD checked out under UMASK.
clone() {
	(umask "$2" && git clone -q --no-hardlinks "$ROOT" "$1")
}

@test "one version: the Makefile's, --version, debian/changelog, NEWS.md, the tarball, the image label and the action agree" {
	[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "VERSION in the Makefile: '$VERSION'"
	run "$CT" --version
	assert_success
	assert_line --index 0 --regexp "^collibra-token $VERSION \\("
	run -0 sed -n '1s/^collibra-token (\([^)]*\)-[0-9][^)-]*) .*/\1/p' "$ROOT/debian/changelog"
	assert_output "$VERSION"
	# the first release heading; an "Unreleased" section may stand above it
	run -0 awk '/^## / && $0 != "## Unreleased" { print; exit }' "$ROOT/NEWS.md"
	assert_output --regexp "^## $VERSION( |$)"
	if [ -d "$DIST" ]; then
		[ -f "$DIST/collibra-token-$VERSION.tar.gz" ] || fail "no collibra-token-$VERSION.tar.gz"
		run -0 grep -c "collibra-token-$VERSION.tar.gz\"" "$DIST/collibra-token.rb"
		assert_output 1
	fi
	if [ -f "$ROOT/Dockerfile" ]; then
		local label arg
		label=$(sed -n 's/.*org\.opencontainers\.image\.version="\{0,1\}\([^" ]*\).*/\1/p' "$ROOT/Dockerfile" | head -n 1)
		[ -n "$label" ] || fail "Dockerfile: no org.opencontainers.image.version label"
		if [[ $label == '$'* ]]; then
			# a build argument: its default, or what make image passes
			arg=${label#\$}; arg=${arg#\{}; arg=${arg%\}}
			label=$(sed -n "s/^ARG $arg=\"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" "$ROOT/Dockerfile" | head -n 1)
			if [ -z "$label" ]; then
				# no default: the image build must pass it, and the
				# Makefile's image rule must hand it VERSION
				grep -rqE -- "--build-arg[ =]$arg=" "$ROOT/Makefile" "$ROOT/scripts" ||
				    fail "Dockerfile: ARG $arg has no default and no build passes it"
				awk '/^image:/ { on = 1; next } /^[^\t]/ { on = 0 } on' "$ROOT/Makefile" |
				    grep -q '\$(VERSION)' ||
				    fail "Dockerfile: ARG $arg has no default and make image does not pass \$(VERSION)"
				label=$VERSION
			fi
		fi
		assert_equal "$label" "$VERSION"
	fi
	if [ -f "$ROOT/action.yml" ]; then
		assert_equal "$(yaml_input_default "$ROOT/action.yml" version)" "$VERSION"
	fi
}

@test "yaml_input_default reads an input's default, not another's" {
	cat >"$BATS_TEST_TMPDIR/action.yml" <<'YML'
name: x
inputs:
  url:
    default: "https://a"
  version:
    description: "the version"
    default: "9.8.7"
runs:
  using: composite
YML
	assert_equal "$(yaml_input_default "$BATS_TEST_TMPDIR/action.yml" version)" 9.8.7
	assert_equal "$(yaml_input_default "$BATS_TEST_TMPDIR/action.yml" url)" https://a
	assert_equal "$(yaml_input_default "$BATS_TEST_TMPDIR/action.yml" scope)" ""
}

@test "make dist: one top directory collibra-token-VERSION/, exactly the files git tracks, owner 0, modes 644 or 755" {
	need_git
	local tb=$DIST/collibra-token-$VERSION.tar.gz
	run tar -tzf "$tb"
	assert_success
	refute_line --regexp "^(collibra-token-$VERSION/)!"
	run -0 bash -c "tar -tzf '$tb' | grep -v '/\$' | sed 's|^collibra-token-$VERSION/||' | LC_ALL=C sort"
	assert_output "$(git -C "$ROOT" ls-files | LC_ALL=C sort)"
	# owner and group 0, and only the two modes
	run -0 bash -c "tar --numeric-owner -tvzf '$tb' | awk '{ print \$1, \$2 }' | sort -u"
	assert_output "$(printf '%s\n' 'drwxr-xr-x 0/0' '-rw-r--r-- 0/0' '-rwxr-xr-x 0/0' | sort)"
	# every time is the last commit's
	run -0 bash -c "tar --full-time -tvzf '$tb' | awk '{ print \$4, \$5 }' | sort -u"
	assert_output "$(TZ=UTC0 git -C "$ROOT" log -1 --date=format-local:'%Y-%m-%d %H:%M:%S' --format=%cd)"
	# gzip without a name or time
	assert_equal "$(od -An -tu4 -j4 -N4 "$tb" | tr -d ' ')" 0
}

@test "make dist is byte for byte the same under umask 022 and 077, other file times, time zone and build time" {
	need_git
	local a=$BATS_TEST_TMPDIR/a b=$BATS_TEST_TMPDIR/b
	clone "$a" 022
	clone "$b" 077
	# other file times in b, and a later build in another time zone
	find "$b" -path "$b/.git" -prune -o -exec touch -h -d '2001-02-03 04:05:06' {} +
	env -u SOURCE_DATE_EPOCH make -s -C "$a" dist PKG_DEPS=: >/dev/null
	sleep 1.1 # a later second: the build time must not reach the tarball
	env -u SOURCE_DATE_EPOCH TZ=Pacific/Kiritimati make -s -C "$b" dist PKG_DEPS=: >/dev/null
	# the clones' checkouts differ as they should
	[ "$(stat -c %a "$b/Makefile")" = 600 ] || fail "umask 077 did not apply to the clone"
	cmp "$a/dist/collibra-token-$VERSION.tar.gz" "$b/dist/collibra-token-$VERSION.tar.gz"
	cmp "$a/dist/SHA256SUMS" "$b/dist/SHA256SUMS"
}

@test "SHA256SUMS checks the tarball and the formula" {
	need_git
	run bash -c "cd '$DIST' && sha256sum -c SHA256SUMS"
	assert_success
	assert_line "collibra-token-$VERSION.tar.gz: OK"
	assert_line "collibra-token.rb: OK"
	# and it fails on a changed tarball
	cp -r "$DIST" "$BATS_TEST_TMPDIR/d"
	printf x >>"$BATS_TEST_TMPDIR/d/collibra-token-$VERSION.tar.gz"
	run bash -c "cd '$BATS_TEST_TMPDIR/d' && sha256sum -c SHA256SUMS"
	assert_failure
}

@test "the Homebrew formula: ruby -c, the tarball's sha256 and url" {
	need_git
	need_ruby
	run ruby -c "$DIST/collibra-token.rb"
	assert_success
	local sha
	sha=$(sha256sum "$DIST/collibra-token-$VERSION.tar.gz" | cut -d' ' -f1)
	run -0 grep -c "^  sha256 \"$sha\"\$" "$DIST/collibra-token.rb"
	assert_output 1
	run -0 grep -c "^  url \"https://.*/collibra-token-$VERSION.tar.gz\"\$" "$DIST/collibra-token.rb"
	assert_output 1
}

@test "the Homebrew formula installs from the tarball and passes its test block on Linux (tests/lib/brew.rb)" {
	need_git
	need_ruby
	local prefix=$BATS_TEST_TMPDIR/prefix
	run ruby "$BATS_TEST_DIRNAME/lib/brew.rb" "$DIST/collibra-token.rb" \
	    "$DIST/collibra-token-$VERSION.tar.gz" "$prefix"
	assert_success
	assert_line bin/collibra-token
	assert_line share/man/man1/collibra-token.1
	assert_line etc/bash_completion.d/collibra-token
	assert_line share/zsh/site-functions/_collibra-token
	assert_line share/fish/vendor_completions.d/collibra-token.fish
	run "$prefix/bin/collibra-token" --version
	assert_success
	assert_line --index 0 --regexp "^collibra-token $VERSION "
}

@test "brew.rb refuses a formula whose sha256 is not the tarball's" {
	need_git
	need_ruby
	sed 's/^  sha256 "[0-9a-f]*"/  sha256 "'"$(printf '0%.0s' {1..64})"'"/' \
	    "$DIST/collibra-token.rb" >"$BATS_TEST_TMPDIR/bad.rb"
	run ruby "$BATS_TEST_DIRNAME/lib/brew.rb" "$BATS_TEST_TMPDIR/bad.rb" \
	    "$DIST/collibra-token-$VERSION.tar.gz" "$BATS_TEST_TMPDIR/prefix"
	assert_failure
	assert_output --partial "the tarball's is"
	[ ! -e "$BATS_TEST_TMPDIR/prefix/bin/collibra-token" ]
}

@test "make clean keeps tests/node, build/ and dist/; make distclean leaves exactly what git tracks" {
	need_git
	local c=$BATS_TEST_TMPDIR/c
	clone "$c" 022
	make -s -C "$c" -j2 collibra-token tests/ct-unit >/dev/null
	mkdir -p "$c/tests/node/node_modules" "$c/build/zig" "$c/dist" "$c/tests/log"
	touch "$c/tests/node/node_modules/x" "$c/build/zig/x" "$c/dist/x" "$c/tests/log/x"
	make -s -C "$c" clean
	[ ! -e "$c/collibra-token" ]
	[ ! -e "$c/src/main.o" ]
	[ ! -e "$c/tests/log" ]
	[ -e "$c/tests/node/node_modules/x" ]
	[ -e "$c/build/zig/x" ]
	[ -e "$c/dist/x" ]
	make -s -C "$c" distclean
	run git -C "$c" status --porcelain --ignored --untracked-files=all
	assert_success
	assert_output ''
}
