#!/usr/bin/env bats
# make install and make uninstall honour PREFIX and DESTDIR.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	DEST=$BATS_TEST_TMPDIR/dest
}

# installed: every file make install puts under DEST with PREFIX=/usr.
installed() {
	printf '%s\n' \
		"$DEST/usr/bin/collibra-token" \
		"$DEST/usr/share/man/man1/collibra-token.1" \
		"$DEST/usr/share/bash-completion/completions/collibra-token" \
		"$DEST/usr/share/zsh/site-functions/_collibra-token" \
		"$DEST/usr/share/fish/vendor_completions.d/collibra-token.fish" \
		"$DEST/usr/lib/systemd/system/collibra-token@.service" \
		"$DEST/usr/lib/sysusers.d/collibra-token.conf"
}

@test "make install puts the binary, man page, completions, systemd unit and sysusers.d file under DESTDIR/PREFIX" {
	run make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr
	assert_success
	local f
	for f in $(installed); do
		[ -f "$f" ] || fail "missing: ${f#"$DEST"}"
	done
	assert_equal "$(stat -c %a "$DEST/usr/bin/collibra-token")" 755
	assert_equal "$(stat -c %a "$DEST/usr/share/man/man1/collibra-token.1")" 644
	run "$DEST/usr/bin/collibra-token" --version
	assert_success
	cmp "$ROOT/man/collibra-token.1" "$DEST/usr/share/man/man1/collibra-token.1"
	# the unit runs the binary where BINDIR put it
	run -0 grep -c '^ExecStart=/usr/bin/collibra-token ' \
	    "$DEST/usr/lib/systemd/system/collibra-token@.service"
	run -0 make -s -C "$ROOT" install DESTDIR="$DEST/2" BINDIR=/opt/ct/bin
	run -0 grep -c '^ExecStart=/opt/ct/bin/collibra-token ' \
	    "$DEST/2/usr/local/lib/systemd/system/collibra-token@.service"
}

@test "make uninstall removes exactly what install put there" {
	make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr
	touch "$DEST/usr/bin/other-tool"
	run make -s -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/usr
	assert_success
	local f
	for f in $(installed); do
		[ ! -e "$f" ] || fail "left behind: ${f#"$DEST"}"
	done
	[ -f "$DEST/usr/bin/other-tool" ]
}

@test "PREFIX defaults to /usr/local" {
	run make -s -C "$ROOT" install DESTDIR="$DEST"
	assert_success
	[ -x "$DEST/usr/local/bin/collibra-token" ]
	[ -f "$DEST/usr/local/share/man/man1/collibra-token.1" ]
}

# issue 25 item 1: the oldest libcurl supported is 7.74.0 (Debian 11)
@test "make stops with one line when libcurl is older than 7.74.0, before compiling" {
	local src=$BATS_TEST_TMPDIR/src wrap=$BATS_TEST_TMPDIR/pkg-config
	mkdir -p "$src"
	cp -R "$ROOT/Makefile" "$ROOT/src" "$src/"
	rm -f "$src"/src/*.o "$src"/src/inih/*.o
	# pkg-config as it answers where libcurl is 7.61.1 (RHEL 8)
	cat >"$wrap" <<-'EOF'
		#!/bin/sh
		for a; do
			[ "$a" = libcurl ] || continue
			case $1 in
			--modversion) echo 7.61.1; exit 0 ;;
			--atleast-version=*) exit 1 ;;
			esac
		done
		exec pkg-config "$@"
	EOF
	chmod +x "$wrap"
	run make -C "$src" --no-print-directory collibra-token PKG_CONFIG="$wrap"
	assert_failure
	assert_output --regexp '^Makefile:[0-9]+: \*\*\* libcurl 7\.74\.0 or later is needed, found 7\.61\.1\.  Stop\.$'
	[ ! -e "$src/src/main.o" ]
	# with the system's libcurl the check passes
	run make -C "$src" --no-print-directory libcurl-check
	assert_success
	refute_output --partial 'is needed'
}
