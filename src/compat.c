/*
 * The platform layer (see compat.h).  The choice of each primitive is
 * made here, by the macros below and nowhere else:
 *
 *		random		wipe		nodump	usable size
 *   Linux	getrandom	explicit_bzero	prctl	malloc_usable_size
 *   FreeBSD	getrandom(12+)	explicit_bzero	procctl	malloc_usable_size
 *   macOS	arc4random_buf	memset_s	-	malloc_size
 *   OpenBSD	arc4random_buf	explicit_bzero	-	header
 *   fallback	/dev/urandom	volatile memset	-	header
 *
 * The clock of lifetimes and waits counts time suspended: Linux's,
 * OpenBSD's and FreeBSD's CLOCK_BOOTTIME; macOS's CLOCK_MONOTONIC,
 * which goes on while the machine sleeps; the fallback is POSIX's
 * CLOCK_MONOTONIC, which may stop during a suspend.
 *
 * A sleep until a time on that clock is a timerfd (Linux), else a poll
 * that wakes at least every minute to look at the clock again.  A child
 * dies with us through PR_SET_PDEATHSIG on Linux only.  Unnamed
 * temporary files are Linux's O_TMPFILE, linked through /proc.
 *
 * The boot an entry of the cache belongs to: Linux's boot_id in /proc
 * (read wherever that file exists, the fallback too); macOS's
 * kern.bootsessionuuid; none elsewhere (the BSDs' kern.boottime moves
 * when the wall clock is stepped, so it cannot tell boots apart).
 *
 * Anything else, and every build with -DCOMPAT_FALLBACK, gets the
 * fallbacks: POSIX only.  "header" is a size kept in front of each
 * block of the wipe_* allocator.
 */
#if defined(COMPAT_FALLBACK)
/* every portable fallback */
#elif defined(__linux__)
#define HAVE_GETRANDOM
#define HAVE_EXPLICIT_BZERO
#define HAVE_PR_SET_DUMPABLE
#define HAVE_MALLOC_USABLE_SIZE
#define HAVE_CLOCK_BOOTTIME
#define HAVE_TIMERFD
#define HAVE_PR_SET_PDEATHSIG
#define HAVE_O_TMPFILE
#define _GNU_SOURCE		/* O_TMPFILE */
#elif defined(__FreeBSD__)
#if __FreeBSD__ >= 12
#define HAVE_GETRANDOM
#else
#define HAVE_ARC4RANDOM_BUF
#endif
#define HAVE_EXPLICIT_BZERO
#define HAVE_PROC_TRACE_CTL
#define HAVE_MALLOC_USABLE_SIZE
#define HAVE_CLOCK_BOOTTIME
#elif defined(__APPLE__)
#define HAVE_ARC4RANDOM_BUF
#define HAVE_MEMSET_S
#define HAVE_MALLOC_SIZE
#define HAVE_BOOTSESSIONUUID
#elif defined(__OpenBSD__)
#define HAVE_ARC4RANDOM_BUF
#define HAVE_EXPLICIT_BZERO
#define HAVE_CLOCK_BOOTTIME
#endif

/* A clock that counts suspend, or the one that comes closest. */
#if defined(HAVE_CLOCK_BOOTTIME)
#define CLOCK_NAME	"boottime"
#define CLOCK_LIFE	CLOCK_BOOTTIME
#else
#define CLOCK_NAME	"monotonic"	/* counts sleep on macOS */
#define CLOCK_LIFE	CLOCK_MONOTONIC
#endif

#if defined(HAVE_MEMSET_S)
#define __STDC_WANT_LIB_EXT1__ 1	/* memset_s, C11 Annex K */
#endif

#include <sys/types.h>
#include <sys/stat.h>
#if defined(HAVE_TIMERFD)
#include <sys/timerfd.h>
#endif
#include <poll.h>
#include <stdio.h>
#if defined(HAVE_GETRANDOM)
#include <sys/random.h>
#endif
#if defined(HAVE_PR_SET_DUMPABLE) || defined(HAVE_PR_SET_PDEATHSIG)
#include <sys/prctl.h>
#endif
#if defined(HAVE_PROC_TRACE_CTL)
#include <sys/procctl.h>
#endif
#if defined(HAVE_BOOTSESSIONUUID)
#include <sys/sysctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#if defined(HAVE_MALLOC_USABLE_SIZE) && defined(__FreeBSD__)
#include <malloc_np.h>
#elif defined(HAVE_MALLOC_USABLE_SIZE)
#include <malloc.h>
#elif defined(HAVE_MALLOC_SIZE)
#include <malloc/malloc.h>
#endif

#include "compat.h"

#if defined(HAVE_GETRANDOM)
#define RANDOM_NAME	"getrandom"
#elif defined(HAVE_ARC4RANDOM_BUF)
#define RANDOM_NAME	"arc4random_buf"
#else
#define RANDOM_NAME	"urandom"
#endif
#if defined(HAVE_EXPLICIT_BZERO)
#define WIPE_NAME	"explicit_bzero"
#elif defined(HAVE_MEMSET_S)
#define WIPE_NAME	"memset_s"
#else
#define WIPE_NAME	"volatile"
#endif
#if defined(HAVE_PR_SET_DUMPABLE)
#define NODUMP_NAME	"prctl"
#elif defined(HAVE_PROC_TRACE_CTL)
#define NODUMP_NAME	"procctl"
#else
#define NODUMP_NAME	"none"
#endif
#if defined(HAVE_MALLOC_USABLE_SIZE)
#define SIZE_NAME	"malloc_usable_size"
#elif defined(HAVE_MALLOC_SIZE)
#define SIZE_NAME	"malloc_size"
#else
#define SIZE_NAME	"header"
#define ALLOC_HEADER
/* Room for the size in front of a block, keeping malloc's alignment. */
#define HDR		sizeof(max_align_t)
_Static_assert(sizeof(max_align_t) >= sizeof(size_t), "header too small");
#endif

#if !defined(HAVE_GETRANDOM) && !defined(HAVE_ARC4RANDOM_BUF)
/* Read n bytes from /dev/urandom, which must be a character device. */
static int
read_urandom(unsigned char *p, size_t n)
{
	struct stat	 st;
	ssize_t		 r;
	int		 fd, rc = -1, saved;

	if ((fd = open("/dev/urandom", O_RDONLY | O_NOCTTY | O_CLOEXEC)) ==
	    -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto out;
	if (!S_ISCHR(st.st_mode)) {
		errno = ENODEV;
		goto out;
	}
	while (n > 0) {
		if ((r = read(fd, p, n)) == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			goto out;
		}
		p += r;
		n -= (size_t)r;
	}
	rc = 0;
out:
	saved = errno;
	(void)close(fd);
	errno = saved;
	return rc;
}
#endif

/* n random bytes into buf from the kernel: 0, or -1 with errno set. */
int
compat_random(void *buf, size_t n)
{
#if defined(HAVE_GETRANDOM)
	unsigned char	*p = buf;
	ssize_t		 r;

	while (n > 0) {
		if ((r = getrandom(p, n, 0)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
#elif defined(HAVE_ARC4RANDOM_BUF)
	arc4random_buf(buf, n);
	return 0;
#else
	return read_urandom(buf, n);
#endif
}

#if !defined(HAVE_EXPLICIT_BZERO) && !defined(HAVE_MEMSET_S)
/* memset through a pointer the compiler cannot see through. */
static void	*(*const volatile wipe_memset)(void *, int, size_t) = memset;
#endif

/* Overwrite n bytes at p with zeros; not optimised away. */
void
compat_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
#if defined(HAVE_EXPLICIT_BZERO)
	explicit_bzero(p, n);
#elif defined(HAVE_MEMSET_S)
	(void)memset_s(p, n, 0, n);
#else
	(void)wipe_memset(p, 0, n);
#endif
}

/*
 * Non-dumpable and not traceable, until the next exec.  Returns 1 when
 * done, 0 when the system has no such switch, -1 when it refused.
 */
int
compat_nodump(void)
{
#if defined(HAVE_PR_SET_DUMPABLE)
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 1 : -1;
#elif defined(HAVE_PROC_TRACE_CTL)
	int	 v = PROC_TRACE_CTL_DISABLE_EXEC;

	return procctl(P_PID, getpid(), PROC_TRACE_CTL, &v) == 0 ? 1 : -1;
#else
	return 0;
#endif
}

#if defined(ALLOC_HEADER)
/*
 * The header fallback: each block is HDR bytes holding the size asked
 * for, then the caller's bytes.  Blocks are only ever seen past HDR.
 */
void *
wipe_malloc(size_t n)
{
	unsigned char	*p;

	if (n > SIZE_MAX - HDR) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = malloc(HDR + n)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + HDR;
}

/* calloc(3) for the wipe_* family: zeroed, with overflow checked. */
void *
wipe_calloc(size_t m, size_t n)
{
	void	*p;

	if (n != 0 && m > SIZE_MAX / n) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = wipe_malloc(m * n)) != NULL)
		memset(p, 0, m * n);
	return p;
}

/* The size kept in p's header, 0 for NULL. */
size_t
compat_usable_size(void *p)
{
	size_t	 n;

	if (p == NULL)
		return 0;
	memcpy(&n, (unsigned char *)p - HDR, sizeof(n));
	return n;
}

/* Wipe the header and the block, then free it.  Accepts NULL. */
void
wipe_free_any(void *p)
{
	unsigned char	*b;

	if (p == NULL)
		return;
	b = (unsigned char *)p - HDR;
	compat_wipe(b, HDR + compat_usable_size(p));
	free(b);
}
#else
/* malloc(3), as the allocator table's; the system knows the sizes. */
void *
wipe_malloc(size_t n)
{
	return malloc(n);
}

/* calloc(3), as the allocator table's. */
void *
wipe_calloc(size_t m, size_t n)
{
	return calloc(m, n);
}

/* The usable size of p as the system allocator knows it, 0 for NULL. */
size_t
compat_usable_size(void *p)
{
	if (p == NULL)
		return 0;
#if defined(HAVE_MALLOC_USABLE_SIZE)
	return malloc_usable_size(p);
#else
	return malloc_size(p);
#endif
}

/* Wipe the whole block, then free it.  Accepts NULL. */
void
wipe_free_any(void *p)
{
	if (p == NULL)
		return;
	compat_wipe(p, compat_usable_size(p));
	free(p);
}
#endif

/* realloc(3) that wipes the old block: copy, wipe, free. */
void *
wipe_realloc(void *p, size_t n)
{
	void	*q;
	size_t	 old;

	if (p == NULL)
		return wipe_malloc(n);
	if ((q = wipe_malloc(n == 0 ? 1 : n)) == NULL)
		return NULL;
	old = compat_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	wipe_free_any(p);
	return q;
}

/* strdup(3) for the allocator table (its result is freed wiped). */
char *
wipe_strdup(const char *s)
{
	char	*p;
	size_t	 n = strlen(s) + 1;

	if ((p = wipe_malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

/* The primitives chosen, for the unit tests and bug reports. */
const char *
compat_choice(void)
{
	return "random=" RANDOM_NAME " wipe=" WIPE_NAME " nodump="
	    NODUMP_NAME " size=" SIZE_NAME " clock=" CLOCK_NAME;
}

long long
compat_clock_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_LIFE, &ts) == -1)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

clockid_t
compat_clock_id(void)
{
	return CLOCK_LIFE;
}

#if defined(HAVE_BOOTSESSIONUUID)
int
compat_boot_id(char *buf, size_t size)
{
	size_t	 n = size;

	if (size == 0 || sysctlbyname("kern.bootsessionuuid", buf, &n, NULL,
	    0) == -1 || n == 0 || n >= size)
		return -1;
	buf[n] = '\0';
	return buf[0] != '\0' ? 0 : -1;
}
#else
int
compat_boot_id(char *buf, size_t size)
{
	ssize_t	 n;
	size_t	 i;
	int	 fd;

	if (size == 0 || (fd = open("/proc/sys/kernel/random/boot_id",
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (i = 0; i < (size_t)n; i++)
		if (buf[i] == '\n')
			buf[i] = '\0';
	return buf[0] != '\0' ? 0 : -1;
}
#endif

int
compat_from_terminal(const siginfo_t *si)
{
#if defined(__linux__) && defined(SI_KERNEL) && !defined(COMPAT_FALLBACK)
	return si != NULL && si->si_code == SI_KERNEL;
#else
	(void)si;
	return 0;
#endif
}

#define POLL_MAX_MS	60000	/* the fallback looks at the clock again */

#if defined(HAVE_TIMERFD)
/* Arm the timer fd for the absolute time at_ms on the clock; its fd. */
static int
arm_timer(long long at_ms)
{
	static int	 tfd = -1;
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (tfd == -1 && (tfd = timerfd_create(CLOCK_LIFE,
	    TFD_CLOEXEC | TFD_NONBLOCK)) == -1)
		return -1;
	if (at_ms < 1)
		at_ms = 1;	/* zero would disarm it */
	its.it_value.tv_sec = at_ms / 1000;
	its.it_value.tv_nsec = (long)(at_ms % 1000) * 1000000;
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		return -1;
	return tfd;
}
#endif

int
compat_sleep_until(long long at_ms, int fd)
{
	struct pollfd	 p[2] = { { fd, POLLIN, 0 }, { -1, POLLIN, 0 } };
	long long	 left = at_ms - compat_clock_ms();
	int		 n = 1, timeout;

	if (left <= 0)
		return 0;
	timeout = left > POLL_MAX_MS ? POLL_MAX_MS : (int)left;
#if defined(HAVE_TIMERFD)
	if ((p[1].fd = arm_timer(at_ms)) != -1) {
		n = 2;
		timeout = -1;
	}
#endif
	if (poll(p, (nfds_t)n, timeout) <= 0)
		return 0;
	return (p[0].revents & POLLIN) != 0;
}

int
compat_parent_death(pid_t parent)
{
#if defined(HAVE_PR_SET_PDEATHSIG)
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		return 0;
	return getppid() == parent ? 1 : -1;
#else
	(void)parent;
	return 0;
#endif
}

int
compat_tmpfile(int dirfd)
{
#if defined(HAVE_O_TMPFILE) && defined(O_TMPFILE)
	return openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
#else
	(void)dirfd;
	errno = EOPNOTSUPP;
	return -1;
#endif
}

int
compat_link_tmpfile(int fd, int dirfd, const char *name)
{
#if defined(HAVE_O_TMPFILE) && defined(O_TMPFILE)
	char	 proc[40];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW);
#else
	(void)fd;
	(void)dirfd;
	(void)name;
	errno = EOPNOTSUPP;
	return -1;
#endif
}
