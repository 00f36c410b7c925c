/*
 * --watch: keep running and keep a token fresh, in the file of -o, or
 * in a private file that a command started as our child reads through
 * $COLLIBRA_TOKEN_FILE.  The token is replaced before it expires: when
 * less than --min-ttl is left, and at the latest when a third of its
 * lifetime is left.  Times are on the clock of now_ms(), which counts
 * suspend, and an idle watch sleeps until something is due.  Transient
 * failures are retried with backoff: with -o while the token in the
 * file is valid, with a command for as long as it runs.  Under a service
 * manager ($NOTIFY_SOCKET) the watch says when the first token is in
 * place, and how each refresh went (sd_notify(3)'s datagrams).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
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
#define DIR_PREFIX_NAME	"collibra-token-watch"
#define DIR_PREFIX	DIR_PREFIX_NAME "."
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
	int		 written;	/* the file is ours to remove: */
	dev_t		 dev;		/* the regular file we put there */
	ino_t		 ino;
	int		 expired;	/* said that the file's token expired */
};

/*
 * Send msg, lines of sd_notify(3)'s protocol, to the service manager at
 * s->notify_socket (config.c) in one datagram: to a path or, for
 * "@NAME", to Linux's abstract namespace.  No manager, no message; one
 * that cannot be sent is shown with -v only: the watch goes on.
 */
static void
notify_send(const struct settings *s, const char *msg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t		 n;
	int		 fd;

	if (s->notify_socket == NULL)
		return;
	/* config.c: shorter than sun_path everywhere */
	n = strlen(s->notify_socket);
	memcpy(sa.sun_path, s->notify_socket, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) == -1)
		verbosef(s, "watch: cannot notify %s: %s", s->notify_socket,
		    strerror(errno));
	if (fd != -1)
		close(fd);
}

static void	notify(const struct settings *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * Tell the service manager "STATUS=" and the text of fmt, its control
 * bytes made '?' so that it stays one line; after "READY=1" if ready.
 */
static void
notify(const struct settings *s, int ready, const char *fmt, ...)
{
	char		 msg[1024], *p;
	va_list		 ap;
	int		 n;

	if (s->notify_socket == NULL)
		return;
	n = snprintf(msg, sizeof(msg), "%sSTATUS=", ready ? "READY=1\n" :
	    "");
	va_start(ap, fmt);
	(void)vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	for (p = msg + n; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	notify_send(s, msg);
}

/*
 * Tell the service manager, if any, why --watch ends before its first
 * token (the message shown last), so that systemctl status shows it.
 */
void
watch_failed(const struct settings *s)
{
	notify(s, 0, "%s", last_message());
}

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

/*
 * True if the directory name in basefd is ours and its watch is dead:
 * the pid in it has ended here, and nobody holds its pid file locked
 * (make_ours()), as a live watch in another PID namespace or on another
 * host does.  A pid file still empty is a watch being born.
 */
static int
is_stale(int basefd, const char *name)
{
	struct stat	 st;
	const char	*why;
	char		 buf[24];
	long long	 pid;
	ssize_t		 n = -1;
	int		 fd, pfd = -1, dead;

	fd = openat(basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (fstat(fd, &st) == 0 && st.st_uid == geteuid() &&
	    (pfd = openat(fd, PID_FILE, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) != -1)
		n = read(pfd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		if (pfd != -1)
			close(pfd);
		return 0;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	dead = parse_number(buf, 1, 1LL << 30, &pid, &why) == 0 &&
	    owner_dead((long)pid, pfd);
	close(pfd);
	return dead;
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
 * A new directory "sub.RANDOM" (0700) in tmp, made and opened through
 * tmp's checked descriptor, for when tmp/sub is not ours to use.
 * Returns NULL with *fd open on it, d->topfd on tmp and d->top its
 * name; else why not.
 */
static const char *
open_fresh(const char *tmp, const char *sub, struct watch_dir *d, int *fd)
{
	const char	*why, *sep;

	if ((why = safedir_open(tmp, NULL, SAFEDIR_SHARED, &d->topfd,
	    &sep)) != NULL)
		return why;
	if (safedir_mkrandom(d->topfd, sub, d->top, sizeof(d->top)) == -1 ||
	    (*fd = openat(d->topfd, d->top, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		why = strerror(errno);
		if (d->top[0] != '\0')
			(void)unlinkat(d->topfd, d->top, AT_REMOVEDIR);
		d->top[0] = '\0';
		close(d->topfd);
		d->topfd = -1;
		return why;
	}
	return NULL;
}

/*
 * Choose the base of the token directory: XDG_RUNTIME_DIR, else the
 * open cache directory (made absolute), else TMPDIR/collibra-token-UID,
 * else, when that is another user's or not a directory, a new
 * TMPDIR/collibra-token-UID.RANDOM (removed by watch_dir_close()).
 * *fd gets its descriptor and *path an owned copy of its absolute
 * name.  Returns CT_ERR_USAGE after a message when none is safe.
 */
static enum ct_err
choose_base(const struct settings *s, const struct cache *c,
    struct watch_dir *d, int *fd, char **path)
{
	const char	*tmp = s->tmp_dir != NULL && s->tmp_dir[0] == '/' ?
			    s->tmp_dir : "/tmp";
	const char	*why, *why2;
	char		 sub[64];
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
		return (*path = path_absolute(s->cache_dir)) == NULL ?
		    CT_ERR_INTERNAL : CT_OK;
	snprintf(sub, sizeof(sub), "collibra-token-%lu",
	    (unsigned long)geteuid());
	if ((why = open_base(tmp, sub, fd)) != NULL) {
		/* a name anyone can take first: make a fresh one */
		why = xstrdup(why);
		if ((why2 = open_fresh(tmp, sub, d, fd)) != NULL) {
			warnmsg("--watch: no safe place for the token file: "
			    "%s/%s: %s; %s: %s (set XDG_RUNTIME_DIR, or use "
			    "the cache)", tmp, sub, why ? why : "", tmp, why2);
			free((char *)why);
			return CT_ERR_USAGE;
		}
		verbosef(s, "watch: %s/%s: %s; using %s/%s instead", tmp,
		    sub, why ? why : "", tmp, d->top);
		free((char *)why);
		snprintf(sub, sizeof(sub), "%s", d->top);
	}
	n = strlen(tmp) + strlen(sub) + 2;
	if ((*path = xmalloc(n)) == NULL)
		return CT_ERR_INTERNAL;
	snprintf(*path, n, "%s/%s", tmp, sub);
	return CT_OK;
}

/*
 * Make our directory in d->basefd, with our pid in it, its file held
 * locked (d->pidfd) for as long as we live (is_stale()).
 */
static enum ct_err
make_ours(struct watch_dir *d)
{
	int	 n;

	if (safedir_mkrandom(d->basefd, DIR_PREFIX_NAME, d->name,
	    sizeof(d->name)) == -1 || (d->fd = openat(d->basefd, d->name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    (d->pidfd = openat(d->fd, PID_FILE, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		return CT_ERR_INTERNAL;
	tmp_hold(d->pidfd);	/* before the pid: see is_stale() */
	n = dprintf(d->pidfd, "%ld\n", (long)getpid());
	return n > 0 ? CT_OK : CT_ERR_INTERNAL;
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

	if ((rc = choose_base(s, c, d, &d->basefd, &base)) != CT_OK) {
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

/*
 * Remove the directory of watch_dir_open() and what it holds, and the
 * fresh base it made, if any.
 */
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
	if (d->pidfd != -1)
		close(d->pidfd);
	d->pidfd = -1;
	if (d->basefd != -1)
		close(d->basefd);
	d->basefd = -1;
	if (d->topfd != -1) {
		(void)unlinkat(d->topfd, d->top, AT_REMOVEDIR);
		close(d->topfd);
	}
	d->topfd = -1;
	free(d->path);
	d->path = NULL;
}

/*
 * Note which file -o's path names now, if it is a regular file: the one
 * we put there, which finish() may remove.  A device, a FIFO or a
 * symlink written through is never removed.
 */
static void
note_ours(struct watch *w)
{
	struct stat	 st;

	w->written = lstat(w->path, &st) == 0 && S_ISREG(st.st_mode);
	w->dev = st.st_dev;
	w->ino = st.st_ino;
}

/*
 * Whether -o's path still names the regular file of note_ours(), the
 * one to remove when the watch ends.
 */
static int
still_ours(const struct watch *w)
{
	struct stat	 st;

	return w->written && lstat(w->path, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_dev == w->dev && st.st_ino == w->ino;
}

/* Write the token to the file, and note when the file's expires. */
static enum ct_err
keep(struct watch *w)
{
	const struct token *t = *w->tok;
	enum ct_err	 rc;

	/* a command's own file is private whatever --file-mode says */
	rc = w->dir != NULL ? output_file_at(t, w->set, w->dir->fd,
	    TOKEN_FILE, w->path, 0600) : output_file(t, w->set, w->path);
	if (rc != CT_OK)
		return rc;
	if (w->dir == NULL)
		note_ours(w);
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

/*
 * The child, if it has news: waitpid() of it alone, or, as PID 1 (of a
 * container), of every child, so that the orphans re-parented to us do
 * not stay zombies; only the command's status is kept.  Returns 1 with
 * its status in *st, else 0.
 */
static int
child_news(struct watch *w, int *st)
{
	pid_t	 pid;

	if (getpid() != 1)
		return waitpid(w->child, st, WNOHANG | WUNTRACED) == w->child;
	while ((pid = waitpid(-1, st, WNOHANG | WUNTRACED)) > 0)
		if (pid == w->child)
			return 1;
	return 0;
}

/* Reap the child if it ended; its status as a shell reports it. */
static int
child_ended(struct watch *w)
{
	int	 st;

	if (w->child == -1 || !child_news(w, &st))
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
		notify(w->set, 0, "%s", last_message());
		return rc;
	}
	*next = left > 0 && left < w->backoff_ms ? left : w->backoff_ms;
	notify(w->set, 0, "refresh failed: %s; retrying in %lld s",
	    last_message(), (*next + 999) / 1000);
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
		notify(w->set, 0, "token refreshed; next refresh in %lld s",
		    *next / 1000);
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
	notify(w->set, 0, "%s", last_message());
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

	notify_send(w->set, "STOPPING=1");
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
	else if (still_ours(w))
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
	/* ready: the first token is in the file (and the command runs) */
	if (rc == CT_OK)
		notify(s, 1, "token in %s; next refresh in %lld s",
		    command != NULL ? "$COLLIBRA_TOKEN_FILE" : w.path,
		    next / 1000);
	else if (rc != CT_ERR_SIGNAL)
		watch_failed(s);
	while (rc == CT_OK && !done &&
	    (rc = wait_until(&w, now_ms() + next, &done)) == CT_OK && !done)
		rc = refresh(&w, &next);
	finish(&w);
	*status = done ? w.status : -1;	/* not when finish() stopped it */
	return rc;
}
