#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr, $output, $lines come from bats' run
# Issue 17 item 3: the Debian package (make deb) and the Makefile's
# packager flags.  The package is built once, without its test suites
# (they run in make check anyway), from the files git tracks; the tests
# that need it skip with the reason where dpkg-buildpackage, debhelper or
# lintian is missing, and the chroot test where mmdebstrap or root is.
# The flag tests need only make and a compiler.

load helpers

setup_file() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export ROOT
	VERSION=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' "$ROOT/Makefile")
	export VERSION
	export DIST=$BATS_FILE_TMPDIR/dist DEB=
	if pkg_tools >/dev/null; then
		DEB=$DIST/collibra-token_$VERSION-1_$(dpkg-architecture -qDEB_HOST_ARCH).deb
		DEB_BUILD_OPTIONS=nocheck "$ROOT/scripts/deb" "$VERSION" "$DIST" \
		    >"$BATS_FILE_TMPDIR/deb.log" 2>&1 ||
		    { cat "$BATS_FILE_TMPDIR/deb.log" >&2; return 1; }
	fi
	ct_setup_file
}

teardown_file() {
	ct_teardown_file
}

# pkg_tools: what is missing to build and check the package, on stdout
# (nothing and status 0 when nothing is).
pkg_tools() {
	local t missing=
	for t in dpkg-buildpackage dh lintian git; do
		command -v "$t" >/dev/null || missing="$missing $t"
	done
	git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	    missing="$missing (a git work tree)"
	[ -z "$missing" ] || { echo "$missing"; return 1; }
}

need_deb() {
	local missing
	missing=$(pkg_tools) || skip "no$missing (scripts/deps pkg installs them)"
	[ -f "$DEB" ] || fail "make deb wrote no $DEB"
}

# copy DIR: the tracked files in DIR, to build there while other suites
# use the work tree's binary.
copy() {
	mkdir -p "$1"
	if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$ROOT" ls-files -z | (cd "$ROOT" && tar --null -T - -cf -) |
		    tar -xf - -C "$1"
	else
		(cd "$ROOT" && tar --exclude=./build --exclude=./dist -cf - .) |
		    tar -xf - -C "$1"
		make -s -C "$1" clean
	fi
}

# cc_lines: the compiler lines of make -n -B collibra-token, with the
# flags given as arguments.
cc_lines() {
	make -n -B -C "$BATS_FILE_TMPDIR/flags" collibra-token "$@" |
	    grep -E '^(cc|gcc|clang|\$\(CC\)|[^ ]*-gcc) '
}

@test "the package installs the binary, man page, completions, systemd unit and sysusers.d file where Debian looks" {
	need_deb
	run bash -c "dpkg-deb -c '$DEB' | awk '{ print \$6 }' | grep -v '/\$' | LC_ALL=C sort"
	assert_success
	assert_output "$(printf '%s\n' \
	    ./lib/systemd/system/collibra-token@.service \
	    ./usr/bin/collibra-token \
	    ./usr/lib/sysusers.d/collibra-token.conf \
	    ./usr/share/bash-completion/completions/collibra-token \
	    ./usr/share/doc/collibra-token/changelog.Debian.gz \
	    ./usr/share/doc/collibra-token/changelog.gz \
	    ./usr/share/doc/collibra-token/copyright \
	    ./usr/share/fish/vendor_completions.d/collibra-token.fish \
	    ./usr/share/man/man1/collibra-token.1.gz \
	    ./usr/share/zsh/vendor-completions/_collibra-token | LC_ALL=C sort)"
	# the upstream changelog is NEWS.md
	run -0 bash -c "dpkg-deb --fsys-tarfile '$DEB' | tar -xOf - ./usr/share/doc/collibra-token/changelog.gz | gzip -dc"
	assert_output "$(cat "$ROOT/NEWS.md")"
}

@test "the package's unit runs /usr/bin/collibra-token; its postinst makes the user with systemd-sysusers" {
	need_deb
	command -v systemd-sysusers >/dev/null || skip "no systemd-sysusers"
	local root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/etc"
	dpkg-deb -x "$DEB" "$root"
	run -0 grep -c '^ExecStart=/usr/bin/collibra-token ' \
	    "$root/lib/systemd/system/collibra-token@.service"
	dpkg-deb -e "$DEB" "$BATS_TEST_TMPDIR/control"
	run -0 env DPKG_ROOT="$root" sh "$BATS_TEST_TMPDIR/control/postinst" configure
	run -0 grep -c '^collibra-token:x:[0-9]*:[0-9]*:.*:/nonexistent:/usr/sbin/nologin$' \
	    "$root/etc/passwd"
	run -0 grep -c '^collibra-token:x:' "$root/etc/group"
	# where systemd is not, the postinst does nothing and succeeds
	run -0 env PATH=/nonexistent DPKG_ROOT="$root" /bin/sh \
	    "$BATS_TEST_TMPDIR/control/postinst" configure
}

@test "the package's version is the Makefile's, Depends names libcurl4 (>= 7.74.0), which dlopen hides from dh_shlibdeps, Recommends ca-certificates" {
	need_deb
	assert_equal "$(dpkg-deb -f "$DEB" Version)" "$VERSION-1"
	run -0 dpkg-deb -f "$DEB" Depends
	assert_output --regexp '(^|, )libcurl4 \(>= 7\.74\.0\)(,|$)'
	assert_output --regexp '(^|, )libjansson4 '
	assert_output --regexp '(^|, )libsodium23 '
	assert_output --regexp '(^|, )libinih1 '
	# a minimal system has no CA bundle unless something pulls it in
	run -0 dpkg-deb -f "$DEB" Recommends
	assert_output ca-certificates
	# the binary itself is not linked with libcurl
	run -0 bash -c "dpkg-deb --fsys-tarfile '$DEB' | tar -xOf - ./usr/bin/collibra-token >'$BATS_TEST_TMPDIR/bin' && readelf -d '$BATS_TEST_TMPDIR/bin' | grep NEEDED"
	refute_output --partial libcurl
}

@test "lintian -EI --pedantic: nothing but initial-upload-closes-no-bugs" {
	need_deb
	run -0 lintian -EI --pedantic --tag-display-limit 0 "$DEB"
	run -0 grep '^[EWIPX]: ' <<<"$output"
	assert_output "W: collibra-token: initial-upload-closes-no-bugs [usr/share/doc/collibra-token/changelog.Debian.gz:1]"
}

# needs_npm SUITE: SUITE uses what npm installs (node_modules), and does
# not skip without it (61-formats' dotenv read-back does).
needs_npm() {
	grep -q 'node_modules\|npm ' "$1" && ! grep -q '^need_dotenv_readers()' "$1"
}

@test "the package build runs the suites that need nothing from npm; DEB_BUILD_OPTIONS=nocheck skips them" {
	command -v dh >/dev/null || skip "no debhelper (scripts/deps pkg installs it)"
	run make -s -n -C "$ROOT" -f debian/rules override_dh_auto_test
	assert_success
	local line
	line=$(grep '^tests/run ' <<<"$output") || fail "no tests/run in: $output"
	local suites
	read -ra suites <<<"${line#tests/run }"
	[ "${#suites[@]}" -ge 15 ] || fail "only ${#suites[@]} suites: ${suites[*]}"
	local s
	for s in "${suites[@]}"; do
		[ -f "$ROOT/$s" ] || fail "not a suite: $s"
		needs_npm "$ROOT/$s" && fail "$s needs npm"
	done
	[[ " ${suites[*]} " == *" tests/30-fetch.bats "* ]] || fail "30-fetch is not run"
	# every suite that needs nothing from npm, valgrind or the packaging
	# tools is in the list
	for s in "$ROOT"/tests/*.bats; do
		s=tests/${s##*/}
		case $s in
		tests/0[0-9]-*.bats | tests/80-memcheck.bats | tests/9[5-9]-*.bats)
			continue ;;
		esac
		needs_npm "$ROOT/$s" && continue
		[[ " ${suites[*]} " == *" $s "* ]] || fail "$s is not run"
	done
	DEB_BUILD_OPTIONS='nocheck parallel=2' run make -s -n -C "$ROOT" -f debian/rules override_dh_auto_test
	assert_success
	refute_output --partial tests/run
}

@test "the Makefile keeps dpkg-buildflags' CFLAGS, CPPFLAGS and LDFLAGS, and adds -D_FORTIFY_SOURCE=2 only when they set no level" {
	command -v dpkg-buildflags >/dev/null || skip "no dpkg-buildflags (dpkg-dev)"
	copy "$BATS_FILE_TMPDIR/flags"
	local cflags cppflags ldflags f
	cflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)
	cppflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)
	ldflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)
	[[ $cppflags == *-D_FORTIFY_SOURCE=* ]] || skip "dpkg-buildflags sets no _FORTIFY_SOURCE here"
	run cc_lines CFLAGS="$cflags" CPPFLAGS="$cppflags" LDFLAGS="$ldflags"
	assert_success
	[ "${#lines[@]}" -ge 2 ] || fail "no compiler lines: $output"
	local l link=
	for l in "${lines[@]}"; do
		if [[ $l == *' -o collibra-token '* ]]; then
			link=$l
			continue
		fi
		for f in $cflags $cppflags; do
			[[ " $l " == *" $f "* ]] || fail "'$f' missing from: $l"
		done
		[ "$(grep -o _FORTIFY_SOURCE <<<"$l" | wc -l)" = 1 ] || fail "_FORTIFY_SOURCE twice: $l"
	done
	# the link line has CFLAGS and LDFLAGS
	[ -n "$link" ] || fail "no link line: $output"
	for f in $cflags $ldflags; do
		[[ " $link " == *" $f "* ]] || fail "'$f' missing from the link: $link"
	done
	# with no flags given, ours
	run -0 cc_lines
	assert_line --partial ' -c -o src/main.o '
	assert_line --regexp ' -D_FORTIFY_SOURCE=2 .* -c -o src/main.o '
	assert_line --regexp ' -Werror .* -c -o src/main.o '
}

@test "CPPFLAGS=-D_FORTIFY_SOURCE=3 builds with -Werror; WERROR= drops -Werror" {
	copy "$BATS_FILE_TMPDIR/fortify3"
	run make -s -C "$BATS_FILE_TMPDIR/fortify3" -j2 collibra-token CPPFLAGS=-D_FORTIFY_SOURCE=3
	assert_success
	refute_output --partial redefined
	run "$BATS_FILE_TMPDIR/fortify3/collibra-token" --version
	assert_success
	run -0 make -n -B -C "$BATS_FILE_TMPDIR/fortify3" collibra-token CPPFLAGS=-D_FORTIFY_SOURCE=3
	assert_output --partial ' -Werror '
	refute_output --partial '_FORTIFY_SOURCE=2'
	run make -n -B -C "$BATS_FILE_TMPDIR/fortify3" collibra-token WERROR=
	assert_success
	refute_output --partial 'Werror'
}

@test "apt-get install ./collibra-token_VERSION-1_ARCH.deb into a fresh minbase chroot, a token from the mock there, apt-get purge leaves nothing" {
	need_deb
	[ "$(id -u)" -eq 0 ] || skip "needs root (chroot)"
	command -v mmdebstrap >/dev/null || skip "no mmdebstrap (scripts/deps pkg installs it)"
	local tarball root=$BATS_TEST_TMPDIR/root
	tarball=$("$ROOT/scripts/chroot" minbase "$ROOT/build/chroot") ||
	    fail "no minbase chroot"
	mkdir "$root"
	tar -C "$root" -xf "$tarball"
	# in_chroot CMD...: CMD in the chroot with a /proc of its own, in a
	# mount namespace that goes when it ends
	in_chroot() {
		unshare -m sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' \
		    "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		    LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	}
	local before after
	before=$(in_chroot dpkg-query -W -f '${Package} ${Version}\n')
	cp "$DEB" "$root/tmp/"
	run in_chroot apt-get install -qq -y --no-install-recommends \
	    -o Dir::Cache::archives=/var/cache/ct-debs/ "/tmp/${DEB##*/}"
	assert_success
	run -0 in_chroot dpkg-query -W -f '${Status}' collibra-token libcurl4
	assert_output 'install ok installedinstall ok installed'
	[ -f "$root/usr/share/man/man1/collibra-token.1.gz" ]
	[ -f "$root/usr/share/zsh/vendor-completions/_collibra-token" ]

	# a token from the mock server on loopback, from inside the chroot
	cp "$CT_PKI/ca.pem" "$root/tmp/ca.pem"
	(umask 077 && printf '%s\n' "$COLLIBRA_CLIENT_SECRET" >"$root/tmp/secret")
	run --separate-stderr in_chroot collibra-token --url "$MOCK_URL" \
	    --client-id "$COLLIBRA_CLIENT_ID" --client-secret-file /tmp/secret \
	    --cacert /tmp/ca.pem --no-cache
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$stderr" ''

	run in_chroot apt-get purge -qq -y --autoremove collibra-token
	assert_success
	after=$(in_chroot dpkg-query -W -f '${Package} ${Version}\n')
	assert_equal "$after" "$before"
	run in_chroot dpkg-query -W collibra-token
	assert_failure
	local f
	for f in $(dpkg-deb -c "$DEB" | awk '$6 !~ /\/$/ { print substr($6, 2) }'); do
		[ ! -e "$root$f" ] || fail "left behind: $f"
	done
	run -0 find "$root" -xdev -name '*collibra-token*' -not -path "$root/tmp/*"
	assert_output ''
}
