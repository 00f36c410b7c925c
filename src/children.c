/*
 * Children: the exec of a command with the token in its environment,
 * the command of --watch in its own process group, and the shell of a
 * secret command; each without the secret variables, with the limits
 * and signal dispositions of signals.c undone.
 */
#include <sys/stat.h>
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

extern char	**environ;

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
child_env(const struct token *t, const char *var)
{
	struct token_vars v = { 0 };
	int		 i;

	output_vars(t, var, &v);
	for (i = 0; i < TOKEN_VARS; i++) {
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
 * True if an executable regular file named name is in one of the
 * directories of search ($PATH): what a shell's search looks for.
 */
static int
on_path(const char *name, const char *search)
{
	const char	*p = search, *end, *dir;
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
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, dir,
			    name);
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
 * CT_ERR_NOTFOUND (127) when the search of search ($PATH) found no executable
 * file of that name, else CT_ERR_NOEXEC (126).  execvp(3) fails with
 * EACCES for a directory on PATH that cannot be searched (root's PATH
 * through su) and for a file without execute permission: neither is an
 * executable file found.
 */
static enum ct_err
exec_failed(const char *name, int e, const char *search)
{
	if (e == ENOENT || (e == EACCES && strchr(name, '/') == NULL &&
	    !on_path(name, search))) {
		warnmsg("%s: command not found", name);
		return CT_ERR_NOTFOUND;
	}
	warnmsg("%s: %s", name, strerror(e));
	return CT_ERR_NOEXEC;
}

/*
 * Replace this process with argv[0] (found on PATH; search is $PATH as
 * config_resolve() read it, for the message), with the limits
 * and signal dispositions undone; called after the secret was wiped.
 * Returns only on failure: 127 when not found, 126 otherwise, as a
 * shell does.
 */
enum ct_err
child_exec(char **argv, const char *search)
{
	process_reset();
	execvp(argv[0], argv);
	return exec_failed(argv[0], errno, search);
}

/*
 * The descriptor of our controlling terminal among 0-2 when our process
 * group is its foreground group (we run in the foreground of a shell),
 * else -1.
 */
int
child_foreground_tty(void)
{
	int	 fd;

	for (fd = 0; fd <= 2; fd++)
		if (isatty(fd) && tcgetpgrp(fd) == getpgrp())
			return fd;
	return -1;
}

/*
 * Make pgrp the foreground group of the terminal tty; SIGTTOU is
 * blocked meanwhile, since a background group may not do this.
 */
void
child_give_tty(int tty, pid_t pgrp)
{
	sigset_t	 ttou, old;

	if (tty == -1)
		return;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	(void)sigprocmask(SIG_BLOCK, &ttou, &old);
	(void)tcsetpgrp(tty, pgrp);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * The child's side of child_spawn(): its own process group, holding
 * the terminal when we held it, SIGTERM when we die; FILE_VAR and the
 * environment; then the exec.  Never returns.
 */
static void
start_child(char **argv, const struct child_spec *cs, pid_t parent,
    const sigset_t *mask)
{
	struct token_vars v = { 0 };
	struct token	 none = { 0 };
	int		 i, e;

	(void)setpgid(0, 0);
	child_give_tty(cs->tty, getpid());
	if (compat_parent_death(parent) == -1)
		_exit(126);
	drop_secret_vars();
	output_vars(&none, cs->var, &v);
	for (i = 0; i < TOKEN_VARS; i++)
		(void)unsetenv(v.name[i]);
	if (setenv("COLLIBRA_TOKEN_FILE", cs->path, 1) == -1)
		_exit(126);
	process_reset();	/* the exec resets SIGHUP, SIGQUIT, SIGCHLD */
	(void)sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(argv[0], argv);
	e = errno;
	_exit(exec_failed(argv[0], e, cs->search) == CT_ERR_NOTFOUND ?
	    127 : 126);
}

/*
 * Start argv[0] (found on cs->search) as a child with
 * COLLIBRA_TOKEN_FILE=cs->path in its environment, and without the
 * secret variables or the token variables (NAME, NAME_TYPE,
 * NAME_EXPIRES_AT for cs->var), which would go stale; the
 * limits and signal dispositions undone.  The child leads a process
 * group of its own, which becomes the terminal's foreground group when
 * ours was (cs->tty from child_foreground_tty(), or -1), and gets SIGTERM
 * if we die (compat_parent_death()).  *pid gets the child; a failed
 * exec makes it exit 127 (not found) or 126, as a shell does.
 */
enum ct_err
child_spawn(char **argv, const struct child_spec *cs, pid_t *pid)
{
	sigset_t	 chld, old;
	pid_t		 parent = getpid();

	/* the handler must know the pid before the child can end */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	(void)sigprocmask(SIG_BLOCK, &chld, &old);
	if ((*pid = fork()) == -1) {
		warnmsg("cannot start %s: %s", argv[0], strerror(errno));
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		return CT_ERR_NOEXEC;
	}
	if (*pid == 0)
		start_child(argv, cs, parent, &old);
	(void)setpgid(*pid, *pid);	/* either of us may come first */
	signals_watch_child(*pid);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return CT_OK;
}

/* environ without the secret variables, for a child.  Owned array. */
static char **
child_environ(void)
{
	const char	*eq;
	char		**env;
	size_t		 n = 0, i, k = 0;

	while (environ[n] != NULL)
		n++;
	if ((env = xmalloc((n + 1) * sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		eq = strchr(environ[i], '=');
		if (eq == NULL || !setting_is_secret_var(environ[i],
		    (size_t)(eq - environ[i])))
			env[k++] = environ[i];
	}
	env[k] = NULL;
	return env;
}

/*
 * Start `/bin/sh -c cmd` with its standard output on a pipe whose read
 * end *out gets (the caller closes it), without the secret variables,
 * the limits and signal dispositions undone; *pid gets the child.  A
 * failure is reported as "what: cannot run the command"; a failed exec
 * makes the child exit 127.
 */
enum ct_err
child_shell(const char *cmd, const char *what, int *out, pid_t *pid)
{
	char	**env;
	int	 fds[2] = { -1, -1 };

	if ((env = child_environ()) == NULL)
		return CT_ERR_INTERNAL;
	if (pipe(fds) == -1 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fds[1], F_SETFD, FD_CLOEXEC) == -1 || (*pid = fork()) == -1) {
		warnmsg("%s: cannot run the command: %s", what,
		    strerror(errno));
		free(env);
		if (fds[0] != -1) {
			close(fds[0]);
			close(fds[1]);
		}
		return CT_ERR_INTERNAL;
	}
	if (*pid == 0) {
		if (dup2(fds[1], STDOUT_FILENO) == -1)
			_exit(126);
		process_reset();
		execve("/bin/sh", (char *[]){ "sh", "-c", (char *)cmd, NULL },
		    env);
		_exit(127);
	}
	free(env);
	close(fds[1]);
	*out = fds[0];
	return CT_OK;
}

/* Wait for pid; its status, or -1 (also when interrupted). */
int
child_wait(pid_t pid)
{
	int	 status;

	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return -1;
		if (interrupted())
			(void)kill(pid, SIGTERM);
	}
	return status;
}
