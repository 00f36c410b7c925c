/*
 * The one opener of directories that hold our files (the cache, the
 * cache key's directory, the base of --watch's token directory): each
 * is checked once and then used through the descriptor it returns.
 * Every directory on the way from / is checked, and every symlink
 * followed on the way: another user who could rename a directory above
 * ours could put a tree of theirs at our path.  The last component is
 * never followed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "extern.h"

#define MAX_LINKS	40	/* symlinks followed on one walk, as Linux */

/* why, with the path of the directory it is about; see safedir_open() */
static char	 whybuf[PATH_MAX + 64];

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

/* whybuf: "DIR is WHY" (or "DIR: WHY" for an errno's text). */
static const char *
refuse(const char *dir, size_t n, const char *sep, const char *why)
{
	if (n == 0) {
		dir = "/";
		n = 1;
	}
	snprintf(whybuf, sizeof(whybuf), "%.*s%s%s", (int)n, dir, sep, why);
	return whybuf;
}

/*
 * Open the directory path (absolute, at most PATH_MAX bytes) from /,
 * one component at a time, each directory on the way passing
 * unsafe_dir() as a parent (ours or root's; writable by others only if
 * root's and sticky) and each symlink on the way ours or root's.  With
 * make, missing directories are made 0700 on the way.  Returns NULL with
 * *fd open on it, or why not (whybuf: the directory it is about, then
 * the reason); *at is the length of path's prefix that was walked
 * without a symlink when it failed there, else 0.
 */
static const char *
walk(const char *path, int make, int *fd, size_t *at)
{
	const int	 flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC;
	char		 rest[PATH_MAX], done[PATH_MAX], link[PATH_MAX];
	char		 comp[NAME_MAX + 1];
	struct stat	 st;
	const char	*why = NULL, *p;
	size_t		 n, dn = 0;
	ssize_t		 ln;
	int		 dfd, nfd, links = 0, plain = 1;

	*fd = -1;
	*at = 0;
	if (strlen(path) >= sizeof(rest))
		return strerror(ENAMETOOLONG);
	memcpy(rest, path, strlen(path) + 1);
	if ((dfd = open("/", flags)) == -1 || fstat(dfd, &st) == -1)
		why = refuse("/", 1, ": ", strerror(errno));
	else if ((why = unsafe_dir(&st, 1)) != NULL)
		why = refuse("/", 1, " is ", why);
	for (p = rest; why == NULL; ) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		if ((n = strcspn(p, "/")) > NAME_MAX) {
			why = refuse(done, dn, ": ", strerror(ENAMETOOLONG));
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (strcmp(comp, ".") == 0)
			continue;
		nfd = openat(dfd, comp, flags);
		if (nfd == -1 && errno == ENOENT && make &&
		    strcmp(comp, "..") != 0 &&
		    (mkdirat(dfd, comp, 0700) == 0 || errno == EEXIST))
			nfd = openat(dfd, comp, flags);
		if (nfd == -1 && (errno == ELOOP || errno == ENOTDIR) &&
		    fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			/* a symlink in a checked directory: follow it */
			if (st.st_uid != geteuid() && st.st_uid != 0) {
				snprintf(link, sizeof(link), "%.*s/%s",
				    (int)dn, done, comp);
				why = refuse(link, strlen(link), " is ",
				    "a symbolic link of another user");
				break;
			}
			ln = readlinkat(dfd, comp, link, sizeof(link));
			if (++links > MAX_LINKS || ln <= 0 ||
			    (size_t)ln + strlen(p) + 1 >= sizeof(rest)) {
				why = refuse(done, dn, ": ", strerror(ln <= 0 ?
				    errno : links > MAX_LINKS ? ELOOP :
				    ENAMETOOLONG));
				break;
			}
			memmove(rest + ln, p, strlen(p) + 1);
			memcpy(rest, link, (size_t)ln);
			p = rest;
			plain = 0;
			if (rest[0] == '/') {
				close(dfd);
				dn = 0;
				if ((dfd = open("/", flags)) == -1) {
					why = refuse("/", 1, ": ",
					    strerror(errno));
					break;
				}
			}
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			while (dn > 0 && done[dn - 1] != '/')
				dn--;
			if (dn > 0)
				dn--;
		} else if (dn + 1 + n < sizeof(done)) {
			done[dn++] = '/';
			memcpy(done + dn, comp, n);
			dn += n;
		}
		if (plain)
			*at = (size_t)(p - rest);
		if (nfd == -1 || fstat(nfd, &st) == -1) {
			why = refuse(done, dn, ": ", strerror(errno));
			if (nfd != -1)
				close(nfd);
			break;
		}
		close(dfd);
		dfd = nfd;
		if ((why = unsafe_dir(&st, 1)) != NULL)
			why = refuse(done, dn, " is ", why);
	}
	if (why != NULL) {
		if (dfd != -1)
			close(dfd);
		return why;
	}
	*fd = dfd;
	return NULL;
}

/*
 * Open the private directory path, or path/sub when sub is not NULL.
 * The directory itself must be ours, not a symlink, not writable by
 * group or others; every directory above it, and every symlink on the
 * way, is checked as walk() says (a sticky /tmp passes).  A relative
 * path is taken from the working directory, whose own path is checked
 * too.  With SAFEDIR_SHARED, path itself is only checked as the
 * directories above it are (TMPDIR: root's and sticky passes), and sub
 * is not used.  With SAFEDIR_MAKE, path is made 0700 (with its missing
 * parents) when it is missing; path/sub is always made when missing.
 * Returns NULL with *fd open, or why not with *fd -1 and *sep joining
 * path and why in a message (": ", " is ", ": its parent is "; NULL: out
 * of memory, already reported).  A why naming a directory above the
 * parent stays valid until the next call.
 */
const char *
safedir_open(const char *path, const char *sub, int how, int *fd,
    const char **sep)
{
	char		*dir, *slash;
	const char	*parent, *last, *why = NULL;
	size_t		 n, at;
	int		 pfd;

	*fd = -1;
	*sep = ": ";
	if ((dir = path_absolute(path)) == NULL) {
		*sep = NULL;
		return "out of memory";
	}
	if (dir[0] != '/') {
		free(dir);
		return "relative, and the working directory has no name";
	}
	if (how & SAFEDIR_SHARED) {
		why = walk(dir, 0, fd, &n);
		free(dir);
		return why;
	}
	for (n = strlen(dir); n > 1 && dir[n - 1] == '/'; )
		dir[--n] = '\0';
	parent = dir;
	last = sub;
	if (sub == NULL) {
		slash = strrchr(dir, '/');
		if (slash[1] == '\0' || (!(how & SAFEDIR_MAKE) &&
		    strchr(path, '/') == NULL)) {
			free(dir);
			return "not a directory of its own";
		}
		*slash = '\0';
		last = slash + 1;
		parent = slash == dir ? "/" : dir;
	}
	if ((why = walk(parent, (how & SAFEDIR_MAKE) && sub == NULL, &pfd,
	    &at)) != NULL) {
		/* the parent itself: "its parent is WHY", as it was */
		n = strlen(parent);
		if (at == n && strncmp(why, parent, n) == 0 &&
		    strncmp(why + n, " is ", 4) == 0) {
			*sep = ": its parent is ";
			why += n + 4;
		}
	} else {
		why = open_in(pfd, last, (how & SAFEDIR_MAKE) || sub != NULL,
		    fd, sep);
		close(pfd);
	}
	free(dir);
	return why;
}

/*
 * Make a new directory "prefix.RANDOM" (12 random hex digits), 0700, in
 * dirfd, its name in buf.  Returns 0, or -1 with errno set.
 */
int
safedir_mkrandom(int dirfd, const char *prefix, char *buf, size_t size)
{
	unsigned char	 rnd[6];
	int		 i, n, tries;

	for (tries = 0; tries < 10; tries++) {
		if (compat_random(rnd, sizeof(rnd)) == -1)
			return -1;
		n = snprintf(buf, size, "%s.", prefix);
		for (i = 0; i < (int)sizeof(rnd) && n > 0 &&
		    (size_t)n + 3 <= size; i++)
			n += snprintf(buf + n, size - (size_t)n, "%02x",
			    rnd[i]);
		if (n <= 0 || i < (int)sizeof(rnd)) {
			buf[0] = '\0';
			errno = ENAMETOOLONG;
			return -1;
		}
		if (mkdirat(dirfd, buf, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	buf[0] = '\0';
	return -1;
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
