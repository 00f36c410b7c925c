/*
 * The platform layer: the few primitives that differ between Linux
 * (glibc, musl), macOS and the BSDs.  Each has the best primitive the
 * system offers and a portable fallback; compat.c alone chooses, and
 * -DCOMPAT_FALLBACK (make COMPAT_FALLBACK=1) forces every fallback.
 */
#ifndef COMPAT_H
#define COMPAT_H

#include <sys/types.h>

#include <signal.h>
#include <stddef.h>
#include <time.h>

/*
 * The name dlopen(3) finds libcurl by (libcurl.c), and the package that
 * installs it, for the message when it is missing.
 */
#if defined(__APPLE__)
#define COMPAT_LIBCURL	"libcurl.4.dylib"
#define COMPAT_LIBCURL_PKG "curl (Homebrew, MacPorts)"
#elif defined(__OpenBSD__)
#define COMPAT_LIBCURL	"libcurl.so"	/* ld.so picks the newest */
#define COMPAT_LIBCURL_PKG "curl (pkg_add curl)"
#elif defined(__linux__)
#define COMPAT_LIBCURL	"libcurl.so.4"
#define COMPAT_LIBCURL_PKG "libcurl4 (Debian, Ubuntu; libcurl4t64 since " \
	"Debian 13 and Ubuntu 24.04) or libcurl (RHEL, Fedora)"
#else
#define COMPAT_LIBCURL	"libcurl.so.4"
#define COMPAT_LIBCURL_PKG "curl (pkg install curl)"
#endif

/* n random bytes into buf from the kernel: 0, or -1 with errno set. */
int		 compat_random(void *, size_t);

/* Overwrite n bytes at p with zeros; not optimised away. */
void		 compat_wipe(void *, size_t);

/*
 * Make this process non-dumpable and not traceable where the system
 * can (core dumps are also off through RLIMIT_CORE, in signals.c).
 * Returns 1 when done, 0 when the system has no such switch, -1 when
 * it refused.
 */
int		 compat_nodump(void);

/*
 * True if the kernel sent the signal of si (the terminal: ^C, ^\, a
 * hangup), not kill(2).  Known on Linux (SI_KERNEL); 0 elsewhere.
 */
int		 compat_from_terminal(const siginfo_t *);

/*
 * Allocator functions for libraries (jansson, libcurl) whose free wipes
 * the whole block first: parsed tokens, request buffers holding the
 * credentials.  A block from one of them goes to wipe_free_any() or
 * wipe_realloc() only, and those take blocks from these only (the
 * fallback keeps each block's size in a header of its own).
 */
void		*wipe_malloc(size_t);
void		*wipe_calloc(size_t, size_t);
void		*wipe_realloc(void *, size_t);
char		*wipe_strdup(const char *);
void		 wipe_free_any(void *);

/* Bytes that wipe_free_any(p) wipes: at least what was asked for. */
size_t		 compat_usable_size(void *);

/*
 * Milliseconds on the clock of lifetimes and waits, one that goes on
 * while the machine is suspended where the system has one (Linux's
 * CLOCK_BOOTTIME); compat_clock_id() names it for timers.
 */
long long	 compat_clock_ms(void);
clockid_t	 compat_clock_id(void);

/*
 * Sleep until compat_clock_ms() reaches at (a timer on that clock where
 * there is one, else a poll that ends within a minute), until fd is
 * readable, or until a signal is caught.  Returns 1 when fd is
 * readable, else 0: the caller looks at the clock again.
 */
int		 compat_sleep_until(long long, int);

/*
 * In a child just forked: get SIGTERM when the parent dies (Linux's
 * PR_SET_PDEATHSIG).  Returns 1 when set, -1 when the parent is
 * already gone, 0 when the system has no such switch.
 */
int		 compat_parent_death(pid_t);

/*
 * An unnamed 0600 file in the directory dirfd, open for writing
 * (Linux's O_TMPFILE), or -1 with errno set; then give it a name in
 * that directory with compat_link_tmpfile(fd, dirfd, name).  Nothing is
 * left behind if the process dies before the link.
 */
int		 compat_tmpfile(int);
int		 compat_link_tmpfile(int, int, const char *);

/*
 * The id of the running boot (a new one at each boot) in buf as a
 * NUL-terminated string: 0, or -1 when the system offers none.  Costs
 * system calls: read it only when it decides something.
 */
int		 compat_boot_id(char *, size_t);

/*
 * The primitives chosen, as
 * "random=... wipe=... nodump=... size=... clock=...".
 */
const char	*compat_choice(void);

#endif /* !COMPAT_H */
