/*
 * --watch: keep running and keep a token fresh, in the file of -o, or
 * in a private file that a command started as our child reads through
 * $COLLIBRA_TOKEN_FILE.  The token is replaced before it expires: when
 * less than --min-ttl is left, and at the latest when a third of its
 * lifetime is left.  Times are on the clock of now_ms(), which counts
 * suspend, and an idle watch sleeps until something is due.  Transient
 * failures are retried with backoff: with -o while the token in the
 * file is valid, with a command for as long as it runs.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "extern.h"

#define NO_EXPIRY_MS	(300 * 1000LL)	/* refresh of a token without one */
#define BACKOFF_MIN_MS	1000LL
#define BACKOFF_MAX_MS	30000LL
#define GRACE_MS	10000LL		/* for a command told to stop */
#define DIR_PREFIX	"collibra-token-watch."
#define PID_FILE	"pid"
#define TOKEN_FILE	"token"

struct watch {
	struct settings	*set;
	struct token	**tok;		/* the caller's; replaced as we go */
	watch_fetch	 fetch;
	void		*arg;
	struct watch_dir *dir;		/* a command's directory, or NULL */
	const char	*path;		/* borrowed: the file kept fresh */
	pid_t		 child;		/* -1: none, or it ended */
	int		 tty;		/* the terminal it holds, or -1 */
	int		 status;	/* the child's, as a shell reports it */
	long long	 expires_ms;	/* now_ms() clock; -1: no expiry */
	long long	 backoff_ms;
	int		 written;	/* the file is ours to remove */
	int		 expired;	/* said that the file's token expired */
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

/*
 * Why path (or path/sub, made 0700 if missing) cannot be the base of
 * our directory, or NULL with *fd open on it (safedir_open()).
 */
static const char *
open_base(const char *path, const char *sub, int *fd)
{
	const char	*sep;

	return safedir_open(path, sub, 0, fd, &sep);
}

/* True if the directory name in basefd is ours and its watch is dead. */
static int
is_stale(int basefd, const char *name)
{
	struct stat	 st;
	const char	*why;
	char		 buf[24];
	long long	 pid;
	ssize_t		 n = -1;
	int		 fd, pfd;

	fd = openat(basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (fstat(fd, &st) == 0 && st.st_uid == geteuid() &&
	    (pfd = openat(fd, PID_FILE, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) != -1) {
		n = read(pfd, buf, sizeof(buf) - 1);
		close(pfd);
	}
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return parse_number(buf, 1, 1LL << 30, &pid, &why) == 0 &&
	    owner_dead((long)pid);
}

/* Empty the directory name in basefd (entries only), then remove it. */
static void
remove_dir(int basefd, const char *name)
{
	struct dirent	*e;
	DIR		*d;
	int		 fd;

	fd = openat(basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return;
	if ((d = dir_entries(fd)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				(void)unlinkat(fd, e->d_name, 0);
		closedir(d);
	}
	close(fd);
	(void)unlinkat(basefd, name, AT_REMOVEDIR);
}

/* Remove the directories that watches now dead left in basefd. */
static void
remove_stale(const struct settings *s, int basefd)
{
	struct dirent	*e;
	DIR		*d;

	if ((d = dir_entries(basefd)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, DIR_PREFIX, strlen(DIR_PREFIX)) != 0 ||
		    !is_stale(basefd, e->d_name))
			continue;
		verbosef(s, "watch: removing %s, left by a watch that died",
		    e->d_name);
		remove_dir(basefd, e->d_name);
	}
	closedir(d);
}

/*
 * Choose the base of the token directory: XDG_RUNTIME_DIR, else the
 * open cache directory, else TMPDIR/collibra-token-UID.  *fd gets its
 * descriptor and *path an owned copy of its name.  Returns CT_ERR_USAGE
 * after a message when none is safe.
 */
static enum ct_err
choose_base(const struct settings *s, const struct cache *c, int *fd,
    char **path)
{
	const char	*tmp = s->tmp_dir != NULL && s->tmp_dir[0] == '/' ?
			    s->tmp_dir : "/tmp";
	const char	*why;
	char		 sub[40];
	size_t		 n;

	*path = NULL;
	if (s->runtime_dir != NULL) {
		if ((why = open_base(s->runtime_dir, NULL, fd)) == NULL)
			return (*path = xstrdup(s->runtime_dir)) == NULL ?
			    CT_ERR_INTERNAL : CT_OK;
		warnmsg("warning: --watch: XDG_RUNTIME_DIR %s: %s; not "
		    "used", s->runtime_dir, why);
	}
	if (cache_dirfd(c) != -1 && (*fd = dup(cache_dirfd(c))) != -1)
		return (*path = xstrdup(s->cache_dir)) == NULL ?
		    CT_ERR_INTERNAL : CT_OK;
	snprintf(sub, sizeof(sub), "collibra-token-%lu",
	    (unsigned long)geteuid());
	if ((why = open_base(tmp, sub, fd)) != NULL) {
		warnmsg("--watch: no safe place for the token file: %s/%s: "
		    "%s (set XDG_RUNTIME_DIR, or use the cache)", tmp, sub,
		    why);
		return CT_ERR_USAGE;
	}
	n = strlen(tmp) + strlen(sub) + 2;
	if ((*path = xmalloc(n)) == NULL)
		return CT_ERR_INTERNAL;
	snprintf(*path, n, "%s/%s", tmp, sub);
	return CT_OK;
}

/* Make our directory in d->basefd, with our pid in it. */
static enum ct_err
make_ours(struct watch_dir *d)
{
	unsigned char	 rnd[6];
	int		 i, tries, pfd;

	for (tries = 0; tries < 10; tries++) {
		if (compat_random(rnd, sizeof(rnd)) == -1)
			break;
		snprintf(d->name, sizeof(d->name), DIR_PREFIX);
		for (i = 0; i < (int)sizeof(rnd); i++)
			snprintf(d->name + strlen(DIR_PREFIX) + 2 * i, 3,
			    "%02x", rnd[i]);
		if (mkdirat(d->basefd, d->name, 0700) == 0)
			break;
		d->name[0] = '\0';
		if (errno != EEXIST)
			break;
	}
	if (d->name[0] == '\0' || (d->fd = openat(d->basefd, d->name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    (pfd = openat(d->fd, PID_FILE, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		return CT_ERR_INTERNAL;
	i = dprintf(pfd, "%ld\n", (long)getpid());
	return close(pfd) == 0 && i > 0 ? CT_OK : CT_ERR_INTERNAL;
}

/*
 * Before the first request, the private directory of a command's token
 * file: a new 0700 directory, holding our pid, under a base that
 * passes the cache's checks (see choose_base()), made and used through
 * descriptors.  What dead watches left there is removed first.
 * Returns CT_ERR_USAGE when no safe base exists, CT_ERR_INTERNAL after
 * a message when the directory cannot be made.
 */
enum ct_err
watch_dir_open(const struct settings *s, const struct cache *c,
    struct watch_dir *d)
{
	char		*base;
	size_t		 n;
	enum ct_err	 rc;

	if ((rc = choose_base(s, c, &d->basefd, &base)) != CT_OK) {
		free(base);
		return rc;
	}
	remove_stale(s, d->basefd);
	if (make_ours(d) != CT_OK) {
		warnmsg("--watch: cannot make a directory in %s: %s", base,
		    strerror(errno));
		free(base);
		return CT_ERR_INTERNAL;
	}
	n = strlen(base) + strlen(d->name) + sizeof("//" TOKEN_FILE);
	if ((d->path = xmalloc(n)) != NULL) {
		snprintf(d->path, n, "%s/%s/%s", base, d->name, TOKEN_FILE);
		verbosef(s, "watch: the token file is %s", d->path);
	}
	free(base);
	return d->path == NULL ? CT_ERR_INTERNAL : CT_OK;
}

/* Remove the directory of watch_dir_open() and what it holds. */
void
watch_dir_close(struct watch_dir *d)
{
	if (d->fd != -1) {
		(void)unlinkat(d->fd, TOKEN_FILE, 0);
		(void)unlinkat(d->fd, PID_FILE, 0);
		close(d->fd);
		(void)unlinkat(d->basefd, d->name, AT_REMOVEDIR);
		d->fd = -1;
	}
	if (d->basefd != -1)
		close(d->basefd);
	d->basefd = -1;
	free(d->path);
	d->path = NULL;
}

/* Write the token to the file, and note when the file's expires. */
static enum ct_err
keep(struct watch *w)
{
	const struct token *t = *w->tok;
	enum ct_err	 rc;

	rc = w->dir != NULL ? output_file_at(t, w->set, w->dir->fd,
	    TOKEN_FILE, w->path) : output_file(t, w->set, w->path);
	if (rc != CT_OK)
		return rc;
	w->written = 1;
	w->expires_ms = t->has_expiry ? now_ms() + t->expires_in * 1000 :
	    -1;
	return CT_OK;
}

/*
 * The child stopped.  When it holds our terminal (^Z) and a shell with
 * job control runs us (our parent is in our session, in another
 * group), stop with it so that the shell gets the terminal back; once
 * continued, give the terminal back to the child if we are in the
 * foreground, and continue it.  Without such a shell nobody would
 * continue us (as under ssh -t): the child is continued at once, as if
 * ^Z had done nothing, which is what it did before it had a group.
 */
static void
stopped(struct watch *w)
{
	pid_t	 pp = getppid();

	if (w->tty == -1 || tcgetpgrp(w->tty) != w->child)
		return;
	if (getsid(pp) == getsid(0) && getpgid(pp) != getpgrp()) {
		child_give_tty(w->tty, getpgrp());
		(void)raise(SIGSTOP);
		if (tcgetpgrp(w->tty) == getpgrp())
			child_give_tty(w->tty, w->child);
	}
	(void)kill(-w->child, SIGCONT);
}

/* Reap the child if it ended; its status as a shell reports it. */
static int
child_ended(struct watch *w)
{
	int	 st;

	if (w->child == -1 ||
	    waitpid(w->child, &st, WNOHANG | WUNTRACED) != w->child)
		return 0;
	if (WIFSTOPPED(st)) {
		stopped(w);
		return 0;
	}
	if (!WIFEXITED(st) && !WIFSIGNALED(st))
		return 0;
	w->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	w->child = -1;
	return 1;
}

/*
 * Hand the signals caught on to the command's process group (each one
 * is forwarded, then forgotten, so that the fetches go on).  The group
 * is not ours, so a signal the terminal sent us did not reach it: a
 * hangup's SIGHUP when we lead the session, or a key while the command
 * does not hold the terminal.  Returns CT_ERR_SIGNAL for a signal to
 * us alone, without a command.
 */
static enum ct_err
forward(struct watch *w)
{
	int	 sig, tty;

	while ((sig = signals_take(&tty)) != 0) {
		if (w->child == -1) {
			signals_note(sig);
			return CT_ERR_SIGNAL;
		}
		(void)kill(-w->child, sig);
		verbosef(w->set, "watch: signal %d%s forwarded to the "
		    "command's process group", sig, tty ?
		    " from the terminal" : "");
		if (sig == SIGINT || sig == SIGTERM)
			signals_forget();
	}
	return CT_OK;
}

/*
 * Sleep until the now_ms() time at, forwarding signals to the child.
 * Returns CT_OK when it is time to refresh; *done is set when the child
 * ended, and CT_ERR_SIGNAL is returned for a signal to us alone.
 */
static enum ct_err
wait_until(struct watch *w, long long at, int *done)
{
	enum ct_err	 rc;

	for (;;) {
		signals_drain_wake();
		if ((rc = forward(w)) != CT_OK)
			return rc;
		if (child_ended(w)) {
			*done = 1;
			return CT_OK;
		}
		if (now_ms() >= at)
			return CT_OK;
		(void)compat_sleep_until(at, signals_wake_fd());
	}
}

/*
 * True if a failed refresh may succeed later: a network error, or a
 * server error (HTTP 5xx, 429, or another status a token endpoint
 * should not give, such as a redirect).
 */
static int
may_recover(enum ct_err rc)
{
	return rc == CT_ERR_NETWORK || rc == CT_ERR_SERVER;
}

/*
 * After a transient failure rc: the delay to the next try in *next and
 * one line on stderr, or rc when the watch ends (with -o, once the
 * token in the file has expired).  With a command, the line that says
 * the token expired comes once; the retries then go on quietly.
 */
static enum ct_err
retry_later(struct watch *w, enum ct_err rc, long long *next)
{
	long long	 left;

	left = w->expires_ms < 0 ? BACKOFF_MAX_MS : w->expires_ms - now_ms();
	if (left <= 0 && w->child == -1) {
		warnmsg("%s", last_message());
		return rc;
	}
	*next = left > 0 && left < w->backoff_ms ? left : w->backoff_ms;
	if (left > 0)
		warnmsg("watch: %s; retrying in %lld s, the token in the "
		    "file is valid for %lld s more", last_message(),
		    (*next + 999) / 1000, left / 1000);
	else if (!w->expired) {
		warnmsg("watch: %s; the token in the file has expired; "
		    "retrying every %lld s at most while the command runs",
		    last_message(), BACKOFF_MAX_MS / 1000);
		w->expired = 1;
	} else
		verbosef(w->set, "watch: %s; retrying in %lld s",
		    last_message(), (*next + 999) / 1000);
	if ((w->backoff_ms *= 2) > BACKOFF_MAX_MS)
		w->backoff_ms = BACKOFF_MAX_MS;
	return CT_OK;
}

/*
 * One refresh: a new token from the server into the file.  Returns the
 * delay to the next one in *next, or an error that ends the watch: an
 * OAuth error or a bad response.  A transient failure, or a file that
 * cannot be written (the old one stays), is retried (retry_later()).
 */
static enum ct_err
refresh(struct watch *w, long long *next)
{
	struct token	*t = NULL;
	enum ct_err	 rc;
	int		 wrote = 0;

	warn_defer(1);
	if ((rc = w->fetch(w->arg, &t)) == CT_OK) {
		token_free(*w->tok);
		*w->tok = t;
		wrote = 1;
		rc = keep(w);
	}
	warn_defer(0);
	if (rc == CT_OK) {
		if (w->expired)
			warnmsg("watch: a new token is in %s", w->path);
		w->expired = 0;
		w->backoff_ms = BACKOFF_MIN_MS;
		*next = refresh_delay_ms(t, SET_NUM(w->set, MIN_TTL));
		verbosef(w->set, "watch: new token in %s; next in %lld s",
		    w->path, *next / 1000);
		return CT_OK;
	}
	if (rc == CT_ERR_SIGNAL && w->child != -1) {
		*next = 0;	/* forward it, or see the child's end */
		return CT_OK;
	}
	if (rc == CT_ERR_SIGNAL)
		return rc;
	if (wrote || may_recover(rc))
		return retry_later(w, rc, next);
	warnmsg("%s", last_message());
	return rc;
}

/*
 * Stop a child that is still running: SIGTERM to its process group,
 * then SIGKILL after GRACE_MS; give the terminal back to our group, and
 * take the file away.
 */
static void
finish(struct watch *w)
{
	long long	 until = now_ms() + GRACE_MS;

	if (w->child != -1) {
		(void)kill(-w->child, SIGTERM);
		(void)kill(-w->child, SIGCONT);
	}
	while (w->child != -1 && !child_ended(w)) {
		if (now_ms() >= until) {
			(void)kill(-w->child, SIGKILL);
			until = now_ms() + GRACE_MS;
		}
		signals_drain_wake();
		(void)compat_sleep_until(until, signals_wake_fd());
	}
	if (w->tty != -1)
		child_give_tty(w->tty, getpgrp());
	if (w->dir != NULL)
		watch_dir_close(w->dir);
	else if (w->written)
		(void)unlink(w->path);
}

/*
 * Run --watch with *tok as the first token: keep it in the file of -o,
 * or start command with $COLLIBRA_TOKEN_FILE in d (watch_dir_open()),
 * and replace it with what fetch(arg, ...) gets before it expires.
 * Ends on a signal (the file is removed; CT_ERR_SIGNAL), on a failure
 * that cannot be retried (its error), with -o on a transient one that
 * outlived the token, or when the command ends: *status is then its
 * exit status (128 + N after signal N), else -1.  d is closed.
 */
enum ct_err
watch_run(struct settings *s, struct watch_dir *d, struct token **tok,
    char **command, watch_fetch fetch, void *arg, int *status)
{
	struct watch	 w = { .set = s, .tok = tok, .fetch = fetch,
			    .arg = arg, .child = -1, .tty = -1, .status = -1,
			    .backoff_ms = BACKOFF_MIN_MS };
	long long	 next;
	enum ct_err	 rc;
	int		 done = 0;

	if (command != NULL) {
		w.dir = d;
		w.path = d->path;
	} else
		w.path = SET_STR(s, OUTPUT);
	if ((rc = signals_watch()) == CT_OK)
		rc = keep(&w);
	if (rc == CT_OK && command != NULL) {
		struct child_spec cs = { SET_STR(s, VAR), w.path,
		    child_foreground_tty(), s->exec_path };

		w.tty = cs.tty;
		rc = child_spawn(command, &cs, &w.child);
	}
	next = refresh_delay_ms(*tok, SET_NUM(s, MIN_TTL));
	while (rc == CT_OK && !done &&
	    (rc = wait_until(&w, now_ms() + next, &done)) == CT_OK && !done)
		rc = refresh(&w, &next);
	finish(&w);
	*status = done ? w.status : -1;	/* not when finish() stopped it */
	return rc;
}
