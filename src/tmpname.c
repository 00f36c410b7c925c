/*
 * The one scheme of temporary names and its sweeper.  A file being
 * written is first ".NAME.PID.RANDOM" beside NAME (12 random hex
 * digits), then renamed or linked over NAME: -o's file, --watch's token
 * file, the cache's entries and error records, the cache key.  A later
 * write removes what a process now dead left under that name.  Whether
 * a writer (or a watch holding a token directory) is alive is decided
 * in one place, owner_dead().
 */
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
	return (size_t)n + 1 < size ? 0 : -1;
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
 * True if the process pid, which wrote a temporary file or holds a
 * token directory, has ended: not us, and kill(pid, 0) finds none.
 */
int
owner_dead(long pid)
{
	return pid > 0 && pid != (long)getpid() && pid <= INT_MAX &&
	    kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

/*
 * The pid of the temporary name d (".NAME.PID.RANDOM"; NAME any when
 * len is 0, else d's first len bytes were checked), or -1.
 */
static long
name_pid(const char *d, size_t len)
{
	const char	*p;
	char		*end;
	long		 pid;

	if (len == 0) {
		if (d[0] != '.' || (p = strchr(d + 1, '.')) == NULL ||
		    p == d + 1)
			return -1;
		len = (size_t)(p - d) + 1;
	}
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
 * named ".NAME.PID.RANDOM" whose PID has ended, for name, or for any
 * NAME when name is NULL (a cache directory, where the temporaries of
 * an earlier release, "HEX32[.err].tmp.HEX16", an hour old, go too).
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
	int		 old;

	if ((name != NULL && make_name(prefix, sizeof(prefix), name, -1,
	    &len) == -1) || (d = dir_entries(dirfd)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		old = name == NULL && old_cache_tmp(e->d_name);
		if (!old && (strncmp(e->d_name, prefix, len) != 0 ||
		    (pid = name_pid(e->d_name, len)) == -1 ||
		    !owner_dead(pid)))
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && (old ? now - st.st_mtime >=
		    OLD_STALE_SEC : st.st_uid == geteuid()))
			(void)unlinkat(dirfd, e->d_name, 0);
	}
	closedir(d);
}
