/*
 * The token cache: one sealed entry per configuration (everything that
 * makes a token valid, see make_ctx()) in a private directory, a lock
 * file for single flight, and atomic replacement (temporary file, then
 * rename).  Entries for a literal secret are keyed by the secret; those
 * for a secret command or a prompt by the user's cache key, a 0600 file
 * outside the cache directory (cachekey.c).  A directory that
 * safedir_open() refuses is not used.  Whether an entry is fresh is
 * fresh.c's.  Cache trouble never fails a fetch: it is reported and the
 * tool goes on without a cache.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "extern.h"
#include "cache_priv.h"

#define MAX_ENTRY	(64 * 1024)
#define V1		-1	/* make_ctx(): the previous release's */

static void	 cache_close(struct cache *);

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

/* A cache that is not open: cache_free() on it does nothing more. */
static void
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
	c->dirfd = safedir_cache(s->cache_dir, "cache directory");
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
	    4) != 0)) && cache_entry_key(c, 0) == -1) {
		free(e);
		*why = "no key";
		return -1;
	}
	rc = unseal(c->key, &c->ctx, kind, e, (size_t)n, plain, plen, why);
	free(e);
	return rc;
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
	if (open_entry(c, c->name, ENTRY_TOKEN, &plain, &plen, &why) == -1) {
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
	if (open_entry(c, c->name, ENTRY_TOKEN, &plain, &plen, why) == -1)
		return NULL;
	stamp_now(&now);
	t = cache_entry_token(plain, plen, &now, -1, 0, why, left);
	wipe_free(plain, plen);
	return t;
}

/*
 * The path of this configuration's entry, DIR/NAME (owned), for
 * --status; NULL when the cache is not open or memory runs out.
 */
char *
cache_entry_path(const struct cache *c)
{
	char	*p;
	size_t	 n;

	if (c->dirfd == -1 || c->set->cache_dir == NULL)
		return NULL;
	n = strlen(c->set->cache_dir) + sizeof(c->name) + 2;
	if ((p = xmalloc(n)) != NULL)
		snprintf(p, n, "%s/%s", c->set->cache_dir, c->name);
	return p;
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
	return stamp_ago_ms(&then, &now, &same) >= 0 && same &&
	    c->since_ms >= 0 && then.clock_ms >= c->since_ms ? 0 : -1;
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
	if (open_entry(c, path, ENTRY_ERROR, &plain, &plen, &why) == -1) {
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
	char		 tmp[NAME_MAX + 1], *plain;
	size_t		 elen, plen;
	int		 fd, rc = -1;

	if (cache_entry_key(c, 1) == -1 ||
	    (plain = json_dumps(o, JSON_COMPACT)) == NULL)
		return -1;
	plen = strlen(plain);
	if (seal(c->key, &c->ctx, kind, plain, plen, &e, &elen) == -1) {
		wipe_free_any(plain);
		free(e);
		return -1;
	}
	wipe_free_any(plain);
	if ((fd = tmp_create(c->dirfd, name, tmp, sizeof(tmp))) != -1) {
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
	rc = o != NULL ? write_entry(c, c->name, ENTRY_TOKEN, o) : -1;
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
	tmp_sweep(c->dirfd, NULL);
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
		(void)write_entry(c, path, ENTRY_ERROR, o);
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

/*
 * A new cache that is not open (cache_open() opens it), owned: free it
 * with cache_free().  NULL when out of memory.
 */
struct cache *
cache_new(void)
{
	struct cache	*c;

	if ((c = xmalloc(sizeof(*c))) != NULL)
		cache_init(c);
	return c;
}

/*
 * The descriptor of the open cache directory (borrowed), or -1: --watch
 * may put its token directory there.
 */
int
cache_dirfd(const struct cache *c)
{
	return c->dirfd;
}

/* Release the lock, wipe the key and free c.  Accepts NULL. */
void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	cache_close(c);
	free(c);
}

/* Release the lock, wipe the key; c is a cache not open again. */
static void
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
