/*
 * The one scheme of temporary names and its sweeper.  A file being
 * written is first ".NAME.PID.RANDOM" beside NAME (12 random hex
 * digits), then renamed or linked over NAME: -o's file, --watch's token
 * file, the cache's entries and error records, the cache key.  A later
 * write of the same file (for the cache, of any entry) removes what a
 * process now dead left; the key, made once, is not swept.  Whether
 * a writer (or a watch holding a token directory) is alive is decided
 * in one place, owner_dead(): by its pid, and by the lock it holds on
 * its file for as long as it lives, which other PID namespaces and
 * hosts sharing the directory see too.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "extern.h"

#define RANDOM_HEX	12
#define OLD_STALE_SEC	3600	/* an earlier release's cache temporaries */

/*
 * ".NAME." in buf, and with pid >= 0 the pid and RANDOM_HEX random hex
 * digits after it; *len gets the length of ".NAME.".  Returns 0, or -1
 * when it does not fit in size or no random bytes were had.
 */
static int
make_name(char *buf, size_t size, const char *name, long pid, size_t *len)
{
	unsigned char	 rnd[RANDOM_HEX / 2];
	int		 n, i;

	n = snprintf(buf, size, ".%s.", name);
	if (n < 0 || (size_t)n >= size)
		return -1;
	*len = (size_t)n;
	if (pid < 0)
		return 0;
	if (compat_random(rnd, sizeof(rnd)) == -1)
		return -1;
	n += snprintf(buf + n, size - (size_t)n, "%ld.", pid);
	for (i = 0; i < (int)sizeof(rnd) && (size_t)n + 3 <= size; i++)
		n += snprintf(buf + n, size - (size_t)n, "%02x", rnd[i]);
	return i == (int)sizeof(rnd) ? 0 : -1;	/* every digit fitted */
}

/*
 * A new temporary name for name in buf: ".NAME.PID.RANDOM" with our
 * pid.  Returns 0, or -1 (too long for size, or no random bytes).
 */
int
tmp_name(char *buf, size_t size, const char *name)
{
	size_t	 len;

	return make_name(buf, size, name, (long)getpid(), &len);
}

/*
 * Hold fd, a temporary file or a watch's pid file that we have just
 * made, locked for as long as it is open, so that owner_dead() sees us
 * alive from any PID namespace or host.  Where the file system has no
 * locks, the pid alone tells.
 */
void
tmp_hold(int fd)
{
	(void)flock(fd, LOCK_EX | LOCK_NB);
}

/*
 * True if the process pid, which wrote a temporary file or holds a
 * token directory, has ended: not us, kill(pid, 0) finds no such
 * process, and nobody holds the lock of tmp_hold() on fd (that file,
 * open; -1: none to test).  A pid from another PID namespace or host
 * looks dead to kill(); the lock it holds does not.  When true, fd is
 * left locked by us until it is closed.
 */
int
owner_dead(long pid, int fd)
{
	if (pid <= 0 || pid == (long)getpid() || pid > INT_MAX ||
	    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return 0;
	if (fd == -1 || flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 1;
	/* no locks on this file system: the pid decides */
	return errno != EWOULDBLOCK && errno != EINTR;
}

/*
 * A new temporary file for name in dirfd: its name (tmp_name()) in tmp,
 * made 0600 with O_EXCL and held (tmp_hold()).  Returns the descriptor,
 * or -1 with errno set (ENAMETOOLONG when the name did not fit).
 */
int
tmp_create(int dirfd, const char *name, char *tmp, size_t size)
{
	int	 fd;

	if (tmp_name(tmp, size, name) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) != -1)
		tmp_hold(fd);
	return fd;
}

/*
 * The pid of the temporary name d (".NAME.PID.RANDOM", d's first len
 * bytes ".NAME." already checked), or -1.
 */
static long
name_pid(const char *d, size_t len)
{
	char		*end;
	long		 pid;

	if (d[len] < '1' || d[len] > '9')
		return -1;
	errno = 0;
	pid = strtol(d + len, &end, 10);
	if (errno != 0 || *end != '.' || strlen(end + 1) != RANDOM_HEX)
		return -1;
	return pid;
}

static int
is_hex(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * The length of ".NAME." at the start of d when NAME is a cache entry's
 * or error record's name (32 hex digits, optionally ".err"), else 0.
 */
static size_t
cache_prefix(const char *d)
{
	size_t	 n = 1 + 32;

	if (d[0] != '.' || !is_hex(d + 1, 32))
		return 0;
	if (strncmp(d + n, ".err", 4) == 0)
		n += 4;
	return d[n] == '.' ? n + 1 : 0;
}

/*
 * Whether d is a temporary file of an earlier release in a cache
 * directory: 32 hex digits, optionally ".err", then ".tmp." and 16 hex
 * digits, exactly.
 */
static int
old_cache_tmp(const char *d)
{
	if (!is_hex(d, 32))
		return 0;
	d += 32;
	if (strncmp(d, ".err", 4) == 0)
		d += 4;
	if (strncmp(d, ".tmp.", 5) != 0 || !is_hex(d + 5, 16))
		return 0;
	return d[5 + 16] == '\0';
}

/*
 * Remove, in dirfd, the temporary files that a process now dead left
 * (killed between creating one and renaming it): regular files of ours
 * named ".NAME.PID.RANDOM" whose PID has ended, for name, or when name
 * is NULL (a cache directory) for the NAME of any entry or error record
 * (cache_prefix()); there the temporaries of an earlier release,
 * "HEX32[.err].tmp.HEX16", go too once an hour old.
 */
void
tmp_sweep(int dirfd, const char *name)
{
	struct dirent	*e;
	struct stat	 st;
	char		 prefix[NAME_MAX + 4] = "";
	size_t		 len = 0;
	long		 pid;
	DIR		*d;
	time_t		 now = time(NULL);
	int		 old, fd;

	if ((name != NULL && make_name(prefix, sizeof(prefix), name, -1,
	    &len) == -1) || (d = dir_entries(dirfd)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		old = name == NULL && old_cache_tmp(e->d_name);
		if (name == NULL)
			len = cache_prefix(e->d_name);
		if (!old && (len == 0 || (name != NULL &&
		    strncmp(e->d_name, prefix, len) != 0) ||
		    (pid = name_pid(e->d_name, len)) == -1 ||
		    !owner_dead(pid, -1)))
			continue;
		if (old) {
			if (fstatat(dirfd, e->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
			    now - st.st_mtime >= OLD_STALE_SEC)
				(void)unlinkat(dirfd, e->d_name, 0);
			continue;
		}
		/* dead here; and not held from another PID namespace */
		if ((fd = openat(dirfd, e->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid() && owner_dead(pid, fd))
			(void)unlinkat(dirfd, e->d_name, 0);
		close(fd);
	}
	closedir(d);
}
