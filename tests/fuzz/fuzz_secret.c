/*
 * Fuzzes secret_parse(): the contents of a client secret file, read
 * into a buffer with one spare byte.
 *
 * Invariants: the result n is at most the input length; when n > 0,
 * buf[n] is NUL, no NUL comes before it, the bytes before it are the
 * input's own, and only one trailing "\n" or "\r\n" was dropped; a
 * secret of up to 4096 bytes (the runner's -max_len, well below the
 * limit) without NUL is never refused.  ASan catches any write past the
 * len + 1 bytes of the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/extern.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf;
	size_t	 n, want = size;

	if ((buf = malloc(size + 1)) == NULL)
		abort();
	memcpy(buf, data, size);

	n = secret_parse(buf, size);

	/* What the secret should be: the input minus one line ending. */
	if (want > 0 && data[want - 1] == '\n')
		want -= (want > 1 && data[want - 2] == '\r') ? 2 : 1;
	CHECK(n <= size);
	if (n > 0) {
		CHECK(n == want);
		CHECK(buf[n] == '\0');
		CHECK(memchr(buf, '\0', n) == NULL);
		CHECK(memcmp(buf, data, n) == 0);
	} else if (want > 0 && want <= 4096)
		CHECK(memchr(data, '\0', want) != NULL);
	free(buf);
	return 0;
}
