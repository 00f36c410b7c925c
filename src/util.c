/*
 * Small shared helpers: checked allocation, wiping frees, bounded number
 * parsing and sanitizing of untrusted text for the terminal.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "extern.h"

/*
 * malloc(3) that reports failure.  Returns NULL after printing
 * "out of memory"; the caller returns CT_ERR_INTERNAL.
 */
void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		warnmsg("out of memory");
	return p;
}

/* strdup(3) that reports failure like xmalloc().  NULL stays NULL. */
char *
xstrdup(const char *s)
{
	char	*p;
	size_t	 n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	if ((p = xmalloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

/*
 * path as an absolute path, owned by the caller: a relative one joined
 * to the working directory (getcwd(3)).  NULL after a message when
 * memory ran out; a working directory that cannot be named leaves path
 * as it is.
 */
char *
path_absolute(const char *path)
{
	char	 cwd[PATH_MAX], *p;
	size_t	 n;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	n = strlen(cwd) + strlen(path) + 2;
	if ((p = xmalloc(n)) != NULL)
		snprintf(p, n, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" :
		    "/", path);
	return p;
}

/* Overwrite n bytes of p, then free it.  Accepts NULL. */
void
wipe_free(char *p, size_t n)
{
	if (p == NULL)
		return;
	compat_wipe(p, n);
	free(p);
}

/* wipe_free() for a NUL-terminated string. */
void
wipe_free_str(char *p)
{
	if (p != NULL)
		wipe_free(p, strlen(p));
}

/*
 * Parse a decimal integer in [min, max] into *out, like OpenBSD's
 * strtonum(3): no sign unless min < 0, no spaces, no trailing bytes.
 * Returns 0, or -1 with *errstr set to "invalid", "too small" or
 * "too large".
 */
int
parse_number(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	char		*end;
	long long	 v;

	*errstr = "invalid";
	if (s == NULL || *s == '\0')
		return -1;
	if (!(*s >= '0' && *s <= '9') && !(*s == '-' && min < 0))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || end == s || (*s == '-' && end == s + 1))
		return -1;
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "too small";
		return -1;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "too large";
		return -1;
	}
	*errstr = NULL;
	*out = v;
	return 0;
}

/*
 * Length of the well-formed UTF-8 sequence at s (at most len bytes), or
 * 0 when it is malformed, overlong, a surrogate or a C1 control
 * (U+0080..U+009F, which some terminals obey as escapes).
 */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	size_t	 n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] == 0xc2)
		lo = 0xa0;		/* C1 controls */
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;		/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;		/* above U+10FFFF */
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* The code point of the well-formed n-byte UTF-8 sequence at s. */
static unsigned long
utf8_code(const unsigned char *s, size_t n)
{
	static const unsigned char lead[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned long	 c = s[0] & lead[n];
	size_t		 i;

	for (i = 1; i < n; i++)
		c = c << 6 | (s[i] & 0x3fU);
	return c;
}

/*
 * True if the n-byte UTF-8 sequence at s is a character that reorders
 * or hides text: the soft hyphen (U+00AD), the Arabic letter mark
 * (U+061C), the Mongolian vowel separator (U+180E), the zero-width ones
 * (U+200B-U+200D, U+2060-U+2064), the bidi marks, embeddings,
 * overrides and isolates (U+200E-U+200F, U+202A-U+202E,
 * U+2066-U+2069), the line and paragraph separators (U+2028-U+2029),
 * the variation selectors (U+FE00-U+FE0F, U+E0100-U+E01EF), the BOM
 * (U+FEFF) and the tag characters (U+E0000-U+E007F).
 */
static int
invisible(const unsigned char *s, size_t n)
{
	static const struct {
		unsigned long lo, hi;
	} hidden[] = {
		{ 0x00ad, 0x00ad }, { 0x061c, 0x061c }, { 0x180e, 0x180e },
		{ 0x200b, 0x200f }, { 0x2028, 0x202e }, { 0x2060, 0x2064 },
		{ 0x2066, 0x2069 }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff },
		{ 0xe0000, 0xe007f }, { 0xe0100, 0xe01ef },
	};
	unsigned long	 c = utf8_code(s, n);
	size_t		 i;

	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (c >= hidden[i].lo && c <= hidden[i].hi)
			return 1;
	return 0;
}

static char	*sanitize_into(char *, size_t, const char *, size_t);

/*
 * Copy at most max bytes of untrusted text (len bytes at s) so that it
 * is safe on a terminal: tabs and line breaks become a space, other
 * control bytes, C1 controls, malformed UTF-8 and characters that
 * reorder or hide text (invisible()) are dropped, and a cut ends in
 * "...".  Returns an owned string, or NULL when out of memory.
 */
char *
sanitize(const char *s, size_t len, size_t max)
{
	char	*out;

	if ((out = xmalloc(max + 4)) != NULL)
		sanitize_into(out, max, s, len);
	return out;
}

/*
 * sanitize() into out, which has room for max + 4 bytes; allocates
 * nothing (warnmsg() uses it).  Returns out.
 */
static char *
sanitize_into(char *out, size_t max, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t	 i = 0, o = 0, n;

	while (i < len) {
		if (u[i] == '\t' || u[i] == '\n' || u[i] == '\r')
			n = 1;
		else if (u[i] >= 0x20 && u[i] < 0x7f)
			n = 1;
		else if (u[i] >= 0x80 && (n = utf8_seq(u + i, len - i)) > 0) {
			if (invisible(u + i, n)) {
				i += n;
				continue;
			}
		} else {
			i++;
			continue;
		}
		if (o + n > max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (n == 1 && u[i] < 0x20)
			out[o] = ' ';
		else
			memcpy(out + o, u + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

#define MAX_HIDE	8		/* strings redact() hides at once */

/*
 * Length of the longest of the n strings of hide[] (of lengths klen[])
 * at s, or 0.  The first byte is compared before the rest: redact()
 * calls this at every byte of untrusted text up to 1 MiB long.
 */
static size_t
hidden_at(const char *s, size_t len, const char *const *hide,
    const size_t *klen, size_t n)
{
	size_t	 i, best = 0;

	for (i = 0; i < n; i++)
		if (klen[i] > best && klen[i] <= len && hide[i][0] == s[0] &&
		    memcmp(s, hide[i], klen[i]) == 0)
			best = klen[i];
	return best;
}

/*
 * Copy len bytes at s with every occurrence of the n (at most MAX_HIDE)
 * strings of hide[] replaced by "<redacted>", the longest where two
 * start at one place.  Strings shorter than HIDE_MIN_FREE (NULL and ""
 * too) are not searched for: they would match inside other words, and
 * sanitize_hidden() hides them where they are the whole value.  Returns
 * an owned string of *outlen bytes and a NUL, or NULL when out of
 * memory.  Redact before cutting: a cut through a secret leaves a part
 * that no longer matches.
 */
static char *
redact(const char *s, size_t len, const char *const *hide, size_t n,
    size_t *outlen)
{
	char	*out = NULL;
	size_t	 i, k, o, pass, klen[MAX_HIDE];

	if (n > MAX_HIDE)
		n = MAX_HIDE;
	for (i = 0; i < n; i++) {
		klen[i] = hide[i] != NULL ? strlen(hide[i]) : 0;
		if (klen[i] < HIDE_MIN_FREE)
			klen[i] = 0;		/* whole values only */
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = o = 0; i < len; ) {
			k = hidden_at(s + i, len - i, hide, klen, n);
			if (k > 0) {
				if (out != NULL)
					memcpy(out + o, "<redacted>", 10);
				o += 10;
				i += k;
				continue;
			}
			if (out != NULL)
				out[o] = s[i];
			o++;
			i++;
		}
		if (out == NULL && (out = xmalloc(o + 1)) == NULL)
			return NULL;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
}

/*
 * True if the len bytes at s are exactly one of the n strings of hide[]
 * (NULL and "" entries never match).
 */
int
hidden_whole(const char *s, size_t len, const char *const *hide, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (hide[i] != NULL && hide[i][0] != '\0' &&
		    strlen(hide[i]) == len && memcmp(s, hide[i], len) == 0)
			return 1;
	return 0;
}

/*
 * Untrusted text that may echo a secret, made safe to show: "<redacted>"
 * when it is one of the strings of hide[] whole, else those strings
 * hidden (redact(): every occurrence of the ones of HIDE_MIN_FREE bytes
 * or more) in the text as it is and again once it is sanitized whole
 * (so that control bytes inside an echo do not hide it), then cut to
 * max bytes like sanitize().  Owned, or NULL when out of memory.
 */
char *
sanitize_hidden(const char *s, size_t len, const char *const *hide, size_t n,
    size_t max)
{
	static const char gone[] = "<redacted>";
	char	*r, *whole = NULL, *again = NULL, *safe = NULL;
	size_t	 rlen, alen;

	if (hidden_whole(s, len, hide, n))
		return sanitize(gone, sizeof(gone) - 1, max);
	if ((r = redact(s, len, hide, n, &rlen)) == NULL ||
	    (whole = sanitize(r, rlen, rlen)) == NULL)
		goto out;
	if (hidden_whole(whole, strlen(whole), hide, n)) {
		safe = sanitize(gone, sizeof(gone) - 1, max);
		goto out;
	}
	if ((again = redact(whole, strlen(whole), hide, n, &alen)) == NULL)
		goto out;
	safe = sanitize(again, alen, max);
out:
	free(r);
	wipe_free_str(whole);
	free(again);
	return safe;
}

/*
 * Route jansson's allocations through the wiping free.  Call once,
 * before any other jansson call.
 */
void
jansson_setup(void)
{
	json_set_alloc_funcs(wipe_malloc, wipe_free_any);
}

static char	 last_msg[1024];
static int	 deferred;

/*
 * Print "collibra-token: MESSAGE" on stderr, like warnx(3), and keep
 * the message so that a failed fetch can be shared with processes
 * waiting for it.  Messages never hold the secret or the token.  The
 * whole message is sanitized, so that no string from the environment,
 * the config file or the server reaches the terminal raw, whoever
 * forgot to.
 */
void
warnmsg(const char *fmt, ...)
{
	static char	 raw[sizeof(last_msg)];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	sanitize_into(last_msg, sizeof(last_msg) - 4, raw, strlen(raw));
	compat_wipe(raw, sizeof(raw));
	if (!deferred)
		fprintf(stderr, "%s: %s\n", PROGNAME, last_msg);
}

/*
 * While on, warnmsg() only keeps its message for last_message(): for
 * --watch, which prints one line per failed refresh.
 */
void
warn_defer(int on)
{
	deferred = on;
}

/*
 * One -v line on stderr, "collibra-token: MESSAGE", when s asks for
 * verbose output, sanitized whole like warnmsg()'s.
 */
void
verbosef(const struct settings *s, const char *fmt, ...)
{
	char		 raw[1024], safe[1024];
	va_list		 ap;

	if (s == NULL || !s->verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	sanitize_into(safe, sizeof(safe) - 4, raw, strlen(raw));
	fprintf(stderr, "%s: %s\n", PROGNAME, safe);
}

/* The last message warnmsg() printed, or "". */
const char *
last_message(void)
{
	return last_msg;
}

/* Milliseconds on a clock that counts suspend (compat.c chooses). */
long long
now_ms(void)
{
	return compat_clock_ms();
}

/* Nanoseconds on the wall clock, comparable between processes. */
long long
wall_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * A stream over the entries of the open directory dirfd, from the
 * first; dirfd stays open and the caller's, the stream is the caller's
 * to closedir().  NULL on failure.
 */
DIR *
dir_entries(int dirfd)
{
	DIR	*d;
	int	 fd;

	if ((fd = dup(dirfd)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return NULL;
	}
	rewinddir(d);
	return d;
}

/*
 * Copy n bytes at p with the userinfo of every URL in it hidden:
 * "scheme://user:pass@host" becomes "scheme://<redacted>@host" (libcurl's
 * -vv text names proxies from the environment with their password).
 * Returns an owned string, or NULL when out of memory.
 */
char *
redact_userinfo(const char *p, size_t n)
{
	static const char stop[] = "/?#'\"<>` \t\r\n";
	const char	*end = p + n, *a, *at;
	char		*out, *o;

	/* each "://" (3 bytes) may gain "<redacted>" (10) */
	if (n > (SIZE_MAX - 1) / 5 || (out = xmalloc(n * 5 + 1)) == NULL)
		return NULL;
	for (o = out; p < end; ) {
		if (end - p < 3 || memcmp(p, "://", 3) != 0) {
			*o++ = *p++;
			continue;
		}
		memcpy(o, "://", 3);
		o += 3;
		p += 3;
		for (a = p, at = NULL; a < end && *a != '\0' &&
		    strchr(stop, *a) == NULL; a++)
			if (*a == '@')
				at = a;
		if (at == NULL)
			continue;
		memcpy(o, "<redacted>", 10);
		o += 10;
		p = at;
	}
	*o = '\0';
	return out;
}

/* Length of the n bytes at p without a trailing CR, LF or space. */
size_t
trim_end(const char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n' ||
	    p[n - 1] == ' '))
		n--;
	return n;
}

#define NEAR_MAX	64	/* longer words are never "near" */

/* Byte c for comparing names: case folded, '-' as '_'. */
static int
fold(char c)
{
	if (c == '-')
		return '_';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return (unsigned char)c;
}

/*
 * The number of one-byte insertions, deletions, substitutions and swaps
 * of neighbours that turn a (n bytes) into b (m bytes), case and '-'
 * against '_' aside; both at most NEAR_MAX bytes.
 */
static size_t
distance(const char *a, size_t n, const char *b, size_t m)
{
	size_t	 d[3][NEAR_MAX + 1], i, j, v, *row, *prev, *prev2;

	for (j = 0; j <= m; j++)
		d[0][j] = j;
	for (i = 1; i <= n; i++) {
		row = d[i % 3];
		prev = d[(i + 2) % 3];
		prev2 = d[(i + 1) % 3];
		row[0] = i;
		for (j = 1; j <= m; j++) {
			v = prev[j - 1] + (fold(a[i - 1]) != fold(b[j - 1]));
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    fold(a[i - 1]) == fold(b[j - 2]) &&
			    fold(a[i - 2]) == fold(b[j - 1]) &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			row[j] = v;
		}
	}
	return d[n % 3][m];
}

/*
 * The word of words (NULL-terminated) that the n bytes at word most
 * likely mistype: the nearest, when it is within one edit for a word
 * of up to 4 bytes, two up to 8 and three beyond; the first of equals.
 * NULL when none is that near.  Borrowed from words.
 */
const char *
near_word(const char *word, size_t n, const char *const *words)
{
	const char	*best = NULL;
	size_t		 i, d, m, over = n <= 4 ? 2 : n <= 8 ? 3 : 4;

	if (n == 0 || n > NEAR_MAX)
		return NULL;
	for (i = 0; words[i] != NULL; i++) {
		if ((m = strlen(words[i])) > NEAR_MAX)
			continue;
		if ((d = distance(word, n, words[i], m)) < over && d < n) {
			best = words[i];
			over = d;
		}
	}
	return best;
}
