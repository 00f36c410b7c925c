/*
 * --watch: keep running and keep a token fresh, in the file of -o, or
 * in a private file that a command started as our child reads through
 * $COLLIBRA_TOKEN_FILE.  The token is replaced before it expires: when
 * less than --min-ttl is left, and at the latest when a third of its
 * lifetime is left.  Transient failures are retried with backoff while
 * the token in the file is still valid.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

#define NO_EXPIRY_MS	(300 * 1000LL)	/* refresh of a token without one */
#define BACKOFF_MIN_MS	1000LL
#define BACKOFF_MAX_MS	30000LL
#define TICK_MS		100LL		/* longest sleep between checks */
#define GRACE_MS	10000LL		/* for a command told to stop */

struct watch {
	struct settings	*set;
	struct token	**tok;		/* the caller's; replaced as we go */
	watch_fetch	 fetch;
	void		*arg;
	char		*dir;		/* owned: private directory, or NULL */
	char		*path;		/* owned: the file kept fresh */
	pid_t		 child;		/* -1: none, or it ended */
	int		 status;	/* the child's, as a shell reports it */
	long long	 expires_ms;	/* monotonic; -1: no expiry */
	long long	 backoff_ms;
	int		 written;	/* the file is ours to remove */
};

/*
 * How long to keep t before fetching the next one: until --min-ttl is
 * left, but at most two thirds of its lifetime and at least one third
 * (a --min-ttl close to the lifetime cannot be honoured without asking
 * the server all the time), and at least a second.
 */
static long long
refresh_delay_ms(const struct token *t, long long min_ttl)
{
	long long	 life, wait;

	if (!t->has_expiry)
		return NO_EXPIRY_MS;
	life = t->expires_in * 1000;
	wait = life - min_ttl * 1000;
	if (wait > life * 2 / 3)
		wait = life * 2 / 3;
	if (wait < life / 3)
		wait = life / 3;
	return wait < 1000 ? 1000 : wait;
}

/* Write the token to the file, and note when it expires. */
static enum ct_err
keep(struct watch *w)
{
	const struct token *t = *w->tok;
	enum ct_err	 rc;

	w->expires_ms = t->has_expiry ? now_ms() + t->expires_in * 1000 :
	    -1;
	if ((rc = output_file(t, w->set, w->path)) == CT_OK)
		w->written = 1;
	return rc;
}

/*
 * The private directory of a command's token file: a new 0700
 * directory under XDG_RUNTIME_DIR, else the cache directory.
 */
static enum ct_err
make_private(struct watch *w)
{
	const char	*base = w->set->runtime_dir;
	size_t		 n;

	if (base == NULL) {
		warnmsg("--watch: no place for the token file (set "
		    "XDG_RUNTIME_DIR or --cache-dir)");
		return CT_ERR_USAGE;
	}
	(void)mkdir(base, 0700);
	n = strlen(base) + sizeof("/collibra-token-watch.XXXXXX/token");
	if ((w->dir = xmalloc(n)) == NULL || (w->path = xmalloc(n)) == NULL)
		return CT_ERR_INTERNAL;
	snprintf(w->dir, n, "%s/collibra-token-watch.XXXXXX", base);
	if (mkdtemp(w->dir) == NULL) {
		warnmsg("--watch: cannot make a directory in %s: %s", base,
		    strerror(errno));
		free(w->dir);
		w->dir = NULL;
		return CT_ERR_INTERNAL;
	}
	snprintf(w->path, n, "%s/token", w->dir);
	return CT_OK;
}

/* Reap the child if it ended; its status as a shell reports it. */
static int
child_ended(struct watch *w)
{
	int	 st;

	if (w->child == -1 || waitpid(w->child, &st, WNOHANG) != w->child)
		return 0;
	if (WIFSTOPPED(st) || WIFCONTINUED(st))
		return 0;
	w->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	w->child = -1;
	return 1;
}

/* Sleep up to ms milliseconds; a signal ends it early. */
static void
nap(long long ms)
{
	struct timespec	 ts;

	if (ms > TICK_MS)
		ms = TICK_MS;
	if (ms < 0)
		ms = 0;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(ms * 1000000);
	(void)nanosleep(&ts, NULL);
}

/*
 * Wait until the monotonic time at, forwarding signals to the child
 * (each one caught is forwarded, then forgotten, so that the fetches
 * go on; one from the terminal reached the child already).  Returns
 * CT_OK when it is time to refresh; *done is set when the child ended,
 * and CT_ERR_SIGNAL is returned for a signal to us alone.
 */
static enum ct_err
wait_until(struct watch *w, long long at, int *done)
{
	int	 sig, tty;

	for (;;) {
		while ((sig = process_take_signal(&tty)) != 0) {
			if (w->child == -1) {
				process_note_signal(sig);
				return CT_ERR_SIGNAL;
			}
			if (!tty)	/* else the terminal's reached it */
				(void)kill(w->child, sig);
			verbosef(w->set, "watch: signal %d %s", sig, tty ?
			    "came from the terminal, as to the command" :
			    "forwarded to the command");
			if (sig == SIGINT || sig == SIGTERM)
				process_forget_signal();
		}
		if (child_ended(w)) {
			*done = 1;
			return CT_OK;
		}
		if (now_ms() >= at)
			return CT_OK;
		nap(at - now_ms());
	}
}

/*
 * True if a failed refresh may succeed later: a network error, or a
 * server error (HTTP 5xx, 429, or another status a token endpoint
 * should not give, such as a redirect).
 */
static int
transient(enum ct_err rc)
{
	return rc == CT_ERR_NETWORK || rc == CT_ERR_SERVER;
}

/*
 * One refresh: a new token from the server into the file.  Returns the
 * delay to the next one in *next, or an error that ends the watch.
 * A transient failure is one line on stderr and a retry with backoff,
 * while the token in the file is valid.
 */
static enum ct_err
refresh(struct watch *w, long long *next)
{
	struct token	*t = NULL;
	long long	 left;
	enum ct_err	 rc;

	warn_defer(1);
	rc = w->fetch(w->arg, &t);
	warn_defer(0);
	if (rc == CT_OK) {
		token_free(*w->tok);
		*w->tok = t;
		w->backoff_ms = BACKOFF_MIN_MS;
		if ((rc = keep(w)) != CT_OK)
			return rc;
		*next = refresh_delay_ms(t, SET_NUM(w->set, MIN_TTL));
		verbosef(w->set, "watch: new token in %s; next in %lld s",
		    w->path, *next / 1000);
		return CT_OK;
	}
	if (rc == CT_ERR_SIGNAL && w->child != -1) {
		*next = 0;	/* forward it, then fetch again */
		return CT_OK;
	}
	left = w->expires_ms < 0 ? BACKOFF_MAX_MS : w->expires_ms - now_ms();
	if (rc == CT_ERR_SIGNAL || !transient(rc) || left <= 0) {
		if (rc != CT_ERR_SIGNAL)
			warnmsg("%s", last_message());
		return rc;
	}
	*next = w->backoff_ms < left ? w->backoff_ms : left;
	warnmsg("watch: %s; retrying in %lld s, the token in the file is "
	    "valid for %lld s more", last_message(), (*next + 999) / 1000,
	    left / 1000);
	if ((w->backoff_ms *= 2) > BACKOFF_MAX_MS)
		w->backoff_ms = BACKOFF_MAX_MS;
	return CT_OK;
}

/*
 * Stop a child that is still running (SIGTERM, then SIGKILL after a
 * grace period), and take the file and its directory away.
 */
static void
finish(struct watch *w)
{
	long long	 until = now_ms() + GRACE_MS;

	if (w->child != -1)
		(void)kill(w->child, SIGTERM);
	while (w->child != -1 && !child_ended(w)) {
		if (now_ms() >= until) {
			(void)kill(w->child, SIGKILL);
			until = now_ms() + GRACE_MS;
		}
		nap(TICK_MS);
	}
	if (w->path != NULL && w->written)
		(void)unlink(w->path);
	if (w->dir != NULL)
		(void)rmdir(w->dir);
	free(w->path);
	free(w->dir);
}

/*
 * Run --watch with *tok as the first token: keep it in the file of -o,
 * or start command with $COLLIBRA_TOKEN_FILE, and replace it with what
 * fetch(arg, ...) gets before it expires.  Ends on a signal (the file
 * is removed; CT_ERR_SIGNAL), on a failure that cannot be retried or
 * outlived the token (its error), or when the command ends: *status is
 * then its exit status (128 + N after signal N), else -1.
 */
enum ct_err
watch_run(struct settings *s, struct token **tok, char **command,
    watch_fetch fetch, void *arg, int *status)
{
	struct watch	 w = { .set = s, .tok = tok, .fetch = fetch,
			    .arg = arg, .child = -1, .status = -1,
			    .backoff_ms = BACKOFF_MIN_MS };
	long long	 next;
	enum ct_err	 rc;
	int		 done = 0;

	process_watch_signals();
	if (command != NULL)
		rc = make_private(&w);
	else
		rc = (w.path = xstrdup(SET_STR(s, OUTPUT))) == NULL ?
		    CT_ERR_INTERNAL : CT_OK;
	if (rc == CT_OK)
		rc = keep(&w);
	if (rc == CT_OK && command != NULL)
		rc = process_spawn(command, SET_STR(s, VAR), w.path,
		    &w.child);
	next = refresh_delay_ms(*tok, SET_NUM(s, MIN_TTL));
	while (rc == CT_OK && !done &&
	    (rc = wait_until(&w, now_ms() + next, &done)) == CT_OK && !done)
		rc = refresh(&w, &next);
	finish(&w);
	*status = done ? w.status : -1;	/* not when finish() stopped it */
	return rc;
}
