/*
 * The token cache: one sealed entry per configuration (everything that
 * makes a token valid, see make_ctx()) in a private directory, a lock
 * file for single flight, and atomic replacement (temporary file, then
 * rename).  Entries for a literal secret are keyed by the secret; those
 * for a secret command or a prompt by the user's cache key, a 0600 file
 * outside the cache directory.  A directory that another user owns, that
 * group or others may write, that is a symlink, or whose parent is
 * unsafe, is not used.  Cache trouble never fails a fetch: it is
 * reported and the tool goes on without a cache.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "extern.h"

#define MAX_ENTRY	(64 * 1024)
#define MAX_MS		(1LL << 50)	/* a stamp's clocks, in ms: bounded */
#define AGREE_MS	1000	/* the clocks moved together, within this */
#define STALE_TMP_SEC	3600
#define KIND_TOKEN	'T'
#define KIND_ERROR	'E'
#define V1		-1	/* make_ctx(): the previous release's */

/* One "cache: ..." line for --verbose. */
#define note(c, ...)	verbosef((c)->set, "cache: " __VA_ARGS__)

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
 * and writable by others if it is sticky (as /tmp is).  The token
 * directory of --watch (watch.c) is checked the same way.
 */
const char *
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
 * Open the private directory path (what: "cache directory"), creating
 * it 0700.  Its last component is never followed as a symlink, and it
 * and its parent must pass unsafe_dir().  Returns the descriptor, or -1
 * after a warning.
 */
static int
open_dir(const char *path, const char *what)
{
	struct stat	 st;
	char		*dir, *slash;
	const char	*parent = ".", *base, *why = NULL, *sep = ": ";
	size_t		 n;
	int		 pfd, fd = -1;
	const int	 flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

	if ((dir = xstrdup(path)) == NULL)
		return -1;
	for (n = strlen(dir); n > 1 && dir[n - 1] == '/'; )
		dir[--n] = '\0';
	base = dir;
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		base = slash + 1;
		parent = slash == dir ? "/" : dir;
	}
	/* the usual case, a cache hit, pays for two open(2)s */
	if ((pfd = open(parent, flags)) == -1 && errno == ENOENT &&
	    make_dirs(path) == 0)
		pfd = open(parent, flags);
	if (pfd == -1 || fstat(pfd, &st) == -1) {
		why = strerror(errno);
		goto out;
	}
	if ((why = unsafe_dir(&st, 1)) != NULL) {
		sep = ": its parent is ";
		goto out;
	}
	if ((fd = openat(pfd, base, flags | O_NOFOLLOW)) == -1 &&
	    errno == ENOENT && (mkdirat(pfd, base, 0700) == 0 ||
	    errno == EEXIST))
		fd = openat(pfd, base, flags | O_NOFOLLOW);
	if (fd == -1 && (errno == ELOOP || errno == ENOTDIR)) {
		why = "a symbolic link or not a directory";
		sep = " is ";
	} else if (fd == -1 || fstat(fd, &st) == -1)
		why = strerror(errno);
	else if ((why = unsafe_dir(&st, 0)) != NULL)
		sep = " is ";
out:
	if (why != NULL) {
		warnmsg("warning: %s %s%s%s; going on without a cache", what,
		    path, sep, why);
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	if (pfd != -1)
		close(pfd);
	free(dir);
	return fd;
}

/* Append the string v (or "") and its NUL to the context being built. */
static int
ctx_add(struct seal_ctx *ctx, const char *v)
{
	size_t	 n = strlen(v != NULL ? v : "") + 1;
	char	*p;

	if ((p = realloc(ctx->data, ctx->len + n)) == NULL)
		return -1;
	memcpy(p + ctx->len, v != NULL ? v : "", n);
	ctx->data = p;
	ctx->len += n;
	return 0;
}

/* A cache that is not open: cache_close() on it does nothing. */
void
cache_init(struct cache *c)
{
	memset(c, 0, sizeof(*c));
	c->dirfd = c->lockfd = -1;
	c->since_ms = -1;
}

/*
 * The entry's context, everything that makes a token valid for this
 * run: the secret's source (and for a command, the command), token URL,
 * client ID, scope, auth method and what decides who answered (CA
 * file, CA directory, proxy), for a secret of the given kind.  Kind
 * V1: the previous release's context (token URL, client ID, scope), to
 * find its entry.
 */
static int
make_ctx(const struct settings *s, int kind, struct seal_ctx *ctx)
{
	static const char *const kinds[] = { "secret", "command", "prompt" };
	int	 rc = 0, v1 = kind == V1;

	ctx->data = NULL;
	ctx->len = 0;
	if (!v1)
		rc |= ctx_add(ctx, kinds[kind]) | ctx_add(ctx,
		    kind == SECRET_COMMAND ? s->secret_command : NULL);
	rc |= ctx_add(ctx, s->token_url) |
	    ctx_add(ctx, SET_STR(s, CLIENT_ID)) |
	    ctx_add(ctx, SET_STR(s, SCOPE));
	if (!v1)
		rc |= ctx_add(ctx, SET_STR(s, AUTH_METHOD)) |
		    ctx_add(ctx, SET_STR(s, CACERT)) |
		    ctx_add(ctx, SET_STR(s, CAPATH)) |
		    ctx_add(ctx, SET_STR(s, PROXY));
	if (rc != 0) {
		free(ctx->data);
		ctx->data = NULL;
		return -1;
	}
	return 0;
}

/*
 * A name for a new temporary file beside name in buf: name.tmp. and 16
 * random hex digits (see our_tmp()).  Returns 0, or -1.
 */
static int
tmp_name(char *buf, size_t size, const char *name)
{
	unsigned char	 r[8];

	if (compat_random(r, sizeof(r)) == -1)
		return -1;
	snprintf(buf, size, "%s.tmp.%02x%02x%02x%02x%02x%02x%02x%02x", name,
	    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	return 0;
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
 * Whether d is a temporary file of ours in the cache directory: 32 hex
 * digits, optionally ".err", then ".tmp." and 16 hex digits, exactly.
 */
static int
our_tmp(const char *d)
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
	if (seal_random(root, SEAL_KEY_LEN) == -1 ||
	    tmp_name(tmp, sizeof(tmp), base) == -1)
		return -1;
	if ((fd = openat(kfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
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
static int
entry_key(struct cache *c, int create)
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
	if ((kfd = open_dir(dir, "cache key directory")) != -1) {
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

/*
 * Open the cache for the configuration in s.  Without a usable cache
 * (disabled, --insecure, no location, unsafe directory) c->dirfd is -1
 * and every other cache call does nothing.  Returns CT_ERR_INTERNAL
 * only when out of memory.
 */

enum ct_err
cache_open(const struct settings *s, struct cache *c)
{
	cache_init(c);
	c->set = s;
	if (s->cache == CACHE_OFF) {
		note(c, "off (%s)", s->cache_from);
		return CT_OK;
	}
	if (SET_NUM(s, INSECURE) && s->cache != CACHE_CLEAR) {
		note(c, "off (--insecure: a token from an unverified server "
		    "is neither stored nor served)");
		return CT_OK;
	}
	if (s->cache_dir == NULL) {
		note(c, "off: no location (set --cache-dir or HOME)");
		return CT_OK;
	}
	if (s->secret_kind != SECRET_LITERAL && s->key_file == NULL &&
	    s->cache != CACHE_CLEAR) {
		note(c, "off: no location for the cache key (set "
		    "XDG_STATE_HOME or HOME)");
		return CT_OK;
	}
	if (make_ctx(s, (int)s->secret_kind, &c->ctx) == -1)
		return CT_ERR_INTERNAL;
	if (seal_name(&c->ctx, c->name) == -1) {
		warnmsg("warning: cannot name the cache entry; going on "
		    "without a cache");
		return CT_OK;
	}
	c->dirfd = open_dir(s->cache_dir, "cache directory");
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

/*
 * Read and unseal the entry `name` of the given kind: its payload
 * (owned, to be wiped) in *plain and *plen, and 0; or -1 with *why.
 */
static int
open_entry(struct cache *c, const char *name, char kind, char **plain,
    size_t *plen, const char **why)
{
	unsigned char	*e;
	ssize_t		 n;
	int		 rc;

	if ((n = read_entry(c, name, &e, why)) == -1)
		return -1;
	/* an entry of an earlier release needs no key to be refused */
	if ((n < 4 || (memcmp(e, "CTK1", 4) != 0 && memcmp(e, "CTK2",
	    4) != 0)) && entry_key(c, 0) == -1) {
		free(e);
		*why = "no key";
		return -1;
	}
	rc = unseal(c->key, &c->ctx, kind, e, (size_t)n, plain, plen, why);
	free(e);
	return rc;
}

/* This moment; its boot is read later, if something needs it. */
static void
stamp_now(struct cache_stamp *now)
{
	memset(now, 0, sizeof(*now));
	now->wall_ms = wall_ns() / 1000000;
	now->clock_ms = now_ms();
	now->clock = (int)compat_clock_id();
}

/* The boot of the moment now, read once: "" when the system has none. */
static const char *
stamp_boot(struct cache_stamp *now)
{
	if (!now->boot_read && compat_boot_id(now->boot,
	    sizeof(now->boot)) == -1)
		now->boot[0] = '\0';
	now->boot_read = 1;
	return now->boot;
}

/* Add the stamp st to the object o (a payload): 0, or -1. */
static int
stamp_add(json_t *o, struct cache_stamp *st)
{
	return json_object_set_new(o, "wall_ms",
	    json_integer((json_int_t)st->wall_ms)) |
	    json_object_set_new(o, "clock_ms",
	    json_integer((json_int_t)st->clock_ms)) |
	    json_object_set_new(o, "clock", json_integer(st->clock)) |
	    json_object_set_new(o, "boot", json_string(stamp_boot(st)));
}

/* The stamp of the payload root in st: 0, or -1 if it has none. */
static int
stamp_get(json_t *root, struct cache_stamp *st)
{
	json_t	*w = json_object_get(root, "wall_ms");
	json_t	*c = json_object_get(root, "clock_ms");
	json_t	*id = json_object_get(root, "clock");
	json_t	*b = json_object_get(root, "boot");

	if (!json_is_integer(w) || !json_is_integer(c) ||
	    !json_is_integer(id) || !json_is_string(b) ||
	    json_integer_value(w) < 0 || json_integer_value(w) > MAX_MS ||
	    json_integer_value(c) < 0 || json_integer_value(c) > MAX_MS ||
	    json_integer_value(id) < INT_MIN ||
	    json_integer_value(id) > INT_MAX ||
	    json_string_length(b) >= sizeof(st->boot))
		return -1;
	st->wall_ms = json_integer_value(w);
	st->clock_ms = json_integer_value(c);
	st->clock = (int)json_integer_value(id);
	memcpy(st->boot, json_string_value(b), json_string_length(b) + 1);
	st->boot_read = 1;
	return 0;
}

/*
 * How long ago (ms) the stamp then was, seen from now: on the clock of
 * lifetimes within one boot (*same set), on the wall clock across
 * boots or when the boot is unknown.  Unless the wall clock was stepped
 * or this is another boot, the clocks moved together and agree: only
 * otherwise is the boot read, so that a hit costs no system call more.
 */
static long long
ago_ms(const struct cache_stamp *then, struct cache_stamp *now, int *same)
{
	long long	 d = (now->wall_ms - now->clock_ms) -
			    (then->wall_ms - then->clock_ms);

	*same = then->clock == now->clock && ((d > -AGREE_MS &&
	    d < AGREE_MS) || (then->boot[0] != '\0' &&
	    strcmp(then->boot, stamp_boot(now)) == 0));
	return *same ? now->clock_ms - then->clock_ms :
	    now->wall_ms - then->wall_ms;
}

/*
 * Whether the token t received at then may be served now, and *left
 * its seconds left.  A token received after since_ms (this boot, on the
 * clock of lifetimes; -1: no such moment) was fetched for us: it is
 * served with any time left, or with no lifetime given; any other needs
 * min_ttl seconds.  Returns NULL, or why not; *how says more on a hit.
 */
static const char *
judge(const struct token *t, const struct cache_stamp *then,
    struct cache_stamp *now, long long since_ms, long long min_ttl,
    long long *left, const char **how)
{
	long long	 ago;
	int		 same, fresh;

	ago = ago_ms(then, now, &same);
	fresh = same && since_ms >= 0 && then->clock_ms >= since_ms;
	*how = same ? "" : ", by the wall clock: another boot";
	*left = 0;
	if (ago < 0)
		return same ? "received in the future on the clock of this "
		    "boot" : "received in the future by the wall clock "
		    "(stepped back, or another boot)";
	if (!t->has_expiry)
		return fresh ? NULL : "no lifetime given: it was only for "
		    "the processes waiting for it";
	*left = t->expires_in - (ago + 999) / 1000;
	if (fresh && *left > 0 && *left < min_ttl)
		*how = ", fetched since this call began: --min-ttl not "
		    "applied";
	if (*left < (fresh ? 1 : min_ttl))
		return "expired";
	return NULL;
}

/*
 * The token held in an opened entry's payload (len bytes of JSON), if
 * judge() serves it at now (since_ms and min_ttl as there); the token
 * (caller frees) then has expires_in set to what is left, or no expiry
 * when the server gave none, and *why a remark for the -v line ("" or
 * more).  Otherwise NULL, with *why saying why and *left the seconds
 * left (for "expired").  now's boot is read if it is needed.
 */
struct token *
cache_entry_token(const char *plain, size_t len, struct cache_stamp *now,
    long long since_ms, long long min_ttl, const char **why,
    long long *left)
{
	struct cache_stamp then;
	struct token	*t = NULL;
	json_t		*root;
	const char	*how = "";

	*left = 0;
	root = json_loadb(plain, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root) || stamp_get(root, &then) == -1)
		*why = "unreadable payload";
	else if ((*why = token_from_object(root, &t)) != NULL || t == NULL) {
		if (*why == NULL)
			*why = "out of memory";
	} else
		*why = judge(t, &then, now, since_ms, min_ttl, left, &how);
	json_decref(root);
	if (*why != NULL) {
		token_free(t);
		return NULL;
	}
	if (t->has_expiry)
		t->expires_in = *left;
	t->received_at = (time_t)(now->wall_ms / 1000);
	*why = how;
	return t;
}

/*
 * The cached token if there is one for this configuration and secret
 * with at least --min-ttl seconds left, or one fetched since this call
 * began looking (under single flight: any time left, or no lifetime);
 * NULL otherwise (a miss).  The token (caller frees) has expires_in set
 * to the remaining lifetime.  The first call of a fetch marks when it
 * began; after cache_lock() only a hit is reported.  Never runs the
 * secret command nor prompts.
 */
struct token *
cache_lookup(struct cache *c)
{
	const struct settings *s = c->set;
	struct cache_stamp now;
	struct token	*t;
	char		*plain;
	size_t		 plen;
	long long	 left;
	const char	*why;
	int		 again = c->since_ms >= 0;

	if (!again)
		c->since_ms = now_ms();
	if (c->dirfd == -1 || s->cache != CACHE_ON)
		return NULL;
	if (open_entry(c, c->name, KIND_TOKEN, &plain, &plen, &why) == -1) {
		if (again)
			return NULL;
		if (strcmp(why, "none") == 0)
			note(c, "miss");
		else
			note(c, "rejected (%s)", why);
		return NULL;
	}
	/* now after the read: an entry stored meanwhile is not "future" */
	stamp_now(&now);
	t = cache_entry_token(plain, plen, &now, again ? c->since_ms : -1,
	    SET_NUM(s, MIN_TTL), &why, &left);
	wipe_free(plain, plen);
	if (t != NULL && c->lockfd == -1)	/* served: this call ends */
		c->since_ms = -1;
	if (t == NULL && again)
		return NULL;
	if (t != NULL && t->has_expiry)
		note(c, "hit (%lld s left%s)", left, why);
	else if (t != NULL)
		note(c, "hit (no lifetime given%s, fetched since this call "
		    "began)", why);
	else if (strcmp(why, "expired") == 0)
		note(c, "expired (%lld s left, --min-ttl %lld)", left,
		    SET_NUM(s, MIN_TTL));
	else
		note(c, "rejected (%s)", why);
	return t;
}

/*
 * --status: the cached token of this configuration with any time left,
 * whatever --min-ttl says, and *left its seconds left; or NULL with
 * *why saying why there is none ("none": no entry).  The token (caller
 * frees) has expires_in set to *left and received_at to now.  Never
 * runs the secret command nor prompts; makes no cache key.
 */
struct token *
cache_peek(struct cache *c, long long *left, const char **why)
{
	struct cache_stamp now;
	struct token	*t;
	char		*plain;
	size_t		 plen;

	*left = 0;
	if (c->dirfd == -1) {
		*why = "no cache";
		return NULL;
	}
	if (open_entry(c, c->name, KIND_TOKEN, &plain, &plen, why) == -1)
		return NULL;
	stamp_now(&now);
	t = cache_entry_token(plain, plen, &now, -1, 0, why, left);
	wipe_free(plain, plen);
	return t;
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * Block on the lock until it is ours (CT_OK), SIGINT or SIGTERM is
 * caught (CT_ERR_SIGNAL) or the deadline passes (CT_ERR_NETWORK, after
 * a message).
 */
static enum ct_err
wait_lock(int fd, long long deadline_ms)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval tick = { { 0, 50000 }, { 0, 50000 } }, off = { 0 };
	enum ct_err	 rc = CT_ERR_NETWORK;

	/* no SA_RESTART: the 50 ms tick interrupts flock to check time */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, &old) == -1) {
		warnmsg("cannot wait for the cache lock: %s", strerror(errno));
		return CT_ERR_INTERNAL;
	}
	setitimer(ITIMER_REAL, &tick, NULL);
	while (!interrupted() && now_ms() < deadline_ms) {
		if (flock(fd, LOCK_EX) == 0) {
			rc = CT_OK;
			break;
		}
		if (errno != EINTR)
			break;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (rc != CT_OK && interrupted())
		return CT_ERR_SIGNAL;
	if (rc != CT_OK)
		warnmsg("timed out waiting for another collibra-token "
		    "process to fetch the token");
	return rc;
}

/*
 * Take this configuration's lock, waiting (within --timeout) while
 * another process fetches.
 * Lock trouble other than a timeout or a signal means going on
 * without the lock.
 */
enum ct_err
cache_lock(struct cache *c)
{
	char	 path[sizeof(c->name) + 5];
	enum ct_err	 rc;
	int		 fd;

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
	if (c->since_ms < 0)
		c->since_ms = now_ms();
	note(c, "waiting for another collibra-token to fetch");
	if ((rc = wait_lock(fd, c->set->deadline_ms)) != CT_OK) {
		close(fd);
		c->since_ms = -1;
		return rc;
	}
	c->lockfd = fd;
	return CT_OK;
}

/* Let go of the lock, for a process that fetches again later. */
void
cache_unlock(struct cache *c)
{
	if (c->lockfd != -1)
		close(c->lockfd);
	c->lockfd = -1;
	c->since_ms = -1;
}

/*
 * The error record's class and message in *code and *msg (borrowed
 * from root), if it was written since this call began looking (this
 * boot, on the clock of lifetimes: a stepped wall clock cannot make an
 * old record look new).  Returns 0, or -1 for a stale or bad record.
 */
static int
fresh_error(const struct cache *c, json_t *root, json_int_t *code,
    const char **msg)
{
	struct cache_stamp then, now;
	int		 same;

	stamp_now(&now);
	*code = json_integer_value(json_object_get(root, "error"));
	*msg = json_string_value(json_object_get(root, "message"));
	if (!json_is_object(root) || stamp_get(root, &then) == -1 ||
	    *code <= CT_OK || *code >= CT_ERR_SIGNAL || *msg == NULL)
		return -1;
	return ago_ms(&then, &now, &same) >= 0 && same && c->since_ms >= 0 &&
	    then.clock_ms >= c->since_ms ? 0 : -1;
}

/*
 * Holding the lock, before a fetch: if another process failed since
 * this call began, report its error (the same line and class) instead
 * of asking the server again.  Any other error record is stale:
 * it is removed.  Returns CT_OK when there is no such failure.
 */
enum ct_err
cache_shared_error(struct cache *c)
{
	char		 path[sizeof(c->name) + 4], *plain;
	size_t		 plen;
	json_t		*root;
	json_int_t	 code;
	const char	*why, *msg;

	if (c->dirfd == -1 || c->lockfd == -1)
		return CT_OK;
	snprintf(path, sizeof(path), "%s.err", c->name);
	if (open_entry(c, path, KIND_ERROR, &plain, &plen, &why) == -1) {
		if (strcmp(why, "none") != 0 && unlinkat(c->dirfd, path,
		    0) == 0)
			note(c, "removed a stale error record (%s)", why);
		return CT_OK;
	}
	root = json_loadb(plain, plen, JSON_REJECT_DUPLICATES, NULL);
	wipe_free(plain, plen);
	if (fresh_error(c, root, &code, &msg) == -1) {
		if (unlinkat(c->dirfd, path, 0) == 0)
			note(c, "removed a stale error record");
		json_decref(root);
		return CT_OK;
	}
	note(c, "another process failed since this call began; not "
	    "retrying");
	warnmsg("%s", msg);
	json_decref(root);
	return (enum ct_err)code;
}

/* Remove temporary files of ours that a killed process left behind. */
static void
remove_stale(const struct cache *c)
{
	struct dirent	*d;
	struct stat	 st;
	DIR		*dir;
	time_t		 now = time(NULL);

	if ((dir = dir_entries(c->dirfd)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (!our_tmp(d->d_name) ||
		    fstatat(c->dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode) || now - st.st_mtime < STALE_TMP_SEC)
			continue;
		(void)unlinkat(c->dirfd, d->d_name, 0);
	}
	closedir(dir);
}

/*
 * Remove this configuration's entry (and error record) of the previous
 * release, if there is one: files of that name that start "CTK1".
 */
static void
remove_v1(const struct cache *c)
{
	struct seal_ctx	 ctx;
	char		 name[33], path[sizeof(name) + 4], magic[4];
	int		 fd, i, rc, found = 0;
	ssize_t		 n;

	if (make_ctx(c->set, V1, &ctx) == -1)
		return;
	rc = seal_name_v1(&ctx, name);
	free(ctx.data);
	for (i = 0; rc == 0 && i < 2; i++) {
		snprintf(path, sizeof(path), "%s%s", name, i ? ".err" : "");
		if ((fd = openat(c->dirfd, path, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC | O_NONBLOCK)) == -1)
			continue;
		n = read(fd, magic, sizeof(magic));
		close(fd);
		if (n == 4 && memcmp(magic, "CTK1", 4) == 0 &&
		    unlinkat(c->dirfd, path, 0) == 0)
			found = 1;
	}
	if (found)
		note(c, "removed %s", SEAL_OLD_FORMAT);
}

/*
 * Seal the JSON object o as `name` of the given kind: write a new
 * temporary file (0600), then rename it over the entry, so that a
 * process killed at any point leaves the old entry or the new one.
 */
static int
write_entry(struct cache *c, const char *name, char kind, json_t *o)
{
	unsigned char	*e = NULL;
	char		 tmp[64], *plain;
	size_t		 elen, plen;
	int		 fd, rc = -1;

	if (entry_key(c, 1) == -1 ||
	    (plain = json_dumps(o, JSON_COMPACT)) == NULL)
		return -1;
	plen = strlen(plain);
	if (seal(c->key, &c->ctx, kind, plain, plen, &e, &elen) == -1 ||
	    tmp_name(tmp, sizeof(tmp), name) == -1) {
		wipe_free_any(plain);
		free(e);
		return -1;
	}
	wipe_free_any(plain);
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

/*
 * Store a fresh token for this configuration, stamped with the moment
 * now (NULL: this one) as when it was received.  A token without a
 * lifetime is stored for the processes waiting for it only.
 */
void
cache_store_stamped(struct cache *c, const struct token *t,
    const struct cache_stamp *at)
{
	struct cache_stamp now;
	json_t		*o;
	long long	 lost;
	int		 rc;

	if (c->dirfd == -1)
		return;
	if (at != NULL)
		now = *at;
	else
		stamp_now(&now);
	/* what passed since the response came, in whole seconds */
	lost = now.wall_ms / 1000 - (long long)t->received_at;
	if (lost < 0)
		lost = 0;
	if (t->has_expiry && t->expires_in - lost <= 0) {
		note(c, "not stored (no lifetime left)");
		return;
	}
	o = json_pack("{s:s, s:s}", "access_token", t->access_token,
	    "token_type", t->token_type);
	if (o != NULL && (stamp_add(o, &now) != 0 || (t->has_expiry &&
	    json_object_set_new(o, "expires_in",
	    json_integer((json_int_t)(t->expires_in - lost))) != 0) ||
	    (t->scope != NULL && json_object_set_new(o, "scope",
	    json_string(t->scope)) != 0))) {
		json_decref(o);
		o = NULL;
	}
	errno = 0;
	rc = o != NULL ? write_entry(c, c->name, KIND_TOKEN, o) : -1;
	json_decref(o);
	if (rc == -1 && c->keyed)
		warnmsg("warning: cannot write the cache entry: %s",
		    errno != 0 ? strerror(errno) : "cannot seal it");
	else if (rc == 0 && !t->has_expiry)
		note(c, "stored for the processes waiting now, not for later "
		    "calls (no lifetime given)");
	else if (rc == 0)
		note(c, "%s", c->set->cache == CACHE_REFRESH ? "refreshed" :
		    "stored");
	remove_v1(c);
	remove_stale(c);
}

/* Store a fresh token for this configuration, received now. */
void
cache_store(struct cache *c, const struct token *t)
{
	cache_store_stamped(c, t, NULL);
}

/*
 * Record a failed fetch (its class and message) for the processes that
 * are waiting on the lock, so that they report it instead of retrying.
 * An interruption is not recorded: it is ours alone.
 */
void
cache_store_error(struct cache *c, enum ct_err rc)
{
	struct cache_stamp now;
	char		 path[sizeof(c->name) + 4];
	json_t		*o;

	if (c->dirfd == -1 || c->lockfd == -1 || rc == CT_ERR_SIGNAL)
		return;
	snprintf(path, sizeof(path), "%s.err", c->name);
	stamp_now(&now);
	o = json_pack("{s:i, s:s}", "error", (int)rc, "message",
	    last_message());
	if (o != NULL && stamp_add(o, &now) == 0)
		(void)write_entry(c, path, KIND_ERROR, o);
	json_decref(o);
}

/* Remove the entry `name` and its error record; 0, or -1 (errno). */
static int
clear_one(const struct cache *c, const char *name)
{
	char	 path[sizeof(c->name) + 4];

	snprintf(path, sizeof(path), "%s.err", name);
	(void)unlinkat(c->dirfd, path, 0);
	return unlinkat(c->dirfd, name, 0) == -1 && errno != ENOENT ? -1 : 0;
}

/*
 * --clear-cache: remove this configuration's entries: the one for a
 * literal secret, the one for a prompt, the one for the secret command
 * if one is set, and the previous release's.  Exits 0 if there is none.
 */
enum ct_err
cache_clear(struct cache *c)
{
	struct seal_ctx	 ctx;
	char		 name[33];
	int		 kind, rc = 0;

	if (c->dirfd == -1)
		return CT_OK;
	for (kind = SECRET_LITERAL; rc == 0 && kind <= SECRET_PROMPT; kind++) {
		if (kind == SECRET_COMMAND && c->set->secret_command == NULL)
			continue;
		if (make_ctx(c->set, kind, &ctx) == -1)
			return CT_ERR_INTERNAL;
		rc = seal_name(&ctx, name) == 0 ? clear_one(c, name) : -1;
		free(ctx.data);
	}
	if (rc == -1) {
		warnmsg("cannot remove the cache entry: %s", strerror(errno));
		return CT_ERR_INTERNAL;
	}
	remove_v1(c);
	note(c, "cleared");
	return CT_OK;
}

/* Release the lock, wipe the key and free c.  Accepts an unused cache. */
void
cache_close(struct cache *c)
{
	if (c->lockfd != -1)
		close(c->lockfd);
	if (c->dirfd != -1)
		close(c->dirfd);
	free(c->ctx.data);
	compat_wipe(c->key, sizeof(c->key));
	c->ctx.data = NULL;
	c->keyed = 0;
	c->lockfd = c->dirfd = -1;
}
