/*
 * The token cache: one sealed entry per configuration in a private
 * directory, a lock file for single flight, and atomic replacement
 * (temporary file, then rename).  A directory that another user owns,
 * or that group or others may write, is not used.  Cache trouble never
 * fails a fetch: it is reported and the tool goes on without a cache.
 */
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

#define MAX_ENTRY	(64 * 1024)
#define STALE_TMP_SEC	3600
#define KIND_TOKEN	'T'
#define KIND_ERROR	'E'

/* One "cache: ..." line for --verbose. */
static void
note(const struct cache *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(const struct cache *c, const char *fmt, ...)
{
	va_list	 ap;

	if (!c->set->verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: cache: ", PROGNAME);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

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
 * Open the cache directory, creating it 0700, and check that we own it
 * and that neither group nor others may write it.  Returns the
 * descriptor, or -1 after a warning.
 */
static int
open_dir(const char *path)
{
	struct stat	 st;
	int		 fd;

	/* the usual case, a cache hit, pays for one open(2) only */
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 &&
	    (errno != ENOENT || make_dirs(path) == -1 ||
	    (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)) {
		warnmsg("warning: cache directory %s: %s; going on without "
		    "a cache", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || st.st_uid != geteuid() ||
	    (st.st_mode & 022) != 0) {
		warnmsg("warning: cache directory %s is %s; going on "
		    "without a cache", path, st.st_uid != geteuid() ?
		    "owned by another user" : "writable by group or others");
		close(fd);
		return -1;
	}
	return fd;
}

/* The entry's context: token URL, client ID and scope, NUL-separated. */
static int
make_ctx(const struct settings *s, struct seal_ctx *ctx)
{
	const char	*scope = s->scope != NULL ? s->scope : "";
	size_t		 a = strlen(s->token_url) + 1;
	size_t		 b = strlen(s->client_id) + 1;
	size_t		 n = a + b + strlen(scope) + 1;

	if ((ctx->data = xmalloc(n)) == NULL)
		return -1;
	memcpy(ctx->data, s->token_url, a);
	memcpy(ctx->data + a, s->client_id, b);
	memcpy(ctx->data + a + b, scope, n - a - b);
	ctx->len = n;
	return 0;
}

/*
 * Open the cache for the configuration in s.  Without a usable cache
 * (disabled, no location, unsafe directory) c->dirfd is -1 and every
 * other cache call does nothing.  Returns CT_ERR_INTERNAL only when out
 * of memory.
 */
enum ct_err
cache_open(const struct settings *s, struct cache *c)
{
	memset(c, 0, sizeof(*c));
	c->dirfd = c->lockfd = -1;
	c->set = s;
	if (s->cache == CACHE_OFF) {
		note(c, "off (%s)", s->cache_from);
		return CT_OK;
	}
	if (s->cache_dir == NULL) {
		note(c, "off: no location (set --cache-dir or HOME)");
		return CT_OK;
	}
	if (make_ctx(s, &c->ctx) == -1)
		return CT_ERR_INTERNAL;
	if (seal_name(&c->ctx, c->name) == -1) {
		warnmsg("warning: cannot name the cache entry; going on "
		    "without a cache");
		return CT_OK;
	}
	c->dirfd = open_dir(s->cache_dir);
	if (c->dirfd != -1)
		note(c, "%s/%s (%s)", s->cache_dir, c->name, s->cache_dir_from);
	return CT_OK;
}

/*
 * Read the file `name` in the cache directory if it is a regular file
 * of ours and not too large.  Returns its size and an owned buffer, or
 * -1 with *why set (ENOENT: "none").
 */
static ssize_t
read_entry(const struct cache *c, const char *name, unsigned char **out,
    const char **why)
{
	struct stat	 st;
	unsigned char	*buf;
	ssize_t		 n;
	int		 fd;

	*out = NULL;
	if ((fd = openat(c->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		*why = errno == ENOENT ? "none" : strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || st.st_size > MAX_ENTRY) {
		*why = "not a regular file of ours, or too large";
		close(fd);
		return -1;
	}
	if ((buf = xmalloc(MAX_ENTRY)) == NULL) {
		*why = "out of memory";
		close(fd);
		return -1;
	}
	n = read(fd, buf, MAX_ENTRY);
	close(fd);
	if (n < 0) {
		*why = strerror(errno);
		free(buf);
		return -1;
	}
	*out = buf;
	return n;
}

/* Read and open the sealed entry `name` of the given kind. */
static json_t *
open_entry(const struct cache *c, const char *name, char kind,
    const char **why)
{
	const struct settings *s = c->set;
	unsigned char	*e;
	char		*plain;
	size_t		 plen;
	ssize_t		 n;
	json_t		*root;

	if ((n = read_entry(c, name, &e, why)) == -1)
		return NULL;
	if (unseal(s->secret, s->secret_len, &c->ctx, kind, e, (size_t)n,
	    &plain, &plen, why) == -1) {
		free(e);
		return NULL;
	}
	free(e);
	root = json_loadb(plain, plen, JSON_REJECT_DUPLICATES, NULL);
	wipe_free(plain, plen);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		*why = "unreadable payload";
		return NULL;
	}
	return root;
}

/*
 * The token held in an opened entry's payload (len bytes of JSON), if
 * it is valid and has at least min_ttl seconds left at now; the token
 * (caller frees) then has expires_in set to what is left.  Otherwise
 * NULL, with *why saying why and *left the seconds left (for "expired").
 */
struct token *
cache_entry_token(const char *plain, size_t len, time_t now,
    long long min_ttl, const char **why, long long *left)
{
	struct token	*t = NULL;
	json_t		*root, *at;

	*left = 0;
	root = json_loadb(plain, len, JSON_REJECT_DUPLICATES, NULL);
	at = json_object_get(root, "expires_at");
	if (!json_is_object(root) || !json_is_integer(at))
		*why = "unreadable payload";
	else if ((*why = token_from_object(root, &t)) != NULL || t == NULL) {
		if (*why == NULL)
			*why = "out of memory";
	} else if ((*left = json_integer_value(at) - now) < min_ttl) {
		*why = "expired";
		token_free(t);
		t = NULL;
	} else {
		t->has_expiry = 1;
		t->expires_in = *left;
		t->received_at = now;
	}
	json_decref(root);
	return t;
}

/*
 * The cached token if there is one for this configuration and secret
 * with at least --min-ttl seconds left; NULL otherwise (a miss).  The
 * token (caller frees) has expires_in set to the remaining lifetime.
 */
struct token *
cache_lookup(struct cache *c)
{
	const struct settings *s = c->set;
	struct token	*t;
	unsigned char	*e;
	char		*plain;
	size_t		 plen;
	ssize_t		 n;
	long long	 left;
	const char	*why;

	if (c->dirfd == -1 || s->cache != CACHE_ON)
		return NULL;
	if ((n = read_entry(c, c->name, &e, &why)) == -1) {
		note(c, strcmp(why, "none") == 0 ? "miss" :
		    "rejected (%s)", why);
		return NULL;
	}
	if (unseal(s->secret, s->secret_len, &c->ctx, KIND_TOKEN, e,
	    (size_t)n, &plain, &plen, &why) == -1) {
		free(e);
		note(c, "rejected (%s)", why);
		return NULL;
	}
	free(e);
	t = cache_entry_token(plain, plen, time(NULL), s->min_ttl, &why,
	    &left);
	wipe_free(plain, plen);
	if (t != NULL)
		note(c, "hit (%lld s left)", left);
	else if (strcmp(why, "expired") == 0)
		note(c, "expired (%lld s left, --min-ttl %lld)", left,
		    s->min_ttl);
	else
		note(c, "rejected (%s)", why);
	return t;
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * Block on the lock until it is ours, the deadline passes or SIGINT or
 * SIGTERM is caught (-1 for both).
 */
static int
wait_lock(int fd, long long deadline_ms)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval tick = { { 0, 50000 }, { 0, 50000 } }, off = { 0 };
	int		 rc = -1;

	/* no SA_RESTART: the 50 ms tick interrupts flock to check time */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, &old) == -1)
		return -1;
	setitimer(ITIMER_REAL, &tick, NULL);
	while (now_ms() < deadline_ms) {
		if (flock(fd, LOCK_EX) == 0) {
			rc = 0;
			break;
		}
		if (errno != EINTR || interrupted())
			break;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	return rc;
}

/*
 * Take this configuration's lock, waiting (within --timeout) while
 * another process fetches.  c->waited tells whether we had to wait.
 * Lock trouble other than a timeout means going on without the lock.
 */
enum ct_err
cache_lock(struct cache *c)
{
	char	 path[sizeof(c->name) + 5];
	int	 fd;

	if (c->dirfd == -1)
		return CT_OK;
	snprintf(path, sizeof(path), "%s.lock", c->name);
	if ((fd = openat(c->dirfd, path, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		note(c, "no lock (%s)", strerror(errno));
		return CT_OK;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		c->lockfd = fd;
		return CT_OK;
	}
	c->waited = 1;
	c->since_ns = wall_ns();
	note(c, "waiting for another collibra-token to fetch");
	if (wait_lock(fd, c->set->deadline_ms) == -1) {
		close(fd);
		if (interrupted())
			return CT_ERR_SIGNAL;
		warnmsg("timed out waiting for another collibra-token "
		    "process to fetch the token");
		return CT_ERR_NETWORK;
	}
	c->lockfd = fd;
	return CT_OK;
}

/*
 * After waiting for the lock: if the process we waited for failed,
 * report its error (the same line and class) instead of asking the
 * server again.  Returns CT_OK when there is no such failure.
 */
enum ct_err
cache_shared_error(struct cache *c)
{
	char		 path[sizeof(c->name) + 4];
	json_t		*root;
	json_int_t	 code, at;
	const char	*why, *msg;

	if (c->dirfd == -1 || !c->waited)
		return CT_OK;
	snprintf(path, sizeof(path), "%s.err", c->name);
	if ((root = open_entry(c, path, KIND_ERROR, &why)) == NULL)
		return CT_OK;
	code = json_integer_value(json_object_get(root, "error"));
	at = json_integer_value(json_object_get(root, "at"));
	msg = json_string_value(json_object_get(root, "message"));
	if (at < c->since_ns || code <= CT_OK || code >= CT_ERR__MAX ||
	    msg == NULL) {
		json_decref(root);
		return CT_OK;
	}
	note(c, "the process we waited for failed; not retrying");
	warnmsg("%s", msg);
	json_decref(root);
	return (enum ct_err)code;
}

/* Remove temporary files that a killed process left behind. */
static void
remove_stale(const struct cache *c)
{
	struct dirent	*d;
	struct stat	 st;
	DIR		*dir;
	int		 fd;
	time_t		 now = time(NULL);

	if ((fd = dup(c->dirfd)) == -1)
		return;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		if (strstr(d->d_name, ".tmp.") == NULL ||
		    fstatat(c->dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    now - st.st_mtime < STALE_TMP_SEC)
			continue;
		(void)unlinkat(c->dirfd, d->d_name, 0);
	}
	closedir(dir);
}

/*
 * Seal the JSON object o as `name` of the given kind: write a new
 * temporary file (0600), then rename it over the entry, so that a
 * process killed at any point leaves the old entry or the new one.
 */
static int
write_entry(const struct cache *c, const char *name, char kind, json_t *o)
{
	const struct settings *s = c->set;
	unsigned char	*e = NULL, rnd[8];
	char		 tmp[64], *plain;
	size_t		 elen, plen;
	int		 fd, rc = -1;

	if ((plain = json_dumps(o, JSON_COMPACT)) == NULL)
		return -1;
	plen = strlen(plain);
	if (seal(s->secret, s->secret_len, &c->ctx, kind, plain, plen, &e,
	    &elen) == -1 || getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		wipe_free(plain, plen);
		free(e);
		return -1;
	}
	wipe_free(plain, plen);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%02x%02x%02x%02x%02x%02x%02x%02x",
	    name, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
	    rnd[7]);
	if ((fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) != -1) {
		if (write(fd, e, elen) == (ssize_t)elen && close(fd) == 0)
			rc = renameat(c->dirfd, tmp, c->dirfd, name);
		else
			close(fd);
		if (rc == -1)
			(void)unlinkat(c->dirfd, tmp, 0);
	}
	free(e);
	return rc;
}

/* Store a fresh token for this configuration, if it has an expiry. */
void
cache_store(struct cache *c, const struct token *t)
{
	json_t	*o;
	int	 rc;

	if (c->dirfd == -1)
		return;
	if (!t->has_expiry || t->expires_in <= 0) {
		note(c, "not stored (no lifetime given)");
		return;
	}
	o = json_pack("{s:s, s:s, s:I}", "access_token", t->access_token,
	    "token_type", t->token_type, "expires_at",
	    (json_int_t)(t->received_at + t->expires_in));
	if (o != NULL && t->scope != NULL)
		(void)json_object_set_new(o, "scope", json_string(t->scope));
	rc = o != NULL ? write_entry(c, c->name, KIND_TOKEN, o) : -1;
	json_decref(o);
	if (rc == -1)
		warnmsg("warning: cannot write the cache entry: %s",
		    strerror(errno));
	else
		note(c, c->set->cache == CACHE_REFRESH ? "refreshed" :
		    "stored");
	remove_stale(c);
}

/*
 * Record a failed fetch (its class and message) for the processes that
 * are waiting on the lock, so that they report it instead of retrying.
 */
void
cache_store_error(struct cache *c, enum ct_err rc)
{
	char	 path[sizeof(c->name) + 4];
	json_t	*o;

	if (c->dirfd == -1 || c->lockfd == -1)
		return;
	snprintf(path, sizeof(path), "%s.err", c->name);
	o = json_pack("{s:i, s:I, s:s}", "error", (int)rc, "at",
	    (json_int_t)wall_ns(), "message", last_message());
	if (o != NULL)
		(void)write_entry(c, path, KIND_ERROR, o);
	json_decref(o);
}

/* --clear-cache: remove this configuration's entry.  Exits 0 if none. */
enum ct_err
cache_clear(struct cache *c)
{
	char	 path[sizeof(c->name) + 4];

	if (c->dirfd == -1)
		return CT_OK;
	snprintf(path, sizeof(path), "%s.err", c->name);
	(void)unlinkat(c->dirfd, path, 0);
	if (unlinkat(c->dirfd, c->name, 0) == -1 && errno != ENOENT) {
		warnmsg("cannot remove the cache entry: %s", strerror(errno));
		return CT_ERR_INTERNAL;
	}
	note(c, "cleared");
	return CT_OK;
}

/* Release the lock and free c.  Accepts a zeroed or unused cache. */
void
cache_close(struct cache *c)
{
	if (c->lockfd != -1)
		close(c->lockfd);
	if (c->dirfd != -1)
		close(c->dirfd);
	free(c->ctx.data);
	c->ctx.data = NULL;
	c->lockfd = c->dirfd = -1;
}
