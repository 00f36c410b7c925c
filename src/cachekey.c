/*
 * The key of a configuration's cache entries: from a literal secret,
 * or for a secret command or a prompt a subkey of the user's cache key,
 * a 0600 file of random bytes outside the cache directory, made once.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "extern.h"
#include "cache_priv.h"

/*
 * Read the key file base in the directory kfd into root: a regular
 * file of ours that only we may read or write, of exactly the key's
 * size.  Returns 0, or -1 with *why NULL when there is none.
 */
static int
read_key(int kfd, const char *base, unsigned char *root, const char **why)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	*why = NULL;
	if ((fd = openat(kfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		if (errno != ENOENT)
			*why = strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
	    st.st_size != SEAL_KEY_LEN) {
		*why = "not a file of ours, mode 0600, of 32 bytes";
		close(fd);
		return -1;
	}
	n = read(fd, root, SEAL_KEY_LEN);
	close(fd);
	if (n != SEAL_KEY_LEN) {
		*why = n == -1 ? strerror(errno) : "short read";
		return -1;
	}
	return 0;
}

/*
 * Make the key file base in kfd: random bytes in a new temporary file
 * (0600), linked into place; if another process was first, its key is
 * read instead.  Returns 0 with the key in root, or -1 with *why set.
 */
static int
make_key(int kfd, const char *base, unsigned char *root, const char **why)
{
	char	 tmp[PATH_MAX];
	int	 fd, rc = -1;

	*why = "cannot make a random key";
	if (seal_random(root, SEAL_KEY_LEN) == -1)
		return -1;
	if ((fd = tmp_create(kfd, base, tmp, sizeof(tmp))) == -1) {
		*why = strerror(errno);
		return -1;
	}
	if (write(fd, root, SEAL_KEY_LEN) != SEAL_KEY_LEN || fsync(fd) == -1)
		*why = strerror(errno);
	else if (linkat(kfd, tmp, kfd, base, 0) == 0)
		rc = 0;
	else if (errno == EEXIST)
		rc = read_key(kfd, base, root, why);
	else
		*why = strerror(errno);
	close(fd);
	(void)unlinkat(kfd, tmp, 0);
	return rc;
}

/*
 * The key of this configuration's entries in c->key.  For a literal
 * secret it comes from the secret; for a secret command or a prompt it
 * is a subkey of the user's cache key (s->key_file), made when create
 * is set and there is none.  Returns 0, or -1 (no key: no cache).
 */
int
cache_entry_key(struct cache *c, int create)
{
	const struct settings *s = c->set;
	unsigned char	 root[SEAL_KEY_LEN];
	char		*dir, *slash;
	const char	*why;
	int		 kfd, rc = -1;

	if (c->keyed)
		return 0;
	if (s->secret_kind == SECRET_LITERAL) {
		if (s->secret == NULL || seal_key_secret(s->secret,
		    s->secret_len, c->key) != 0)
			return -1;
		c->keyed = 1;
		return 0;
	}
	if ((dir = xstrdup(s->key_file)) == NULL ||
	    (slash = strrchr(dir, '/')) == NULL || slash == dir) {
		free(dir);
		return -1;
	}
	*slash = '\0';
	if ((kfd = safedir_cache(dir, "cache key directory")) != -1) {
		if ((rc = read_key(kfd, slash + 1, root, &why)) == -1 &&
		    why == NULL && create)
			rc = make_key(kfd, slash + 1, root, &why);
		if (rc == -1 && why != NULL)
			warnmsg("warning: cache key %s: %s; going on without "
			    "a cache", s->key_file, why);
		else if (rc == -1)
			note(c, "no cache key yet (%s)", s->key_file);
		if (rc == 0 && seal_key_user(root, c->key) != 0)
			rc = -1;
		compat_wipe(root, sizeof(root));
		close(kfd);
	}
	free(dir);
	c->keyed = rc == 0;
	return rc;
}
