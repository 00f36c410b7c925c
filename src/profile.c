/*
 * The config file: INI, read with libinih, with a [default] section and
 * [profile NAME] sections.  [default] applies always; the selected
 * profile overrides it key by key.  Every value remembers FILE:LINE so
 * that errors and --show-config can name it.  As ssh does, the file and
 * every directory above it must be owned by the user or root and not
 * writable by group or others (sticky directories such as /tmp aside);
 * a file that holds client_secret must not be readable by them either.
 * Every string of the file or the environment is sanitized when shown.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "compat.h"
#include "extern.h"

#define MAX_LINE	4096
#define MAX_SHOWN	64	/* of a key or section name in a message */

/* The reading state that libinih's callbacks share. */
struct reader {
	FILE		*f;
	struct profile	*p;
	int		 line;
	int		 in_selected;	/* the current section applies */
	int		 in_default;
	char		 error[256];	/* the first error, without FILE:LINE */
};

/*
 * r->error: before, n bytes of untrusted text sanitized and in quotes,
 * then after.
 */
static void
shown_error(struct reader *r, const char *before, const char *text,
    size_t n, const char *after)
{
	char	*safe;

	if ((safe = sanitize(text, n, MAX_SHOWN)) == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return;
	}
	snprintf(r->error, sizeof(r->error), "%s'%s'%s", before, safe, after);
	free(safe);
}

/*
 * r->error for the unknown section [name] (n bytes), with the section
 * it likely means: [default] for a slip in that word, [profile NAME]
 * for "profile" alone, else [profile X] for a bare X or for a slip in
 * "profile" before X.
 */
static void
unknown_section(struct reader *r, const char *name, size_t n)
{
	static const char *const dflt[] = { "default", NULL };
	static const char *const prof[] = { "profile", NULL };
	char		 hint[MAX_SHOWN + 40];
	char		*safe;
	size_t		 w = strcspn(name, " \t");

	if (w > n)
		w = n;
	hint[0] = '\0';
	if (w == n && near_word(name, n, dflt) != NULL)
		snprintf(hint, sizeof(hint), "; did you mean '[default]'?");
	else if (w == n && near_word(name, n, prof) != NULL)
		snprintf(hint, sizeof(hint),
		    "; did you mean '[profile NAME]'?");
	else if ((safe = sanitize(w == n ? name : name + w + 1,
	    w == n ? n : n - w - 1, MAX_SHOWN)) != NULL) {
		if (*safe != '\0' && strchr(safe, ' ') == NULL &&
		    (w == n || near_word(name, w, prof) != NULL))
			snprintf(hint, sizeof(hint),
			    "; did you mean '[profile %s]'?", safe);
		free(safe);
	}
	shown_error(r, "unknown section ", name, n, hint);
}

/*
 * Add the profile name (n bytes) to p->names ("a|b|c"), once; names
 * past 256 bytes in all become "...".  0 when out of memory.
 */
static int
add_name(struct profile *p, const char *name, size_t n)
{
	size_t	 have = p->names != NULL ? strlen(p->names) : 0;
	char	*grown;
	const char *at;

	for (at = p->names; at != NULL; at = strchr(at, '|')) {
		at += *at == '|';
		if (strncmp(at, name, n) == 0 && (at[n] == '|' ||
		    at[n] == '\0'))
			return 1;
	}
	if (have > 256)
		return 1;
	if (have + n > 256) {
		name = "...";
		n = 3;
	}
	if ((grown = realloc(p->names, have + n + 2)) == NULL)
		return 0;
	if (have > 0)
		grown[have++] = '|';
	memcpy(grown + have, name, n);
	grown[have + n] = '\0';
	p->names = grown;
	return 1;
}

/*
 * A section header [name] (n bytes at name): [default] or [profile X]
 * only.  Notes whether the following keys apply.  0 after an error.
 */
static int
section(struct reader *r, const char *name, size_t n)
{
	const char	*want = r->p->name;

	r->in_default = n == 7 && strncmp(name, "default", 7) == 0;
	r->in_selected = 0;
	if (r->in_default)
		return 1;
	if (n <= 8 || strncmp(name, "profile ", 8) != 0) {
		unknown_section(r, name, n);
		return 0;
	}
	if (!add_name(r->p, name + 8, n - 8)) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return 0;
	}
	r->in_selected = want != NULL && n - 8 == strlen(want) &&
	    strncmp(name + 8, want, n - 8) == 0;
	if (r->in_selected)
		r->p->found = 1;
	return 1;
}

/*
 * libinih's line reader: fgets(3) that counts lines and refuses those of
 * more than MAX_LINE bytes before their "\n" or "\r\n".
 */
static char *
read_line(char *buf, int size, void *arg)
{
	struct reader	*r = arg;
	size_t		 n, len;
	char		*s, *e;

	if (r->error[0] != '\0' || fgets(buf, size, r->f) == NULL)
		return NULL;
	r->line++;
	n = len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if ((n > 0 && buf[n - 1] != '\n' && !feof(r->f)) || len > MAX_LINE) {
		snprintf(r->error, sizeof(r->error), "line too long");
		return NULL;
	}
	/*
	 * section headers are checked here, so that an empty one counts;
	 * after the UTF-8 byte order mark that libinih skips on line 1
	 */
	s = buf;
	if (r->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	for (; *s == ' ' || *s == '\t'; s++)
		continue;
	if (*s == '[' && (e = strchr(s, ']')) != NULL)
		return section(r, s + 1, (size_t)(e - s - 1)) ? buf : NULL;
	return buf;
}

/* Keep value as key's value in one section's table, with FILE:LINE. */
static int
store(struct reader *r, struct profile_value *v, const char *value)
{
	int	 n;

	wipe_free_str(v->value);
	free(v->from);
	v->value = xstrdup(value);
	n = snprintf(NULL, 0, "%s:%d", r->p->path, r->line);
	if ((v->from = xmalloc((size_t)n + 1)) != NULL)
		snprintf(v->from, (size_t)n + 1, "%s:%d", r->p->path, r->line);
	return v->value != NULL && v->from != NULL;
}

/*
 * r->error for the unknown key, with the key it likely mistypes.  Only
 * its first word is shown: a line without '=' before a value's own ':'
 * or '=' ("client_secret abc:def") makes a key of the value's start.
 */
static void
unknown_key(struct reader *r, const char *key)
{
	const char	*near;
	char		 hint[128];
	size_t		 w = strcspn(key, " \t");
	int		 more = key[w] != '\0';

	snprintf(hint, sizeof(hint), "%s", more ?
	    " (a key is one word: is '=' missing?)" : "");
	if ((near = setting_near_key(key, w)) != NULL &&
	    (strlen(near) != w || strncmp(near, key, w) != 0))
		snprintf(hint + strlen(hint), sizeof(hint) - strlen(hint),
		    "; did you mean '%s'?", near);
	shown_error(r, "unknown key ", key, w, hint);
}

/*
 * Strip one pair of matching quotes (" or ') around value (n bytes, in
 * libinih's line buffer) in place, when no quote of that kind stands
 * between them: in '"/opt/my tool/get" "prod"' (a command) the quotes
 * are the value's own.  A value that opens a quote and never closes it
 * is an error (r->error, without the value): 0.
 */
static int
unquote(struct reader *r, const char *key, char *value, size_t n)
{
	if (n == 0 || (value[0] != '"' && value[0] != '\''))
		return 1;
	if (n < 2 || memchr(value + 1, value[0], n - 1) == NULL) {
		shown_error(r, "unclosed quote in the value of ", key,
		    strlen(key), "");
		return 0;
	}
	if (value[n - 1] != value[0] ||
	    memchr(value + 1, value[0], n - 2) != NULL)
		return 1;
	memmove(value, value + 1, n - 2);
	value[n - 2] = '\0';
	return 1;
}

/*
 * libinih's handler, once per key: check the section and the key, and
 * keep the value if its section applies.  Returns 0 (an error) to stop.
 */
static int
on_key(void *arg, const char *section, const char *key, const char *value)
{
	struct reader	*r = arg;
	enum set_id	 i;
	size_t		 n;
	int		 ok = 1;

	if (*section == '\0') {
		shown_error(r, "", key, strlen(key), " outside a section");
		return 0;
	}
	if ((i = setting_by_key(key)) == SET__MAX) {
		unknown_key(r, key);
		/* a mistyped client_secret's value: libinih's line buffer */
		compat_wipe((char *)value, strlen(value));
		compat_wipe((char *)key, strlen(key));
		return 0;
	}
	if (i == SET_SECRET)
		r->p->holds_secret = 1;
	n = strlen(value);
	if (!unquote(r, key, (char *)value, n))
		ok = 0;
	else if (r->in_default)
		ok = store(r, &r->p->def[i], value);
	else if (r->in_selected)
		ok = store(r, &r->p->sel[i], value);
	if (i == SET_SECRET)		/* libinih's line buffer */
		compat_wipe((char *)value, n);
	if (!ok && r->error[0] == '\0')
		snprintf(r->error, sizeof(r->error), "out of memory");
	return ok;
}

/*
 * The parser's options, the same with either inih: a heap line buffer of
 * MAX_LINE bytes (and "\r\n\0") from the start (without realloc the
 * initial size is the limit, 200 by default), stop at the first error,
 * no multi-line values, no inline comments, no key without a value.
 * Debian's libinih takes them at run time (its own patch); upstream
 * inih, compiled in from src/inih where the system's lacks them, as
 * macros from the Makefile's INIH_OPTS, checked here.
 */
#ifdef INIH_BUNDLED
#if INI_USE_STACK || INI_MAX_LINE != MAX_LINE + 3 || \
    INI_INITIAL_ALLOC != MAX_LINE + 3 || INI_ALLOW_REALLOC || \
    !INI_STOP_ON_FIRST_ERROR || INI_ALLOW_MULTILINE || \
    INI_ALLOW_INLINE_COMMENTS || INI_ALLOW_NO_VALUE || INI_HANDLER_LINENO
#error "src/inih: INIH_OPTS differ from src/profile.c's options"
#endif
static void
ini_options(void)
{
}
#else
static void
ini_options(void)
{
	ini_use_stack = false;
	ini_max_line = MAX_LINE + 3;
	ini_initial_alloc = MAX_LINE + 3;
	ini_allow_realloc = false;
	ini_stop_on_first_error = true;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_no_value = false;
}
#endif

/* Parse the open file f into p; prints the first error. */
static enum ct_err
parse(FILE *f, struct profile *p, const char *shown)
{
	struct reader	 r = { .f = f, .p = p };
	int		 rc;

	ini_options();
	rc = ini_parse_stream(read_line, &r, on_key, &r);
	if (rc == 0 && r.error[0] == '\0')
		return CT_OK;
	if (rc == -2 || strcmp(r.error, "out of memory") == 0) {
		warnmsg("out of memory");
		return CT_ERR_INTERNAL;
	}
	warnmsg("%s:%d: %s", shown, r.error[0] != '\0' ? r.line : rc,
	    r.error[0] != '\0' ? r.error : "syntax error");
	return CT_ERR_USAGE;
}

/*
 * Who may have written st: NULL if only the user or root, else why not
 * ("owned by" or "writable"), for a file or a directory (sticky
 * directories may be writable by others: they cannot replace our files).
 */
static const char *
untrusted(const struct stat *st)
{
	if (st->st_uid != getuid() && st->st_uid != 0)
		return "owned by";
	if ((st->st_mode & 022) != 0 &&
	    !(S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) != 0))
		return "writable";
	return NULL;
}

/* Refuse dir (NULL for the file itself) for why; prints one line. */
static enum ct_err
refuse(const char *shown, const char *dir, const char *why,
    const struct stat *st)
{
	char	*d = NULL;

	if (dir != NULL && (d = sanitize(dir, strlen(dir), PATH_MAX)) == NULL)
		return CT_ERR_INTERNAL;
	if (strcmp(why, "owned by") == 0)
		warnmsg("%s: %s%s%sowned by uid %lu, not by you or root; "
		    "refusing to read it", shown, d ? "directory " : "",
		    d ? d : "", d ? " is " : "", (unsigned long)st->st_uid);
	else if (d != NULL)
		warnmsg("%s: directory %s is writable by group or others; "
		    "refusing to read it", shown, d);
	else
		warnmsg("%s: writable by group or others; refusing to read "
		    "it (chmod go-w %s)", shown, shown);
	free(d);
	return CT_ERR_USAGE;
}

/*
 * Check the open config file fd and every directory above its real
 * path: owned by the user or root, not writable by group or others.
 */
static enum ct_err
check_owner(int fd, const char *path, const char *shown)
{
	struct stat	 st;
	const char	*why;
	char		*real, *slash;
	enum ct_err	 rc = CT_OK;

	if (fstat(fd, &st) == -1) {
		warnmsg("%s: %s", shown, strerror(errno));
		return CT_ERR_USAGE;
	}
	if ((why = untrusted(&st)) != NULL)
		return refuse(shown, NULL, why, &st);
	if ((real = realpath(path, NULL)) == NULL) {
		warnmsg("%s: %s", shown, strerror(errno));
		return CT_ERR_USAGE;
	}
	while (rc == CT_OK && (slash = strrchr(real, '/')) != NULL) {
		slash[slash == real ? 1 : 0] = '\0';
		if (stat(real, &st) == -1) {
			warnmsg("%s: %s: %s", shown, real, strerror(errno));
			rc = CT_ERR_USAGE;
		} else if ((why = untrusted(&st)) != NULL)
			rc = refuse(shown, real, why, &st);
		if (slash == real)
			break;
	}
	free(real);
	return rc;
}

/* The rest of profile_load(), once the file is open as f. */
static enum ct_err
load_open(FILE *f, struct profile *p, const char *shown)
{
	struct stat	 st;
	char		 buf[BUFSIZ];
	enum ct_err	 rc;

	setvbuf(f, buf, _IOFBF, sizeof(buf));	/* wiped below */
	p->loaded = 1;
	if ((rc = check_owner(fileno(f), p->path, shown)) == CT_OK)
		rc = parse(f, p, shown);
	if (rc == CT_OK && fstat(fileno(f), &st) == 0 && p->holds_secret &&
	    (st.st_mode & 044) != 0) {
		warnmsg("%s holds client_secret but is readable by group or "
		    "others (chmod 600 %s)", shown, shown);
		rc = CT_ERR_USAGE;
	}
	fclose(f);
	compat_wipe(buf, sizeof(buf));
	return rc;
}

/*
 * Read the config file at path into p (p->path and p->name set by the
 * caller, name NULL for none).  A missing file is an error only if
 * must_exist or a profile was asked for.  A file that others could
 * have written (check_owner()), a profile that is not in the file, or
 * client_secret in a file that group or others may read, is an error.
 * p must be released with profile_free() either way.
 */
enum ct_err
profile_load(struct profile *p, int must_exist)
{
	FILE		*f;
	char		*shown, *name = NULL, *list;
	enum ct_err	 rc;

	if ((shown = sanitize(p->path, strlen(p->path), PATH_MAX)) == NULL)
		return CT_ERR_INTERNAL;
	if ((f = fopen(p->path, "re")) == NULL) {
		rc = errno == ENOENT && !must_exist && p->name == NULL ?
		    CT_OK : CT_ERR_USAGE;
		if (rc != CT_OK)
			warnmsg("%s: %s%s", shown, strerror(errno),
			    p->name != NULL ? " (a profile was asked for)" :
			    "");
		free(shown);
		return rc;
	}
	rc = load_open(f, p, shown);
	if (rc == CT_OK && p->name != NULL && !p->found) {
		name = sanitize(p->name, strlen(p->name), MAX_SHOWN);
		list = p->names != NULL ? sanitize(p->names, strlen(p->names),
		    PATH_MAX) : NULL;
		if (name == NULL || (p->names != NULL && list == NULL))
			rc = CT_ERR_INTERNAL;
		else {
			warnmsg("profile '%s' not found in %s%s%s", name, shown,
			    list != NULL ? "; it has -p " : ", which has no "
			    "[profile NAME] section", list != NULL ? list : "");
			rc = CT_ERR_USAGE;
		}
		free(list);
	}
	free(name);
	free(shown);
	return rc;
}

/*
 * The value of setting i for the selected profile, else [default], else
 * NULL; *from is set to FILE:LINE when found.  Borrowed from p.
 */
const char *
profile_get(const struct profile *p, enum set_id i, const char **from)
{
	if (p->sel[i].value != NULL) {
		*from = p->sel[i].from;
		return p->sel[i].value;
	}
	if (p->def[i].value != NULL) {
		*from = p->def[i].from;
		return p->def[i].value;
	}
	return NULL;
}

/* Wipe the values and free p.  Accepts a zeroed p. */
void
profile_free(struct profile *p)
{
	int	 i;

	for (i = 0; i < SET__MAX; i++) {
		wipe_free_str(p->def[i].value);
		wipe_free_str(p->sel[i].value);
		free(p->def[i].from);
		free(p->sel[i].from);
	}
	free(p->path);
	free(p->names);
	memset(p, 0, sizeof(*p));
}
