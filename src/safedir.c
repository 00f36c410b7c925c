/*
 * The one opener of directories that hold our files (the cache, the
 * cache key's directory, the token directory of --watch): checked once
 * (owner, mode, parent) and then used through the descriptor it
 * returns, its last component never followed as a symlink.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

/* mkdir -p with mode 0700 for every directory it makes. */
static int
make_dirs(const char *path)
{
	char	*p, *s;
	int	 rc = 0;

	if ((p = xstrdup(path)) == NULL)
		return -1;
	for (s = p + 1; rc == 0 && *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0700) == -1 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/*
 * Why the directory st may not hold our files, or NULL: it must be ours
 * and not writable by group or others; a parent may also be root's,
 * and writable by others if it is sticky (as /tmp is).
 */
static const char *
unsafe_dir(const struct stat *st, int parent)
{
	if (!S_ISDIR(st->st_mode))
		return "not a directory";
	if (st->st_uid != geteuid() && !(parent && st->st_uid == 0))
		return "owned by another user";
	if ((st->st_mode & 022) != 0 && !(parent && (st->st_mode & S_ISVTX)))
		return "writable by group or others";
	return NULL;
}

/*
 * Why the directory name in pfd cannot be ours, or NULL with *fd open
 * on it: not a symlink, and it passes unsafe_dir().  With create, a
 * missing one is made 0700.  *sep joins the name and the reason in a
 * message (" is ", or ": " before an errno's text).
 */
static const char *
open_in(int pfd, const char *name, int create, int *fd, const char **sep)
{
	const int	 flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC;
	struct stat	 st;
	const char	*why;

	*fd = openat(pfd, name, flags);
	if (*fd == -1 && errno == ENOENT && create &&
	    (mkdirat(pfd, name, 0700) == 0 || errno == EEXIST))
		*fd = openat(pfd, name, flags);
	*sep = " is ";
	if (*fd == -1 && (errno == ELOOP || errno == ENOTDIR))
		return "a symbolic link or not a directory";
	*sep = ": ";
	if (*fd == -1)
		return strerror(errno);
	if (fstat(*fd, &st) == -1)
		why = strerror(errno);
	else if ((why = unsafe_dir(&st, 0)) != NULL)
		*sep = " is ";
	if (why != NULL) {
		close(*fd);
		*fd = -1;
	}
	return why;
}

/*
 * Open the private directory path, or path/sub when sub is not NULL,
 * through its parent: the parent must pass unsafe_dir() as a parent
 * (a sticky /tmp does), the directory itself as ours.  With
 * SAFEDIR_MAKE, path is made 0700 (with its missing parents) when it is
 * missing, and a path without a slash is taken in "."; path/sub is
 * always made when missing.  Returns NULL with *fd open, or why not
 * with *fd -1 and *sep joining path and why in a message (": ", " is ",
 * ": its parent is "; NULL: out of memory, already reported).
 */
const char *
safedir_open(const char *path, const char *sub, int how, int *fd,
    const char **sep)
{
	struct stat	 st;
	char		*dir, *slash;
	const char	*parent, *last, *why = NULL;
	size_t		 n;
	int		 pfd;
	const int	 flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

	*fd = -1;
	*sep = ": ";
	if ((dir = xstrdup(path)) == NULL) {
		*sep = NULL;
		return "out of memory";
	}
	for (n = strlen(dir); n > 1 && dir[n - 1] == '/'; )
		dir[--n] = '\0';
	parent = dir;
	last = sub;
	if (sub == NULL) {
		slash = strrchr(dir, '/');
		if (!(how & SAFEDIR_MAKE) &&
		    (slash == NULL || slash[1] == '\0')) {
			free(dir);
			return "not a directory of its own";
		}
		parent = ".";
		last = dir;
		if (slash != NULL) {
			*slash = '\0';
			last = slash + 1;
			parent = slash == dir ? "/" : dir;
		}
	}
	/* the usual case, a cache hit, pays for two open(2)s */
	if ((pfd = open(parent, flags)) == -1 && errno == ENOENT &&
	    (how & SAFEDIR_MAKE) && sub == NULL && make_dirs(path) == 0)
		pfd = open(parent, flags);
	if (pfd == -1 || fstat(pfd, &st) == -1)
		why = strerror(errno);
	else if ((why = unsafe_dir(&st, 1)) != NULL)
		*sep = ": its parent is ";
	else
		why = open_in(pfd, last, (how & SAFEDIR_MAKE) || sub != NULL,
		    fd, sep);
	if (pfd != -1)
		close(pfd);
	free(dir);
	return why;
}

/*
 * Open the private directory path (what: "cache directory"), creating
 * it 0700 with its parents (safedir_open()), for the cache.  Returns
 * the descriptor, or -1 after a warning that the cache is not used.
 */
int
safedir_cache(const char *path, const char *what)
{
	const char	*why, *sep;
	int		 fd;

	if ((why = safedir_open(path, NULL, SAFEDIR_MAKE, &fd, &sep)) !=
	    NULL && sep != NULL)
		warnmsg("warning: %s %s%s%s; going on without a cache", what,
		    path, sep, why);
	return fd;
}
