#!/usr/bin/env bats
# A row of make platforms (scripts/platforms): the .deb $CT_DEB installed
# with apt-get into a fresh minbase chroot unpacked from $CT_MINBASE
# (scripts/chroot minbase: any suite, any architecture qemu-user runs),
# a token fetched from inside it from the mock server here on loopback,
# and from its cache, then purged without a trace.
# Not part of make test: it needs root and a chroot's tarball.

load ../helpers

setup_file() {
	ct_setup_file
	[[ -f ${CT_DEB-} ]] || { echo "CT_DEB: no .deb given" >&2; return 1; }
	[[ -f ${CT_MINBASE-} ]] || { echo "CT_MINBASE: no tarball given" >&2; return 1; }
	[[ $(id -u) == 0 ]] || { echo "needs root (chroot)" >&2; return 1; }
	export ROOTFS=$BATS_FILE_TMPDIR/root
	mkdir "$ROOTFS"
	tar -C "$ROOTFS" -xf "$CT_MINBASE"
	cp "$CT_DEB" "$CT_PKI/ca.pem" "$ROOTFS/tmp/"
	(umask 077 && printf '%s\n' "$COLLIBRA_CLIENT_SECRET" >"$ROOTFS/tmp/secret")
	in_chroot dpkg-query -W -f '${Package} ${Version}\n' >"$BATS_FILE_TMPDIR/before"
}

teardown_file() {
	ct_teardown_file
}

# in_chroot CMD...: CMD in the chroot with a /proc of its own, in a mount
# namespace that goes when it ends.
in_chroot() {
	unshare -m -- sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' \
	    "$ROOTFS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	    LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# fetch ARGS...: the installed tool in the chroot against the mock.
fetch() {
	in_chroot collibra-token --url "$MOCK_URL" \
	    --client-id "$COLLIBRA_CLIENT_ID" --client-secret-file /tmp/secret \
	    --cacert /tmp/ca.pem "$@"
}

@test "apt-get install ./collibra-token_*.deb pulls in what it depends on" {
	run in_chroot apt-get install -qq -y --no-install-recommends \
	    -o Dir::Cache::archives=/var/cache/ct-debs/ "/tmp/${CT_DEB##*/}"
	assert_success
	run -0 in_chroot dpkg-query -W -f '${Status}\n' collibra-token
	assert_output 'install ok installed'
	run in_chroot sh -c 'ls /usr/share/man/man1/collibra-token.1.gz \
	    /usr/share/zsh/vendor-completions/_collibra-token'
	assert_success
	run in_chroot collibra-token --version
	assert_success
	assert_output --regexp '^collibra-token [0-9]'
}

@test "the installed tool fetches a token from the mock; a second run is a cache hit" {
	run --separate-stderr fetch --no-cache
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$stderr" ''
	run --separate-stderr fetch --no-cache -f json
	assert_success
	assert_output --partial "\"access_token\":\"$MOCK_TOKEN\""
	refute_leak
	# the cache: a second run is a hit, no request
	run -0 fetch
	local n
	n=$(mock_requests)
	run -0 fetch
	assert_output "$MOCK_TOKEN"
	assert_equal "$(mock_requests)" "$n"
}

@test "apt-get purge removes every file of the package and nothing else" {
	# (what the package pulled in goes too, even where something of the
	# minbase system suggests it: libidn2-0 on Debian 13)
	run in_chroot apt-get purge -qq -y --autoremove \
	    -o APT::AutoRemove::SuggestsImportant=false \
	    -o APT::AutoRemove::RecommendsImportant=false collibra-token
	assert_success
	run in_chroot dpkg-query -W collibra-token
	assert_failure
	run -0 in_chroot dpkg-query -W -f '${Package} ${Version}\n'
	assert_output "$(cat "$BATS_FILE_TMPDIR/before")"
	local f
	for f in $(dpkg-deb -c "$CT_DEB" | awk '$6 !~ /\/$/ { print substr($6, 2) }'); do
		[ ! -e "$ROOTFS$f" ] || fail "left behind: $f"
	done
}
