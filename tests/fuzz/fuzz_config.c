/*
 * Fuzzes the config file parser (profile_load() with libinih): the
 * input is written to a file of mode 0600, read with the profile
 * "prod" selected.
 *
 * Invariants: the result is CT_OK, CT_ERR_USAGE or CT_ERR_INTERNAL;
 * on CT_OK every kept value has a source "PATH:LINE" with a line within
 * the input, and values of [default] or the selected profile only; a
 * key kept for the profile means its section was found.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/extern.h"
#include "fuzz.h"

static char	 path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "/tmp/collibra-token-fuzz.%ld.ini",
	    (long)getpid());
	return 0;
}

/* The number of lines in the input, counting a last unterminated one. */
static long
lines(const uint8_t *data, size_t size)
{
	long	 n = 0;
	size_t	 i;

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n + (size > 0 && data[size - 1] != '\n');
}

static void
check_values(const struct profile *p, const struct profile_value *v,
    long max_line)
{
	size_t	 n = strlen(p->path);
	int	 i;

	for (i = 0; i < SET__MAX; i++) {
		CHECK((v[i].value == NULL) == (v[i].from == NULL));
		if (v[i].from == NULL)
			continue;
		CHECK(strncmp(v[i].from, p->path, n) == 0 &&
		    v[i].from[n] == ':');
		CHECK(atol(v[i].from + n + 1) >= 1 &&
		    atol(v[i].from + n + 1) <= max_line);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile	 p;
	enum ct_err	 rc;
	int		 fd, i;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, data, size) != (ssize_t)size || close(fd) == -1)
		abort();
	memset(&p, 0, sizeof(p));
	if ((p.path = strdup(path)) == NULL)
		abort();
	p.name = "prod";
	rc = profile_load(&p, 1);
	CHECK(rc == CT_OK || rc == CT_ERR_USAGE || rc == CT_ERR_INTERNAL);
	if (rc == CT_OK) {
		CHECK(p.loaded && p.found);
		check_values(&p, p.def, lines(data, size));
		check_values(&p, p.sel, lines(data, size));
	}
	for (i = 0; i < SET__MAX && rc == CT_OK; i++)
		if (p.sel[i].value != NULL)
			CHECK(p.found);
	profile_free(&p);
	return 0;
}
