/*
 * Getting the client secret from where the settings point: a file (or
 * standard input), a command's first line of output, or a prompt on the
 * terminal without echo.  The secret goes straight into a buffer of our
 * own (no stdio copy) that the caller wipes.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "extern.h"

#define CAP		(MAX_SECRET + 3)	/* the largest valid file + 1 */

/*
 * The secret held in the len bytes of buf (a secret file's contents;
 * buf has room for len + 1): one trailing newline or CRLF is stripped
 * and the rest NUL-terminated in place.  Returns the secret's length,
 * or 0 when it is empty, longer than MAX_SECRET or holds a NUL byte.
 */
size_t
secret_parse(char *buf, size_t len)
{
	if (len > 0 && buf[len - 1] == '\n')
		len -= (len > 1 && buf[len - 2] == '\r') ? 2 : 1;
	buf[len] = '\0';
	if (len > MAX_SECRET || memchr(buf, '\0', len) != NULL)
		return 0;
	return len;
}

/*
 * Read from fd into a new buffer until EOF or CAP bytes (one past the
 * largest valid secret).  Returns the length, or -1 with errno set.
 */
static ssize_t
read_all(int fd, char **out)
{
	size_t	 len = 0;
	ssize_t	 r;
	char	*buf;

	if ((*out = buf = xmalloc(CAP + 1)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	while (len < CAP && (r = read(fd, buf + len, CAP - len)) != 0) {
		if (r < 0 && errno == EINTR && !interrupted())
			continue;
		if (r < 0) {
			wipe_free(buf, CAP + 1);
			*out = NULL;
			return -1;
		}
		len += (size_t)r;
	}
	return (ssize_t)len;
}

/* Keep the secret in buf (len bytes read) or refuse it. */
static enum ct_err
take(char *buf, size_t len, const char *what, const char *whence,
    struct secret *out)
{
	if ((out->len = secret_parse(buf, len)) == 0) {
		warnmsg("%s: %s: the secret must be 1 to %d bytes without NUL",
		    what, whence, MAX_SECRET);
		wipe_free(buf, CAP + 1);
		return CT_ERR_USAGE;
	}
	out->value = buf;
	out->size = CAP + 1;
	return CT_OK;
}

/* The secret from a file, or from standard input for "-". */
enum ct_err
secret_from_file(const char *path, const char *what, struct secret *out)
{
	char	*buf;
	ssize_t	 n;
	int	 fd = STDIN_FILENO;

	if (strcmp(path, "-") != 0 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		warnmsg("%s: cannot open %s: %s", what, path, strerror(errno));
		return CT_ERR_USAGE;
	}
	n = read_all(fd, &buf);
	if (fd != STDIN_FILENO)
		close(fd);
	if (n == -1) {
		if (interrupted())
			return CT_ERR_SIGNAL;
		warnmsg("%s: cannot read %s: %s", what, path, strerror(errno));
		return errno == ENOMEM ? CT_ERR_INTERNAL : CT_ERR_USAGE;
	}
	return take(buf, (size_t)n, what, path, out);
}

/*
 * The secret as the first line that `/bin/sh -c cmd` prints.  The
 * command shares our standard input and error (it may ask for a
 * passphrase) and never sees the secret variables.
 */
static enum ct_err
secret_from_command(const char *cmd, const char *what, struct secret *out)
{
	char	*buf = NULL, *nl;
	int	 fd, status;
	ssize_t	 n;
	pid_t	 pid;
	enum ct_err	 rc;

	if ((rc = child_shell(cmd, what, &fd, &pid)) != CT_OK)
		return rc;
	n = read_all(fd, &buf);
	close(fd);
	status = child_wait(pid);
	if (interrupted()) {
		wipe_free(buf, CAP + 1);
		return CT_ERR_SIGNAL;
	}
	if (n == -1 || status == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		wipe_free(buf, CAP + 1);
		if (n == -1 || status == -1)
			warnmsg("%s: cannot read the command's output: %s",
			    what, strerror(errno));
		else if (WIFSIGNALED(status))
			warnmsg("%s: command failed (killed by signal %d)",
			    what, WTERMSIG(status));
		else
			warnmsg("%s: command failed (exit %d)", what,
			    WEXITSTATUS(status));
		return CT_ERR_USAGE;
	}
	if ((nl = memchr(buf, '\n', (size_t)n)) != NULL)
		n = nl - buf + 1;		/* the first line only */
	if (n == 0 || (n == 1 && buf[0] == '\n') ||
	    (n == 2 && buf[0] == '\r')) {
		warnmsg("%s: printed no secret", what);
		wipe_free(buf, CAP + 1);
		return CT_ERR_USAGE;
	}
	return take(buf, (size_t)n, what, "command output", out);
}

/*
 * Ask for the secret on the terminal that is standard input, with echo
 * off, as ssh(1) does.  The prompt goes to standard error.
 */
static enum ct_err
secret_from_prompt(const char *client_id, struct secret *out)
{
	struct termios	 old, quiet;
	char		*buf, *safe, c;
	size_t		 len = 0;
	ssize_t		 r;
	enum ct_err	 rc = CT_OK;

	if (tcgetattr(STDIN_FILENO, &old) == -1) {
		warnmsg("cannot prompt for the client secret: %s",
		    strerror(errno));
		return CT_ERR_USAGE;
	}
	if ((buf = xmalloc(CAP + 1)) == NULL)
		return CT_ERR_INTERNAL;
	/* echo off before the prompt shows, or a quick typist is echoed */
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	safe = sanitize(client_id, strlen(client_id), 128);
	fprintf(stderr, "Client secret for %s: ", safe ? safe : "?");
	fflush(stderr);
	free(safe);
	while (len < CAP && (r = read(STDIN_FILENO, &c, 1)) != 0) {
		if (r < 0 && errno == EINTR && !interrupted())
			continue;
		if (r < 0) {
			rc = interrupted() ? CT_ERR_SIGNAL : CT_ERR_USAGE;
			break;
		}
		buf[len++] = c;
		if (c == '\n')
			break;
	}
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &old);
	fputc('\n', stderr);
	if (rc == CT_OK && (len == 0 || buf[0] == '\n')) {
		warnmsg("no client secret was typed");
		rc = CT_ERR_USAGE;
	}
	if (rc != CT_OK) {
		wipe_free(buf, CAP + 1);
		return rc;
	}
	return take(buf, len, "prompt", "the terminal", out);
}

/*
 * Where the secret came from, for messages: "FILE (FROM)" for a file,
 * "the command of FROM" for a command, else FROM (a flag, a variable,
 * FILE:LINE of the config file, "prompt").
 */
static void
secret_whence(const struct settings *s, char *buf, size_t size)
{
	const char	*from = s->secret_from != NULL ? s->secret_from :
			    "prompt";

	if (s->secret_file != NULL && strcmp(s->secret_file, "-") == 0)
		snprintf(buf, size, "standard input (%s)", from);
	else if (s->secret_file != NULL)
		snprintf(buf, size, "%s (%s)", s->secret_file, from);
	else if (s->secret_kind == SECRET_COMMAND)
		snprintf(buf, size, "the command of %s", from);
	else
		snprintf(buf, size, "%s", from);
}

/*
 * "client ID from SOURCE, secret from SOURCE" into buf, for the message
 * of an invalid_client answer: which of the places a user may have set
 * them is the one to check.
 */
void
secret_credentials(const struct settings *s, char *buf, size_t size)
{
	char	 whence[PATH_MAX + 64];

	secret_whence(s, whence, sizeof(whence));
	snprintf(buf, size, "client ID from %s, secret from %s",
	    SET_FROM(s, CLIENT_ID), whence);
}

/*
 * Once per process, before the first request: a warning for a secret
 * that holds a line break or ends in whitespace (a secret file with a
 * blank line, a pasted value), which is sent as it is; and one for a
 * secret too short to be hidden in free text (see HIDE_MIN_FREE).
 * Never shows the secret.
 */
static void
secret_warn(const struct settings *s)
{
	static int	 warned;
	char		 whence[PATH_MAX + 64];
	size_t		 n = s->secret_len;
	char		 last = n > 0 ? s->secret[n - 1] : '\0';

	if (warned)
		return;
	warned = 1;
	secret_whence(s, whence, sizeof(whence));
	if (memchr(s->secret, '\n', n) != NULL ||
	    memchr(s->secret, '\r', n) != NULL)
		warnmsg("warning: the client secret from %s holds a line "
		    "break; it is sent as it is", whence);
	else if (last == ' ' || last == '\t')
		warnmsg("warning: the client secret from %s ends in "
		    "whitespace; it is sent as it is", whence);
	if (n < HIDE_MIN_FREE)
		warnmsg("warning: the client secret is %zu byte%s long, too "
		    "short to hide in free text: messages hide it only "
		    "where it is a whole value", n, n == 1 ? "" : "s");
}

/*
 * The secret of a secret command or a prompt, got only now that a fetch
 * needs it (a literal secret was read with the settings): into
 * s->secret, which config_free() wipes.  -v shows its length and source.
 * Then, once per process, the warnings of secret_warn().
 */
enum ct_err
secret_load(struct settings *s)
{
	struct secret	 sec = { 0 };
	enum ct_err	 rc;

	if (s->secret != NULL) {
		secret_warn(s);
		return CT_OK;
	}
	if (s->secret_kind == SECRET_COMMAND)
		rc = secret_from_command(s->secret_command, s->secret_from,
		    &sec);
	else if (s->secret_kind == SECRET_PROMPT && isatty(STDIN_FILENO)) {
		s->secret_from = "prompt";
		rc = secret_from_prompt(SET_STR(s, CLIENT_ID), &sec);
	} else {
		warnmsg("no client secret: tried --client-secret, "
		    "--client-secret-file, --client-secret-command, "
		    "COLLIBRA_CLIENT_SECRET, COLLIBRA_CLIENT_SECRET_FILE, "
		    "COLLIBRA_CLIENT_SECRET_COMMAND and the config file; "
		    "standard input is not a terminal to prompt on%s",
		    s->profile_hint);
		return CT_ERR_USAGE;
	}
	if (rc != CT_OK)
		return rc;
	s->secret = sec.value;
	s->secret_len = sec.len;
	s->secret_size = sec.size;
	verbosef(s, "client secret: %zu bytes, <redacted> (%s)",
	    s->secret_len, s->secret_from);
	secret_warn(s);
	return CT_OK;
}

/*
 * --watch: read the secret file of s again (s->secret_file, unless it is
 * standard input), as a Kubernetes Secret or a credential is replaced in
 * place at a rotation.  *changed says whether it differs from the one
 * held, which it replaces (wiped).  On failure the one held stays and
 * the error is returned, its message kept (warnmsg()).
 */
enum ct_err
secret_reload(struct settings *s, int *changed)
{
	struct secret	 sec = { 0 };
	unsigned char	 diff = 0;
	size_t		 i;
	enum ct_err	 rc;

	*changed = 0;
	if (s->secret_file == NULL || strcmp(s->secret_file, "-") == 0)
		return CT_OK;
	if ((rc = secret_from_file(s->secret_file, s->secret_from, &sec)) !=
	    CT_OK)
		return rc;
	if (s->secret == NULL || sec.len != s->secret_len)
		diff = 1;
	for (i = 0; diff == 0 && i < sec.len; i++)
		diff |= (unsigned char)(sec.value[i] ^ s->secret[i]);
	*changed = diff != 0;
	wipe_free(s->secret, s->secret_size);
	s->secret = sec.value;
	s->secret_len = sec.len;
	s->secret_size = sec.size;
	return CT_OK;
}
