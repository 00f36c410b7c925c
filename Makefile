# collibra-token -- a plain GNU Makefile.
VERSION		= 0.1.0

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
DATADIR		?= $(PREFIX)/share
BASHCOMPDIR	?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR	?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR	?= $(DATADIR)/fish/vendor_completions.d
PKG_CONFIG	?= pkg-config
INSTALL		?= install

CFLAGS		?= -O2 -g
WERROR		?= -Werror
HARDEN		?= -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
HARDEN_LD	?= -pie -Wl,-z,relro,-z,now
# libcurl is loaded with dlopen on a cache miss (src/libcurl.c): only
# its headers are used at build time.
PKGS		= jansson libcrypto inih

override CPPFLAGS += -D_DEFAULT_SOURCE -DVERSION=\"$(VERSION)\"
override CFLAGS	+= -std=c11 -Wall -Wextra $(WERROR) $(HARDEN) \
		   $(shell $(PKG_CONFIG) --cflags libcurl $(PKGS))
override LDFLAGS += $(HARDEN_LD)
LDLIBS		+= $(shell $(PKG_CONFIG) --libs $(PKGS))

LIB_SRCS	= src/cli.c src/config.c src/http.c src/token.c src/output.c \
		  src/cache.c src/seal.c src/libcurl.c src/retry.c \
		  src/process.c src/profile.c src/secret.c \
		  src/util.c
LIB_OBJS	= $(LIB_SRCS:.c=.o)
OBJS		= src/main.o $(LIB_OBJS)
UNIT		= tests/ct-unit
ASAN		= collibra-token-asan
ASAN_UNIT	= tests/ct-unit-asan
ASAN_FLAGS	= -O1 -g -fno-omit-frame-pointer \
		  -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: all check test memcheck demo deps deps-build clean install \
	uninstall bench fuzz

all: collibra-token

collibra-token: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(OBJS) tests/unit.o: src/extern.h Makefile

$(UNIT): tests/unit.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tests/unit.o $(LIB_OBJS) $(LDLIBS)

tests/unit.o: CPPFLAGS += -Isrc

# The same sources built with AddressSanitizer and UBSan, for the tests.
$(ASAN): src/main.c $(LIB_SRCS) src/extern.h
	$(CC) $(CPPFLAGS) -std=c11 -Wall -Wextra $(WERROR) $(ASAN_FLAGS) \
	    $(shell $(PKG_CONFIG) --cflags libcurl $(PKGS)) -o $@ \
	    src/main.c $(LIB_SRCS) $(LDLIBS)

$(ASAN_UNIT): tests/unit.c $(LIB_SRCS) src/extern.h
	$(CC) $(CPPFLAGS) -Isrc -std=c11 -Wall -Wextra $(WERROR) $(ASAN_FLAGS) \
	    $(shell $(PKG_CONFIG) --cflags libcurl $(PKGS)) -o $@ \
	    tests/unit.c $(LIB_SRCS) $(LDLIBS)

# The complete gate: install what is missing (Debian packages), build,
# then every suite against the release and the sanitizer builds, valgrind
# memcheck and a bounded fuzz run, in parallel (tests/run); the wall time
# of each part, then one "N passed, N failed" line.
check:
	@MAKE='$(MAKE)' tests/run --check

# The inner loop: the release build and every bats suite but memcheck,
# in parallel.
test:
	@MAKE='$(MAKE)' tests/run --test

# The main paths under valgrind memcheck; fails on any error or leak.
memcheck: collibra-token $(UNIT)
	tests/run tests/80-memcheck.bats

# Build, start the bundled mock token server, show the tool at work.
demo: deps-build
	$(MAKE) collibra-token
	scripts/demo

# Bounded libFuzzer runs of every parser of outside input (clang); make
# check runs them for $FUZZ_SECONDS too, default 6.
FUZZ_SECONDS	?= 60
fuzz: deps
	tests/fuzz/run $(FUZZ_SECONDS)

# Medians and ratios against curl, written to bench/RESULTS.md.
bench: collibra-token
	bench/run

deps:
	scripts/deps all

deps-build:
	scripts/deps demo

install: collibra-token
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	    $(DESTDIR)$(FISHCOMPDIR)
	$(INSTALL) -m 0755 collibra-token $(DESTDIR)$(BINDIR)/collibra-token
	$(INSTALL) -m 0644 man/collibra-token.1 \
	    $(DESTDIR)$(MANDIR)/man1/collibra-token.1
	$(INSTALL) -m 0644 completions/collibra-token.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/collibra-token
	$(INSTALL) -m 0644 completions/_collibra-token \
	    $(DESTDIR)$(ZSHCOMPDIR)/_collibra-token
	$(INSTALL) -m 0644 completions/collibra-token.fish \
	    $(DESTDIR)$(FISHCOMPDIR)/collibra-token.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/collibra-token \
	    $(DESTDIR)$(MANDIR)/man1/collibra-token.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/collibra-token \
	    $(DESTDIR)$(ZSHCOMPDIR)/_collibra-token \
	    $(DESTDIR)$(FISHCOMPDIR)/collibra-token.fish

clean:
	rm -f collibra-token $(OBJS) $(UNIT) tests/unit.o $(ASAN) $(ASAN_UNIT) \
	    tests/fuzz/*-fuzz
	rm -rf tests/fuzz/obj tests/log
