/*
 * ct-unit: runs one pure function of collibra-token on its arguments so
 * that the bats suites can test it directly.
 *
 *   ct-unit encode STRING       form_urlencode()
 *   ct-unit quote STRING        shell_quote()
 *   ct-unit sanitize STRING MAX sanitize()
 *   ct-unit userinfo STRING     redact_userinfo()
 *   ct-unit hidden STRING MAX [HIDE...]
 *                               sanitize_hidden() of STRING without the
 *                               HIDE strings
 *   ct-unit number STRING MIN MAX
 *                               parse_number()
 *   ct-unit parse FILE          token_parse() of FILE's bytes
 *   ct-unit near WORD [WORDS...]
 *                               near_word(): the WORDS entry WORD likely
 *                               mistypes, or "-"
 *   ct-unit compat              compat_choice()
 *   ct-unit random N            N bytes of compat_random(), in hex
 *   ct-unit tmpname NAME SIZE   tmp_name() of NAME in SIZE bytes, or exit 1
 *   ct-unit wipe                compat_wipe() checks; prints "ok"
 *   ct-unit alloc               wipe_malloc() and its family; "ok"
 *   ct-unit nodump              compat_nodump()'s result, then the uid
 *                               owning /proc/self/environ (or -1)
 *   ct-unit boot                compat_boot_id(), or "none"
 *   ct-unit lookup WALL CLOCK BOOT LIFE SINCE MIN_TTL
 *                               cache_entry_token() at a fixed moment of
 *                               boot "this-boot", for a token received
 *                               WALL and CLOCK s ago on the wall clock and
 *                               the clock of lifetimes in boot BOOT, with
 *                               LIFE s ("-": none), by a call that began
 *                               looking SINCE s ago ("-": first lookup);
 *                               prints "hit LEFT REMARK" or "miss WHY"
 *   ct-unit entry WALL CLOCK BOOT LIFE [ARGS...]
 *                               writes the cache entry of collibra-token
 *                               ARGS (and the environment), a token
 *                               "cached-by-ct-unit" received so long ago
 *                               (negative: ahead) in boot BOOT ("this":
 *                               the running one, "none": unknown)
 */
#include <sys/stat.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "extern.h"
#include "cache_priv.h"

/* Read a whole file (at most 4 MiB) into a new buffer. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;

	if ((f = fopen(path, "rb")) == NULL)
		err(2, "%s", path);
	if ((buf = malloc(4 << 20)) == NULL)
		err(2, NULL);
	*len = fread(buf, 1, 4 << 20, f);
	fclose(f);
	return buf;
}

static int
print_owned(char *s)
{
	if (s == NULL)
		return 1;
	printf("%s\n", s);
	free(s);
	return 0;
}

static int
number(char **av)
{
	long long	 v, lo, hi;
	const char	*e;

	lo = strtoll(av[1], NULL, 10);
	hi = strtoll(av[2], NULL, 10);
	if (parse_number(av[0], lo, hi, &v, &e) == -1) {
		printf("error: %s\n", e);
		return 1;
	}
	printf("%lld\n", v);
	return 0;
}

static int
parse(const char *path)
{
	struct token	*t;
	char		*body;
	size_t		 len;
	enum ct_err	 rc;

	body = slurp(path, &len);
	rc = token_parse(body, len, &t);
	free(body);
	if (rc != CT_OK)
		return (int)rc;
	printf("access_token=%s\ntoken_type=%s\n", t->access_token,
	    t->token_type);
	if (t->has_expiry)
		printf("expires_in=%lld\n", t->expires_in);
	if (t->scope != NULL)
		printf("scope=%s\n", t->scope);
	token_free(t);
	return 0;
}

/* The entry name (v1 or v2) of the fields, each NUL-terminated. */
static int
name(const char *which, int n, char **f)
{
	struct seal_ctx	 ctx = { NULL, 0 };
	char		 out[33];
	size_t		 len;
	int		 i, rc;

	for (i = 0; i < n; i++) {
		len = strlen(f[i]) + 1;
		if ((ctx.data = realloc(ctx.data, ctx.len + len)) == NULL)
			return 1;
		memcpy(ctx.data + ctx.len, f[i], len);
		ctx.len += len;
	}
	rc = strcmp(which, "v1") == 0 ? seal_name_v1(&ctx, out) :
	    seal_name(&ctx, out);
	free(ctx.data);
	if (rc != 0)
		return 1;
	printf("%s\n", out);
	return 0;
}

static int
random_hex(const char *arg)
{
	unsigned char	*buf;
	size_t		 i, n = (size_t)strtoul(arg, NULL, 10);

	if ((buf = malloc(n + 1)) == NULL)
		err(2, NULL);
	if (compat_random(buf, n) == -1)
		err(1, "compat_random");
	for (i = 0; i < n; i++)
		printf("%02x", buf[i]);
	printf("\n");
	free(buf);
	return 0;
}

/*
 * tmp_name() for name in a buffer of exactly size bytes (so that ASan
 * sees a write past it): the name and 0, or 1 when it fails.
 */
static int
tmpname(const char *name, const char *size)
{
	size_t	 n = (size_t)strtoul(size, NULL, 10);
	char	*buf;
	int	 rc;

	if ((buf = malloc(n == 0 ? 1 : n)) == NULL)
		err(2, NULL);
	if ((rc = tmp_name(buf, n, name)) == 0)
		printf("%s\n", buf);
	free(buf);
	return rc == 0 ? 0 : 1;
}

/* compat_wipe() zeroes exactly the bytes asked for, and n = 0 is fine. */
static int
wipe(void)
{
	unsigned char	 buf[64];
	size_t		 i;

	memset(buf, 0xa5, sizeof(buf));
	compat_wipe(buf + 8, 48);
	compat_wipe(buf, 0);
	compat_wipe(NULL, 0);
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != (i >= 8 && i < 56 ? 0 : 0xa5))
			errx(1, "byte %zu is %#x", i, buf[i]);
	printf("ok\n");
	return 0;
}

/* A block of n bytes: aligned, usable size >= n, kept by realloc. */
static void
alloc_one(size_t n)
{
	unsigned char	*p, *q;
	size_t		 i;

	if ((p = wipe_malloc(n)) == NULL)
		errx(1, "wipe_malloc(%zu)", n);
	if ((uintptr_t)p % _Alignof(max_align_t) != 0)
		errx(1, "wipe_malloc(%zu) is misaligned", n);
	if (compat_usable_size(p) < n)
		errx(1, "usable size of %zu bytes: %zu", n,
		    compat_usable_size(p));
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)i;
	if ((q = wipe_realloc(p, 2 * n + 1)) == NULL)
		errx(1, "wipe_realloc(%zu)", 2 * n + 1);
	for (i = 0; i < n; i++)
		if (q[i] != (unsigned char)i)
			errx(1, "wipe_realloc lost byte %zu of %zu", i, n);
	if ((p = wipe_realloc(q, n / 2)) == NULL)
		errx(1, "wipe_realloc(%zu)", n / 2);
	for (i = 0; i < n / 2; i++)
		if (p[i] != (unsigned char)i)
			errx(1, "shrinking lost byte %zu of %zu", i, n);
	wipe_free_any(p);
}

static int
alloc(void)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 4096, 1 << 20 };
	unsigned char	*p;
	char		*s;
	size_t		 i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		alloc_one(sizes[i]);
	if ((p = wipe_calloc(100, 7)) == NULL)
		errx(1, "wipe_calloc");
	for (i = 0; i < 700; i++)
		if (p[i] != 0)
			errx(1, "wipe_calloc: byte %zu is not zero", i);
	if (compat_usable_size(p) < 700)
		errx(1, "wipe_calloc: usable size %zu", compat_usable_size(p));
	wipe_free_any(p);
	if (wipe_calloc(SIZE_MAX / 2, 3) != NULL)
		errx(1, "wipe_calloc overflow not refused");
	if ((s = wipe_strdup("s3cr3t")) == NULL || strcmp(s, "s3cr3t") != 0)
		errx(1, "wipe_strdup");
	wipe_free_any(s);
	if ((p = wipe_realloc(NULL, 5)) == NULL)
		errx(1, "wipe_realloc(NULL, 5)");
	wipe_free_any(p);
	wipe_free_any(NULL);
	if (compat_usable_size(NULL) != 0)
		errx(1, "usable size of NULL");
	printf("ok\n");
	return 0;
}

static int
nodump(void)
{
	struct stat	 st;
	int		 rc;

	rc = compat_nodump();
	printf("%d %lld %lld\n", rc, (long long)getuid(),
	    stat("/proc/self/environ", &st) == 0 ? (long long)st.st_uid : -1);
	return 0;
}

static int
boot(void)
{
	char	 id[64];

	return puts(compat_boot_id(id, sizeof(id)) == 0 ? id : "none") == EOF;
}

#define NOW_WALL_MS	1800000000000LL
#define NOW_CLOCK_MS	5000000000LL

static int
lookup(char **av)
{
	struct cache_stamp now = { NOW_WALL_MS, NOW_CLOCK_MS, 7, 1,
			    "this-boot" };
	struct token	*t;
	json_t		*o;
	char		*plain;
	const char	*why;
	long long	 left, since = -1;

	o = json_pack("{s:s, s:s, s:I, s:I, s:i, s:s}", "access_token",
	    "abc", "token_type", "Bearer", "wall_ms",
	    (json_int_t)(NOW_WALL_MS - atoll(av[0]) * 1000), "clock_ms",
	    (json_int_t)(NOW_CLOCK_MS - atoll(av[1]) * 1000), "clock", 7,
	    "boot", av[2]);
	if (strcmp(av[3], "-") != 0)
		json_object_set_new(o, "expires_in",
		    json_integer(atoll(av[3])));
	if (strcmp(av[4], "-") != 0)
		since = NOW_CLOCK_MS - atoll(av[4]) * 1000;
	if (o == NULL || (plain = json_dumps(o, JSON_COMPACT)) == NULL)
		errx(2, "json");
	json_decref(o);
	t = cache_entry_token(plain, strlen(plain), &now, since, atoll(av[5]),
	    &why, &left);
	free(plain);
	if (t == NULL) {
		printf("miss %s\n", why);
		return 1;
	}
	if (t->has_expiry)
		printf("hit %lld%s\n", left, why);
	else
		printf("hit none%s\n", why);
	token_free(t);
	return 0;
}

/* Write an entry for the configuration of av[4...] (see the top). */
static int
entry(int ac, char **av)
{
	struct cli	 cli;
	struct settings	 set = { 0 };
	struct cache	*c;
	struct cache_stamp at = { 0 };
	char		 tok[] = "cached-by-ct-unit", type[] = "Bearer";
	struct token	 t = { tok, type, NULL, 0, 0, 0 };
	enum ct_err	 rc;

	at.wall_ms = wall_ns() / 1000000 - atoll(av[0]) * 1000;
	at.clock_ms = now_ms() - atoll(av[1]) * 1000;
	at.clock = (int)compat_clock_id();
	at.boot_read = 1;
	if (strcmp(av[2], "this") == 0 && compat_boot_id(at.boot,
	    sizeof(at.boot)) == -1)
		errx(2, "no boot id");
	else if (strcmp(av[2], "this") != 0 && strcmp(av[2], "none") != 0)
		snprintf(at.boot, sizeof(at.boot), "%s", av[2]);
	t.has_expiry = strcmp(av[3], "-") != 0;
	t.expires_in = t.has_expiry ? atoll(av[3]) : 0;
	t.received_at = (time_t)(at.wall_ms / 1000);
	av[3] = (char *)"collibra-token";
	if ((c = cache_new()) == NULL)
		errx(2, "out of memory");
	jansson_setup();
	cli_parse(ac - 3, av + 3, &cli);
	rc = config_resolve(&cli, &set);
	cli_free(&cli);
	if (rc == CT_OK)
		rc = cache_open(&set, c);
	if (rc == CT_OK && cache_dirfd(c) == -1)
		rc = CT_ERR_INTERNAL;
	if (rc == CT_OK)
		cache_store_stamped(c, &t, &at);
	cache_free(c);
	config_free(&set);
	return rc == CT_OK ? 0 : 1;
}

/* ct-unit utc SECONDS: utc_time() of a number of seconds. */
static int
utc(const char *arg)
{
	char	 buf[32];

	utc_time(atoll(arg), buf, sizeof(buf));
	return puts(buf) == EOF;
}

/* The word of words (argv, NULL-terminated) that word mistypes, or "-". */
static int
near(const char *word, char **words)
{
	const char	*w = near_word(word, strlen(word),
			    (const char *const *)words);

	return puts(w != NULL ? w : "-") == EOF;
}

int
main(int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[1], "encode") == 0)
		return print_owned(form_urlencode(argv[2], strlen(argv[2])));
	if (argc == 3 && strcmp(argv[1], "quote") == 0)
		return print_owned(shell_quote(argv[2]));
	if (argc == 3 && strcmp(argv[1], "utc") == 0)
		return utc(argv[2]);
	if (argc == 3 && strcmp(argv[1], "userinfo") == 0)
		return print_owned(redact_userinfo(argv[2], strlen(argv[2])));
	if (argc == 4 && strcmp(argv[1], "sanitize") == 0)
		return print_owned(sanitize(argv[2], strlen(argv[2]),
		    (size_t)atoi(argv[3])));
	if (argc >= 4 && strcmp(argv[1], "hidden") == 0)
		return print_owned(sanitize_hidden(argv[2], strlen(argv[2]),
		    (const char *const *)argv + 4, (size_t)argc - 4,
		    (size_t)atoi(argv[3])));
	if (argc == 5 && strcmp(argv[1], "number") == 0)
		return number(argv + 2);
	if (argc == 3 && strcmp(argv[1], "parse") == 0)
		return parse(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "name") == 0)
		return name(argv[2], argc - 3, argv + 3);
	if (argc >= 3 && strcmp(argv[1], "near") == 0)
		return near(argv[2], argv + 3);

	if (argc == 2 && strcmp(argv[1], "compat") == 0)
		return puts(compat_choice()) == EOF;
	if (argc == 3 && strcmp(argv[1], "random") == 0)
		return random_hex(argv[2]);
	if (argc == 4 && strcmp(argv[1], "tmpname") == 0)
		return tmpname(argv[2], argv[3]);
	if (argc == 2 && strcmp(argv[1], "wipe") == 0)
		return wipe();
	if (argc == 2 && strcmp(argv[1], "alloc") == 0)
		return alloc();
	if (argc == 2 && strcmp(argv[1], "nodump") == 0)
		return nodump();
	if (argc == 2 && strcmp(argv[1], "boot") == 0)
		return boot();
	if (argc == 8 && strcmp(argv[1], "lookup") == 0)
		return lookup(argv + 2);
	if (argc >= 6 && strcmp(argv[1], "entry") == 0)
		return entry(argc - 2, argv + 2);
	fprintf(stderr, "usage: ct-unit encode|quote|utc|sanitize|hidden|number|"
	    "parse|name|near|compat|random|tmpname|wipe|alloc|nodump|boot|"
	    "lookup|entry "
	    "ARGS\n");
	return 2;
}
