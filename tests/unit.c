/*
 * ct-unit: runs one pure function of collibra-token on its arguments so
 * that the bats suites can test it directly.
 *
 *   ct-unit encode STRING       form_urlencode()
 *   ct-unit quote STRING        shell_quote()
 *   ct-unit sanitize STRING MAX sanitize()
 *   ct-unit userinfo STRING     redact_userinfo()
 *   ct-unit number STRING MIN MAX
 *                               parse_number()
 *   ct-unit parse FILE          token_parse() of FILE's bytes
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

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

int
main(int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[1], "encode") == 0)
		return print_owned(form_urlencode(argv[2], strlen(argv[2])));
	if (argc == 3 && strcmp(argv[1], "quote") == 0)
		return print_owned(shell_quote(argv[2]));
	if (argc == 3 && strcmp(argv[1], "userinfo") == 0)
		return print_owned(redact_userinfo(argv[2], strlen(argv[2])));
	if (argc == 4 && strcmp(argv[1], "sanitize") == 0)
		return print_owned(sanitize(argv[2], strlen(argv[2]),
		    (size_t)atoi(argv[3])));
	if (argc == 5 && strcmp(argv[1], "number") == 0)
		return number(argv + 2);
	if (argc == 3 && strcmp(argv[1], "parse") == 0)
		return parse(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "name") == 0)
		return name(argv[2], argc - 3, argv + 3);
	fprintf(stderr, "usage: ct-unit encode|quote|sanitize|number|parse|"
	    "name ARGS\n");
	return 2;
}
