/*
 * The token on standard output, as raw text, JSON or POSIX shell
 * assignments.  Output goes through a buffer of our own that is wiped
 * after the flush, and every write is checked.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "extern.h"

static char	 outbuf[BUFSIZ];
static FILE	*out;		/* where output_to() prints */

/*
 * s between two q quotes, with every byte listed in esc preceded by a
 * backslash.  Returns an owned string or NULL.
 */
static char *
quote_with(const char *s, char q, const char *esc)
{
	const char	*p;
	char		*res, *o;
	size_t		 n = 3;

	for (p = s; *p != '\0'; p++)
		n += strchr(esc, *p) != NULL ? 2 : 1;
	if ((res = xmalloc(n)) == NULL)
		return NULL;
	o = res;
	*o++ = q;
	for (p = s; *p != '\0'; p++) {
		if (strchr(esc, *p) != NULL)
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = q;
	*o = '\0';
	return res;
}

/*
 * Quote s for a POSIX shell: inside single quotes every byte is literal
 * except the quote itself, written as '\''.  Safe for eval in sh, bash,
 * dash and zsh whatever s holds.  Returns an owned string or NULL.
 */
char *
shell_quote(const char *s)
{
	const char	*p;
	char		*res, *o;
	size_t		 n = 3;

	for (p = s; *p != '\0'; p++)
		n += *p == '\'' ? 4 : 1;
	if ((res = xmalloc(n)) == NULL)
		return NULL;
	o = res;
	*o++ = '\'';
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *p;
	}
	*o++ = '\'';
	*o = '\0';
	return res;
}

/*
 * The RFC 3339 UTC time of t, seconds since the epoch, into buf (21
 * bytes for years 0 to 9999; truncated if smaller).  64-bit arithmetic
 * of its own (the days-to-civil conversion of Howard Hinnant's date
 * algorithms), not gmtime_r(3): a 32-bit time_t (i386, armhf) cannot
 * hold an expiry past January 2038, nor a clock past it.
 */
void
utc_time(long long t, char *buf, size_t size)
{
	long long	 days, secs, era, doe, yoe, doy, mp, y, m, d;

	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	days += 719468;			/* from 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	snprintf(buf, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
	    y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
}

/*
 * Both forms of t's expiry: Unix seconds into epoch, RFC 3339 UTC into
 * rfc; both "" when the server gave no lifetime.  Every output that
 * shows the expiry takes it from here.
 */
void
output_expiry(const struct token *t, char epoch[24], char rfc[32])
{
	long long	 at;

	epoch[0] = rfc[0] = '\0';
	if (!t->has_expiry)
		return;
	at = token_expires_at(t);
	snprintf(epoch, 24, "%lld", at);
	utc_time(at, rfc, 32);
}

/*
 * Printing: each print_*() writes to `out` and returns CT_OK, or an
 * error it has reported.  A failed write is not reported here: the
 * caller sees it in ferror(out) after the flush.
 */

static enum ct_err
print_json(const struct token *t)
{
	json_t	*o;
	char	 epoch[24], at[32];

	output_expiry(t, epoch, at);
	o = json_pack("{s:s, s:s, s:o, s:o, s:o}",
	    "access_token", t->access_token,
	    "token_type", t->token_type,
	    "expires_in", t->has_expiry ?
	    json_integer(t->expires_in) : json_null(),
	    "expires_at", t->has_expiry ? json_string(at) : json_null(),
	    "expires_at_epoch", t->has_expiry ?
	    json_integer((json_int_t)token_expires_at(t)) : json_null());
	if (o == NULL || (t->scope != NULL &&
	    json_object_set_new(o, "scope", json_string(t->scope)) == -1)) {
		json_decref(o);
		warnmsg("out of memory");
		return CT_ERR_INTERNAL;
	}
	if (json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0)
		fputc('\n', out);
	json_decref(o);
	return CT_OK;
}

/*
 * The variables that carry a token: NAME, NAME_TYPE, NAME_EXPIRES_AT
 * (Unix seconds) and NAME_EXPIRES_AT_RFC3339 (both empty without an
 * expiry), for the shell-like formats and for a command's environment.
 * Values point into t or into v; nothing is allocated.
 */
void
output_vars(const struct token *t, const char *var, struct token_vars *v)
{
	static const char *const suffix[TOKEN_VARS] = {
		"", "_TYPE", "_EXPIRES_AT", "_EXPIRES_AT_RFC3339"
	};
	int	 i;

	for (i = 0; i < TOKEN_VARS; i++)
		snprintf(v->name[i], sizeof(v->name[i]), "%s%s", var,
		    suffix[i]);
	output_expiry(t, v->expires_at, v->expires_rfc3339);
	v->value[0] = t->access_token;
	v->value[1] = t->token_type;
	v->value[2] = v->expires_at;
	v->value[3] = v->expires_rfc3339;
}

/*
 * Quote s for fish: inside single quotes only the backslash and the
 * quote are special, each escaped with a backslash.  Owned or NULL.
 */
static char *
fish_quote(const char *s)
{
	return quote_with(s, '\'', "\\'");
}

/*
 * True if s, single-quoted, reads back as s in `set -a; . FILE`,
 * python-dotenv and node's dotenv: no quote, and nothing python-dotenv
 * rewrites there -- "\\" and "\'" (unescaped), a final "\" (it then
 * drops the variable) or "${...}" (expanded).
 */
static int
dotenv_single_ok(const char *s)
{
	const char	*b;
	size_t		 n = strlen(s);

	if (strchr(s, '\'') != NULL || strstr(s, "\\\\") != NULL ||
	    (n > 0 && s[n - 1] == '\\'))
		return 0;
	return (b = strstr(s, "${")) == NULL || strchr(b, '}') == NULL;
}

/*
 * Quote s for a .env file so that it reads back as s in a POSIX shell
 * (set -a; . FILE), python-dotenv and node's dotenv: single quotes when
 * dotenv_single_ok(), else double quotes when s has none of \ " $ and `
 * (which the shell needs escaped but node keeps escaped, and python-dotenv
 * partly).  Returns an owned string, or NULL when neither carries s
 * (*refused set) or when out of memory.
 */
static char *
dotenv_quote(const char *s, int *refused)
{
	*refused = 0;
	if (dotenv_single_ok(s))
		return quote_with(s, '\'', "");
	if (strpbrk(s, "\\\"$`") == NULL)
		return quote_with(s, '"', "");
	*refused = 1;
	return NULL;
}

/*
 * Print NAME=VALUE lines in one of the shell-like formats.  Refused,
 * after a message and with nothing printed, when no .env quoting
 * carries the token to every reader.
 */
static enum ct_err
print_vars(const struct token *t, const struct settings *s)
{
	enum format	 format = (enum format)SET_NUM(s, FORMAT);
	struct token_vars v = { 0 };
	char		*q[TOKEN_VARS] = { NULL };
	int		 i, refused = 0;
	enum ct_err	 rc = CT_OK;

	output_vars(t, SET_STR(s, VAR), &v);
	for (i = 0; i < TOKEN_VARS && rc == CT_OK; i++) {
		q[i] = format == FORMAT_SHELL ? shell_quote(v.value[i]) :
		    format == FORMAT_FISH ? fish_quote(v.value[i]) :
		    dotenv_quote(v.value[i], &refused);
		if (refused) {
			warnmsg("bad response: the token holds characters "
			    "that no .env quoting carries to every reader "
			    "(sh, python-dotenv, node dotenv); use another "
			    "--format");
			rc = CT_ERR_RESPONSE;
		} else if (q[i] == NULL)
			rc = CT_ERR_INTERNAL;	/* out of memory, reported */
	}
	for (i = 0; i < TOKEN_VARS && rc == CT_OK; i++) {
		if (format == FORMAT_SHELL)
			fprintf(out, "export %s=%s\n", v.name[i], q[i]);
		else if (format == FORMAT_FISH)
			fprintf(out, "set -gx %s %s\n", v.name[i], q[i]);
		else
			fprintf(out, "%s=%s\n", v.name[i], q[i]);
	}
	for (i = 0; i < TOKEN_VARS; i++)
		wipe_free_str(q[i]);
	return rc;
}

/*
 * "::add-mask::VALUE" with %, CR and LF escaped as the runner un-escapes
 * them (%25, %0D, %0A: the toolkit's escapeData), so that the mask is
 * the token itself.
 */
static void
print_mask(const char *s)
{
	fputs("::add-mask::", out);
	for (; *s != '\0'; s++) {
		if (*s == '%')
			fputs("%25", out);
		else if (*s == '\r')
			fputs("%0D", out);
		else if (*s == '\n')
			fputs("%0A", out);
		else
			fputc((unsigned char)*s, out);
	}
	fputc('\n', out);
}

/* Append the variables to GITHUB_ENV, with a random delimiter. */
static enum ct_err
append_github_env(const struct token *t, const struct settings *s)
{
	struct token_vars v = { 0 };
	unsigned char	 rnd[12];
	char		 delim[48];
	FILE		*f;
	int		 i, fd, bad = 0;

	if (compat_random(rnd, sizeof(rnd)) == -1) {
		warnmsg("cannot get random bytes: %s", strerror(errno));
		return CT_ERR_INTERNAL;
	}
	snprintf(delim, sizeof(delim), "ghadelimiter_");
	for (i = 0; i < (int)sizeof(rnd); i++)
		snprintf(delim + 13 + 2 * i, 3, "%02x", rnd[i]);
	if ((fd = open(s->github_env, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOCTTY, 0600)) == -1 ||
	    (f = fdopen(fd, "a")) == NULL) {
		warnmsg("GITHUB_ENV: cannot open %s: %s", s->github_env,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return CT_ERR_INTERNAL;
	}
	output_vars(t, SET_STR(s, VAR), &v);
	for (i = 0; i < TOKEN_VARS; i++)
		if (fprintf(f, "%s<<%s\n%s\n%s\n", v.name[i], delim,
		    v.value[i], delim) < 0)
			bad = 1;
	if (fclose(f) != 0 || bad) {
		warnmsg("GITHUB_ENV: cannot write %s: %s", s->github_env,
		    strerror(errno));
		return CT_ERR_INTERNAL;
	}
	return CT_OK;
}

/*
 * GitHub Actions: mask the token in the log, and when GITHUB_ENV names
 * the job's environment file, append the variables to it in the
 * multiline syntax (NAME<<DELIMITER).
 */
static enum ct_err
print_github(const struct token *t, const struct settings *s)
{
	print_mask(t->access_token);
	if (s->github_env != NULL)
		return append_github_env(t, s);
	warnmsg("warning: GITHUB_ENV is not set; only the mask was printed");
	return CT_OK;
}

/* Print t to f in the format of s. */
static enum ct_err
print_token(FILE *f, const struct token *t, const struct settings *s)
{
	out = f;
	switch (SET_NUM(s, FORMAT)) {
	case FORMAT_JSON:
		return print_json(t);
	case FORMAT_SHELL:
	case FORMAT_FISH:
	case FORMAT_DOTENV:
		return print_vars(t, s);
	case FORMAT_HEADER:
		fprintf(out, "Authorization: Bearer %s\n", t->access_token);
		return CT_OK;
	case FORMAT_GITHUB:
		return print_github(t, s);
	default:
		fprintf(out, "%s\n", t->access_token);
		return CT_OK;
	}
}

/*
 * Write t to standard output in the format of s and flush it, or to
 * the file of -o.  Returns CT_OK, CT_ERR_RESPONSE after a message when
 * the format cannot carry the token (dotenv), or CT_ERR_INTERNAL after
 * a message when the output did not get out.
 */
enum ct_err
output_token(const struct token *t, const struct settings *s)
{
	enum ct_err	 rc;

	if (SET_STR(s, OUTPUT) != NULL)
		return output_file(t, s, SET_STR(s, OUTPUT));
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	rc = print_token(stdout, t, s);
	errno = 0;
	if ((fflush(stdout) == EOF || ferror(stdout)) && rc == CT_OK) {
		warnmsg("cannot write the token to standard output%s%s",
		    errno ? ": " : "", errno ? strerror(errno) : "");
		rc = CT_ERR_INTERNAL;
	}
	compat_wipe(outbuf, sizeof(outbuf));
	return rc;
}

/*
 * Print t in the format of s into fd, flushed, and synced where fd can
 * be (a device or a FIFO cannot: EINVAL).
 */
static enum ct_err
write_synced(int fd, const struct token *t, const struct settings *s)
{
	FILE		*f;
	enum ct_err	 rc;
	int		 bad;

	if ((fd = dup(fd)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		if (fd != -1)
			close(fd);
		return CT_ERR_INTERNAL;
	}
	setvbuf(f, outbuf, _IOFBF, sizeof(outbuf));
	rc = print_token(f, t, s);
	bad = fflush(f) == EOF || ferror(f) ||
	    (fsync(fileno(f)) == -1 && errno != EINVAL);
	if (fclose(f) != 0)
		bad = 1;
	compat_wipe(outbuf, sizeof(outbuf));
	return rc != CT_OK ? rc : bad ? CT_ERR_INTERNAL : CT_OK;
}

/*
 * Give the new file fd mode, and, when its group may read it, the group
 * of its directory dirfd: a setgid directory (a Kubernetes emptyDir
 * with an fsGroup) gives it already, elsewhere the file would get our
 * group, and so whoever else is in it.  0, or -1 after a message.
 */
static int
set_mode(int fd, int dirfd, mode_t mode, const char *shown)
{
	struct stat	 dst, fst;

	if ((mode & 070) != 0 && (fstat(dirfd, &dst) == -1 ||
	    fstat(fd, &fst) == -1)) {
		warnmsg("-o: %s: %s", shown, strerror(errno));
		return -1;
	}
	if ((mode & 070) != 0 && fst.st_gid != dst.st_gid &&
	    fchown(fd, (uid_t)-1, dst.st_gid) == -1) {
		warnmsg("-o: cannot give %s the group of its directory "
		    "(gid %lu): %s", shown, (unsigned long)dst.st_gid,
		    strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1) {
		warnmsg("-o: cannot make %s mode %04o: %s", shown,
		    (unsigned)mode, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The descriptor that the symlink text link names, as /dev/stdout's
 * does ("/proc/self/fd/N" or "/dev/fd/N"), or -1.
 */
static int
fd_link(const char *link)
{
	const char	*p = NULL, *why;
	long long	 n;

	if (strncmp(link, "/proc/self/fd/", 14) == 0)
		p = link + 14;
	else if (strncmp(link, "/dev/fd/", 8) == 0)
		p = link + 8;
	return p != NULL && parse_number(p, 0, INT_MAX, &n, &why) == 0 ?
	    (int)n : -1;
}

/*
 * Whether name in dirfd is a file that -o writes into instead of
 * replacing it, and the descriptor to write to in *fd: a character
 * device or a FIFO that is ours or root's, or that is in a directory
 * that only root or we can write; or, in such a directory, a symlink to
 * one of those or to a descriptor (/dev/stdout).  Returns 0 with *fd -1
 * when name is missing, a regular file, a directory, or a symlink to a
 * regular file or to nothing: it is replaced.  Returns CT_ERR_USAGE
 * after a message for anything else (a socket, a block device, such a
 * symlink in a directory others can write), CT_ERR_INTERNAL after one
 * when it cannot be opened.
 */
static enum ct_err
open_special(int dirfd, const char *name, const char *shown, int *fd)
{
	struct stat	 lst, st, dst;
	char		 link[PATH_MAX];
	const char	*bad = NULL;
	ssize_t		 n;
	int		 desc = -1, safe;

	*fd = -1;
	if (fstatat(dirfd, name, &lst, AT_SYMLINK_NOFOLLOW) == -1 ||
	    S_ISREG(lst.st_mode) || S_ISDIR(lst.st_mode))
		return CT_OK;
	safe = fstat(dirfd, &dst) == 0 && (dst.st_uid == geteuid() ||
	    dst.st_uid == 0) && (dst.st_mode & 022) == 0;
	if (S_ISLNK(lst.st_mode)) {
		if ((n = readlinkat(dirfd, name, link, sizeof(link) - 1)) < 0)
			return CT_OK;
		link[n] = '\0';
		if ((desc = fd_link(link)) == -1 &&
		    (fstatat(dirfd, name, &st, 0) == -1 ||
		    S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			return CT_OK;
		if (!safe)
			bad = "a symbolic link to a device, a FIFO or a "
			    "descriptor in a directory others can write";
		else if (desc == -1 && !S_ISCHR(st.st_mode) &&
		    !S_ISFIFO(st.st_mode))
			bad = "a symbolic link to a socket or a block device";
	} else if (!S_ISCHR(lst.st_mode) && !S_ISFIFO(lst.st_mode))
		bad = S_ISSOCK(lst.st_mode) ? "a socket" : "a block device";
	else if (!safe && lst.st_uid != geteuid() && lst.st_uid != 0)
		bad = "another user's, in a directory others can write";
	if (bad != NULL) {
		warnmsg("-o: %s: %s; -o writes a regular file, a character "
		    "device or a FIFO", shown, bad);
		return CT_ERR_USAGE;
	}
	if (desc != -1)
		*fd = fcntl(desc, F_DUPFD_CLOEXEC, 3);
	else
		*fd = openat(dirfd, name, O_WRONLY | O_NOCTTY | O_CLOEXEC |
		    (S_ISLNK(lst.st_mode) ? 0 : O_NOFOLLOW));
	/* a descriptor may be a file or a socket (systemd's stdout) */
	if (*fd != -1 && fstat(*fd, &st) == 0 && !S_ISCHR(st.st_mode) &&
	    !S_ISFIFO(st.st_mode) && (desc == -1 || (!S_ISREG(st.st_mode) &&
	    !S_ISSOCK(st.st_mode)))) {
		close(*fd);
		*fd = -1;
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	}
	if (*fd == -1) {
		warnmsg("-o: cannot write %s: %s", shown, strerror(errno));
		return CT_ERR_INTERNAL;
	}
	return CT_OK;
}

/*
 * Write t into a new temporary for name in dirfd and rename it over
 * name: an unnamed file linked as ".NAME.PID.RANDOM" where the system
 * has them (compat_tmpfile()), else, or when the link fails (as it does
 * without /proc), a new 0600 file of that name; held (tmp_hold()) and
 * synced, with mode (set_mode()).  Returns as output_file_at().
 */
static enum ct_err
replace_file(const struct token *t, const struct settings *s, int dirfd,
    const char *name, const char *shown, mode_t mode)
{
	char		 tmp[NAME_MAX + 1];
	int		 fd, linked = 0;
	enum ct_err	 rc = CT_ERR_INTERNAL;

	if ((fd = compat_tmpfile(dirfd)) != -1) {
		tmp_hold(fd);
		if (set_mode(fd, dirfd, mode, shown) == -1) {
			close(fd);
			return CT_ERR_INTERNAL;
		}
		errno = 0;
		if ((rc = write_synced(fd, t, s)) != CT_OK) {
			close(fd);
			goto out;
		}
		if (tmp_name(tmp, sizeof(tmp), name) == 0 &&
		    compat_link_tmpfile(fd, dirfd, tmp) == 0)
			linked = 1;
		else {
			close(fd);
			fd = -1;
		}
	}
	if (fd == -1) {
		if ((fd = tmp_create(dirfd, name, tmp, sizeof(tmp))) == -1) {
			warnmsg("-o: cannot write beside %s: %s", shown,
			    strerror(errno));
			return CT_ERR_INTERNAL;
		}
		linked = 1;
		if (set_mode(fd, dirfd, mode, shown) == -1) {
			close(fd);
			(void)unlinkat(dirfd, tmp, 0);
			return CT_ERR_INTERNAL;
		}
		errno = 0;
		rc = write_synced(fd, t, s);
	}
	if (rc == CT_OK && renameat(dirfd, tmp, dirfd, name) == -1)
		rc = CT_ERR_INTERNAL;
	close(fd);
out:
	if (rc == CT_ERR_INTERNAL)
		warnmsg("-o: cannot write %s: %s", shown, errno != 0 ?
		    strerror(errno) : "write error");
	if (rc != CT_OK && linked)
		(void)unlinkat(dirfd, tmp, 0);
	return rc;
}

/*
 * Write t in the format of s to name in dirfd (shown: its name in
 * messages), so that a reader never sees a partial token and a crash
 * leaves no copy: a regular file at name (or none) is replaced by a new
 * one of the given mode (replace_file(), set_mode()); a symlink there to a regular file is replaced, not
 * followed.  A character device or a FIFO, or a symlink to one or to a
 * descriptor such as /dev/stdout, gets the token written into it, and
 * stays (open_special() says which); other files are refused.  What a
 * dead process left under our temporary names is removed first.
 * Returns CT_OK, CT_ERR_RESPONSE when the format cannot carry the
 * token, CT_ERR_USAGE for a file -o does not write, or CT_ERR_INTERNAL
 * after a message naming the file; the old file then stays.
 */
enum ct_err
output_file_at(const struct token *t, const struct settings *s, int dirfd,
    const char *name, const char *shown, mode_t mode)
{
	enum ct_err	 rc;
	int		 fd;

	if ((rc = open_special(dirfd, name, shown, &fd)) != CT_OK)
		return rc;
	if (fd == -1) {
		tmp_sweep(dirfd, name);
		return replace_file(t, s, dirfd, name, shown, mode);
	}
	errno = 0;
	if ((rc = write_synced(fd, t, s)) == CT_ERR_INTERNAL)
		warnmsg("-o: cannot write %s: %s", shown, errno != 0 ?
		    strerror(errno) : "write error");
	close(fd);
	return rc;
}

/*
 * Write t in the format of s to path through its directory, with the
 * mode of --file-mode (see output_file_at()).  Returns CT_OK, or an
 * error after a message.
 */
enum ct_err
output_file(const struct token *t, const struct settings *s,
    const char *path)
{
	const char	*slash = strrchr(path, '/'), *name = path;
	char		*dir = NULL;
	int		 dirfd;
	enum ct_err	 rc;

	if (slash != NULL) {
		if ((dir = xstrdup(path)) == NULL)
			return CT_ERR_INTERNAL;
		dir[slash == path ? 1 : slash - path] = '\0';
		name = slash + 1;
	}
	if ((dirfd = open(dir != NULL ? dir : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		warnmsg("-o: cannot write beside %s: %s", path,
		    strerror(errno));
		free(dir);
		return CT_ERR_INTERNAL;
	}
	rc = output_file_at(t, s, dirfd, name, path,
	    (mode_t)SET_NUM(s, FILE_MODE));
	close(dirfd);
	free(dir);
	return rc;
}
