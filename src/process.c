/*
 * The process around the pipeline: descriptors 0-2, no core dumps while
 * the secret is held, SIGINT and SIGTERM, and the exec of a command with
 * the token in its environment (after undoing all of that).
 */
#include <sys/resource.h>
#include <sys/stat.h>

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

static struct rlimit	 core_limit;	/* as it was at start */
static int		 have_core_limit;

/*
 * Make sure descriptors 0-2 are open, so that no file we open lands on
 * them.  A closed stdout is an error: the token would go nowhere.
 */
static enum ct_err
check_fds(void)
{
	struct stat	 st;
	int		 fd, closed_out = 0;

	for (fd = 0; fd <= 2; fd++) {
		if (fstat(fd, &st) == 0)
			continue;
		if (fd == STDOUT_FILENO)
			closed_out = 1;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return CT_ERR_INTERNAL;
	}
	if (closed_out) {
		warnmsg("standard output is closed");
		return CT_ERR_INTERNAL;
	}
	return CT_OK;
}

/*
 * While the process holds the secret: no core dumps, no ptrace by
 * other processes of the user, and EPIPE instead of death on a closed
 * pipe so that a lost token is reported.  Only the soft core limit is
 * lowered: a hard limit cannot be raised again without privilege, and
 * a command run with the token must get the limits the caller had.
 */
static void
harden(void)
{
	struct rlimit	 rl = { 0, 0 };

	have_core_limit = getrlimit(RLIMIT_CORE, &core_limit) == 0;
	if (have_core_limit)
		rl.rlim_max = core_limit.rlim_max;
	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)compat_nodump();
	(void)signal(SIGPIPE, SIG_IGN);
}

static volatile sig_atomic_t caught;
static volatile sig_atomic_t caught_tty;	/* ... by the terminal */
static int		 handled[2];	/* SIGINT, SIGTERM caught by us */

static void
on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	caught = sig;
	caught_tty = compat_from_terminal(si);
}

/*
 * Catch SIGINT and SIGTERM (unless ignored at start, as for background
 * jobs) so that a fetch stops, the secret is wiped and the process then
 * dies of the signal.  No SA_RESTART: blocking calls return EINTR.
 */
static void
signals_install(void)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct sigaction sa = { .sa_sigaction = on_signal,
			    .sa_flags = SA_SIGINFO }, old;
	size_t		 i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN)
			handled[i] = sigaction(sigs[i], &sa, NULL) == 0;
	}
}

/* The signal caught, or 0. */
int
interrupted(void)
{
	return caught;
}

/* Die of the caught signal, as a shell expects (status 128 + N). */
void
reraise(void)
{
	int	 sig = caught;

	if (sig == 0)
		return;
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
}

/* Sleep ms milliseconds; -1 if a signal was caught meanwhile. */
int
sleep_ms(long long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (!caught && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
	return caught ? -1 : 0;
}

/* Everything above, first thing in main(). */
enum ct_err
process_init(void)
{
	enum ct_err	 rc;

	if ((rc = check_fds()) != CT_OK)
		return rc;
	harden();
	signals_install();
	return CT_OK;
}

/* Take the secret variables out of the environment, for a child. */
static void
drop_secret_vars(void)
{
	static const enum set_id secret[] = {
		SET_SECRET, SET_SECRET_FILE, SET_SECRET_COMMAND
	};
	size_t	 i;

	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		(void)unsetenv(settings_table[secret[i]].var);
}

/*
 * Put the token's variables (NAME, NAME_TYPE, NAME_EXPIRES_AT) into the
 * environment for a command, and take the secret variables out of it.
 */
enum ct_err
process_env(const struct token *t, const char *var)
{
	struct token_vars v = { 0 };
	int		 i;

	output_vars(t, var, &v);
	for (i = 0; i < 3; i++) {
		if (setenv(v.name[i], v.value[i], 1) == -1) {
			warnmsg("cannot set %s: %s", v.name[i],
			    strerror(errno));
			return CT_ERR_INTERNAL;
		}
	}
	drop_secret_vars();
	return CT_OK;
}

/*
 * Undo harden() and signals_install() for a program about to be
 * exec'd: its core limit, SIGPIPE, SIGINT and SIGTERM as they were.
 */
void
process_reset(void)
{
	if (have_core_limit)
		(void)setrlimit(RLIMIT_CORE, &core_limit);
	(void)signal(SIGPIPE, SIG_DFL);
	if (handled[0])
		(void)signal(SIGINT, SIG_DFL);
	if (handled[1])
		(void)signal(SIGTERM, SIG_DFL);
}

/*
 * True if an executable regular file named name is in one of $PATH's
 * directories: what a shell's search looks for.
 */
static int
on_path(const char *name)
{
	const char	*p = config_exec_path(), *end, *dir;
	char		 buf[4096];
	struct stat	 st;
	size_t		 n;

	for (;; p = end + 1) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		/* an empty entry is the current directory */
		dir = end == p ? "." : p;
		n = end == p ? 1 : (size_t)(end - p);
		if (n + 1 + strlen(name) < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, dir, name);
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(buf, X_OK) == 0)
				return 1;
		}
		if (*end == '\0')
			return 0;
	}
}

/*
 * Report a failed exec of name (errno e) as sh(1) does, and return
 * CT_ERR_NOTFOUND (127) when the search of $PATH found no executable
 * file of that name, else CT_ERR_NOEXEC (126).  execvp(3) fails with
 * EACCES for a directory on PATH that cannot be searched (root's PATH
 * through su) and for a file without execute permission: neither is an
 * executable file found.
 */
enum ct_err
process_exec_failed(const char *name, int e)
{
	if (e == ENOENT ||
	    (e == EACCES && strchr(name, '/') == NULL && !on_path(name))) {
		warnmsg("%s: command not found", name);
		return CT_ERR_NOTFOUND;
	}
	warnmsg("%s: %s", name, strerror(e));
	return CT_ERR_NOEXEC;
}

/*
 * Replace this process with argv[0] (found on PATH), with the limits
 * and signal dispositions undone; called after the secret was wiped.
 * Returns only on failure: 127 when not found, 126 otherwise, as a
 * shell does.
 */
enum ct_err
process_exec(char **argv)
{
	process_reset();
	execvp(argv[0], argv);
	return process_exec_failed(argv[0], errno);
}

static volatile sig_atomic_t got_hup, got_quit, hup_tty, quit_tty;

/* SIGCHLD only has to end a sleep: it is caught, and nothing noted. */
static void
on_watch_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGHUP) {
		got_hup = 1;
		hup_tty = compat_from_terminal(si);
	} else if (sig == SIGQUIT) {
		got_quit = 1;
		quit_tty = compat_from_terminal(si);
	}
}

/*
 * For --watch: catch SIGHUP and SIGQUIT too (to forward them to a
 * command, or to clean up), and SIGCHLD, so that a sleep ends when the
 * command does.  No SA_RESTART.
 */
void
process_watch_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGQUIT, SIGCHLD };
	struct sigaction sa = { .sa_sigaction = on_watch_signal,
			    .sa_flags = SA_SIGINFO };
	size_t		 i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
}

/*
 * The next of SIGINT, SIGTERM, SIGHUP and SIGQUIT caught, or 0;
 * *tty tells whether the terminal sent it (then the processes of our
 * foreground group, a child among them, got it too).  SIGINT and
 * SIGTERM stay noted for interrupted() and reraise() until
 * process_forget_signal(); the others are taken.
 */
int
process_take_signal(int *tty)
{
	if (caught != 0) {
		*tty = caught_tty;
		return caught;
	}
	if (got_hup) {
		got_hup = 0;
		*tty = hup_tty;
		return SIGHUP;
	}
	if (got_quit) {
		got_quit = 0;
		*tty = quit_tty;
		return SIGQUIT;
	}
	return 0;
}

/* Forget a SIGINT or SIGTERM that was handed on to a child. */
void
process_forget_signal(void)
{
	caught = 0;
}

/* Note sig as caught, so that reraise() dies of it. */
void
process_note_signal(int sig)
{
	caught = sig;
}

/*
 * Start argv[0] (found on PATH) as a child with FILE_VAR=path in its
 * environment, and without the secret variables or the token variables
 * (NAME, NAME_TYPE, NAME_EXPIRES_AT for var), which would go stale; the
 * limits and signal dispositions undone.  *pid gets the child; a failed
 * exec makes it exit 127 (not found) or 126, as a shell does.
 */
enum ct_err
process_spawn(char **argv, const char *var, const char *path, pid_t *pid)
{
	struct token_vars v = { 0 };
	struct token	 none = { 0 };
	int		 i, e;

	if ((*pid = fork()) == -1) {
		warnmsg("cannot start %s: %s", argv[0], strerror(errno));
		return CT_ERR_NOEXEC;
	}
	if (*pid != 0)
		return CT_OK;
	drop_secret_vars();
	output_vars(&none, var, &v);
	for (i = 0; i < 3; i++)
		(void)unsetenv(v.name[i]);
	if (setenv("COLLIBRA_TOKEN_FILE", path, 1) == -1)
		_exit(126);
	process_reset();
	execvp(argv[0], argv);
	e = errno;
	_exit(process_exec_failed(argv[0], e) == CT_ERR_NOTFOUND ? 127 : 126);
}
