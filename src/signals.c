/*
 * The process's own state, which every part of the program shares:
 * descriptors 0-2, no core dumps while the secret is held, SIGINT and
 * SIGTERM, and for --watch SIGHUP, SIGQUIT, SIGCHLD and the self-pipe
 * that wakes a sleep.  Starting children is children.c's.
 */
#include <sys/resource.h>
#include <sys/wait.h>

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
static volatile sig_atomic_t child_gone;	/* the watched child ended */
static volatile pid_t	 watched = -1;	/* the command of --watch */
static int		 handled[2];	/* SIGINT, SIGTERM caught by us */
static int		 wake[2] = { -1, -1 };	/* the self-pipe */

/* End a sleep of --watch: a byte into the self-pipe, errno kept. */
static void
wake_up(void)
{
	int	 e = errno;
	ssize_t	 n = 0;

	if (wake[1] != -1)
		n = write(wake[1], "", 1);	/* full: one is pending */
	(void)n;
	errno = e;
}

static void
on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	caught = sig;
	caught_tty = compat_from_terminal(si);
	wake_up();
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

/*
 * The signal caught, or 0; SIGCHLD once the command of --watch ended,
 * so that a refresh in progress stops at once.
 */
int
interrupted(void)
{
	return caught != 0 ? caught : child_gone ? SIGCHLD : 0;
}

/*
 * Die of the caught signal, as a shell expects (status 128 + N).  As
 * PID 1 (of a container) the kernel drops a signal whose action is the
 * default, so raise() returns: then the status to exit with, 128 + N.
 * 0 if no signal was caught.
 */
int
reraise(void)
{
	int	 sig = caught;

	if (sig == 0)
		return 0;
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
	return 128 + sig;
}

/* Sleep ms milliseconds; -1 if a signal was caught meanwhile. */
int
sleep_ms(long long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (!interrupted() && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
	return interrupted() ? -1 : 0;
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

static volatile sig_atomic_t got_hup, got_quit, hup_tty, quit_tty;

/*
 * SIGHUP and SIGQUIT are noted for signals_take(); SIGCHLD notes
 * the end of the watched command.  Each one wakes a sleep.
 */
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
	} else if (sig == SIGCHLD && si != NULL && watched > 0 &&
	    si->si_pid == watched && si->si_code != CLD_STOPPED &&
	    si->si_code != CLD_CONTINUED)
		child_gone = 1;
	wake_up();
}

/* A self-pipe whose ends neither block nor reach a child. */
static int
make_wake_pipe(void)
{
	int	 i;

	if (pipe(wake) == -1)
		return -1;
	for (i = 0; i < 2; i++)
		if (fcntl(wake[i], F_SETFD, FD_CLOEXEC) == -1 ||
		    fcntl(wake[i], F_SETFL, O_NONBLOCK) == -1)
			return -1;
	return 0;
}

/*
 * For --watch: catch SIGHUP and SIGQUIT too (to forward them to a
 * command, or to clean up), and SIGCHLD, so that a sleep ends when the
 * command does.  Every signal caught then writes to a self-pipe that
 * signals_wake_fd() names.  No SA_RESTART.
 */
enum ct_err
signals_watch(void)
{
	static const int sigs[] = { SIGHUP, SIGQUIT, SIGCHLD };
	struct sigaction sa = { .sa_sigaction = on_watch_signal,
			    .sa_flags = SA_SIGINFO };
	size_t		 i;

	if (make_wake_pipe() == -1) {
		warnmsg("--watch: cannot make a pipe: %s", strerror(errno));
		return CT_ERR_INTERNAL;
	}
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
	return CT_OK;
}

/* The read end of the self-pipe: readable after a signal was caught. */
int
signals_wake_fd(void)
{
	return wake[0];
}

/* Empty the self-pipe, before looking at what was caught. */
void
signals_drain_wake(void)
{
	char	 buf[64];

	while (wake[0] != -1 && read(wake[0], buf, sizeof(buf)) > 0)
		continue;
}

/*
 * The next of SIGINT, SIGTERM, SIGHUP and SIGQUIT caught, or 0;
 * *tty tells whether the terminal sent it.  SIGINT and SIGTERM stay
 * noted for interrupted() and reraise() until signals_forget();
 * the others are taken.
 */
int
signals_take(int *tty)
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
signals_forget(void)
{
	caught = 0;
}

/* Note sig as caught, so that reraise() dies of it. */
void
signals_note(int sig)
{
	caught = sig;
}

/* The command of --watch, whose end SIGCHLD notes: set before it can end. */
void
signals_watch_child(pid_t pid)
{
	watched = pid;
}
