/*
 * Fuzzes the three text transformers of outside input, picked by the
 * first byte of the input ('0' sanitize, '1' form_urlencode, '2'
 * shell_quote, modulo 3); the rest is the text.
 *
 * sanitize(): byte 1 is the limit max (0-255).  The output has no byte
 * below 0x20, no 0x7f, no C1 control (U+0080-U+009F), is valid UTF-8
 * (no overlong form, surrogate or code point above U+10FFFF) and holds
 * at most max + 3 bytes; printable ASCII within the limit comes back
 * unchanged.
 * form_urlencode(): the output uses only A-Z a-z 0-9 * - . _ + and %XX
 * with upper-case hex, escapes only bytes that need it, and decodes
 * back to the input, NUL bytes included.
 * shell_quote(): the output starts and ends with a single quote, only
 * '\'' appears outside quotes, and undoing POSIX shell quoting gives
 * the input up to its first NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/extern.h"
#include "fuzz.h"

/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t len)
{
	uint32_t	 cp, min;
	size_t		 n, i;

	if (s[0] < 0x80)
		return 1;
	else if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void
fuzz_sanitize(const uint8_t *data, size_t size)
{
	const unsigned char *o;
	char		*out;
	size_t		 max, len, i, n;
	int		 ascii = 1;

	if (size < 1)
		return;
	max = data[0];
	data++;
	size--;
	if ((out = sanitize((const char *)data, size, max)) == NULL)
		abort();
	o = (const unsigned char *)out;
	len = strlen(out);
	CHECK(len <= max + 3);
	for (i = 0; i < len; i += n) {
		CHECK(o[i] >= 0x20 && o[i] != 0x7f);
		CHECK(!(o[i] == 0xc2 && i + 1 < len && o[i + 1] <= 0x9f));
		CHECK((n = utf8_len(o + i, len - i)) > 0);
	}
	for (i = 0; i < size; i++)
		if (data[i] < 0x20 || data[i] > 0x7e)
			ascii = 0;
	if (ascii && size <= max)
		CHECK(len == size && memcmp(out, data, size) == 0);
	free(out);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '*' || c == '-' || c == '.' ||
	    c == '_';
}

static void
fuzz_urlencode(const uint8_t *data, size_t size)
{
	unsigned char	*dec;
	char		*out;
	size_t		 len, i, d = 0;
	int		 hi, lo;

	if ((out = form_urlencode((const char *)data, size)) == NULL)
		abort();
	len = strlen(out);
	if ((dec = malloc(len + 1)) == NULL)
		abort();
	for (i = 0; i < len; i++) {
		if (out[i] == '+')
			dec[d++] = ' ';
		else if (out[i] == '%') {
			CHECK(i + 2 < len);
			hi = hexval(out[i + 1]);
			lo = hexval(out[i + 2]);
			CHECK(hi >= 0 && lo >= 0);
			dec[d] = (unsigned char)(hi << 4 | lo);
			CHECK(!unreserved(dec[d]) && dec[d] != ' ');
			d++;
			i += 2;
		} else {
			CHECK(unreserved((unsigned char)out[i]));
			dec[d++] = (unsigned char)out[i];
		}
	}
	CHECK(d == size);
	CHECK(memcmp(dec, data, size) == 0);
	free(dec);
	free(out);
}

static void
fuzz_shell_quote(const uint8_t *data, size_t size)
{
	char	*in, *out, *dec, *p;
	size_t	 d = 0;

	if ((in = malloc(size + 1)) == NULL)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';
	if ((out = shell_quote(in)) == NULL)
		abort();
	if ((dec = malloc(strlen(out) + 1)) == NULL)
		abort();
	CHECK(strlen(out) >= 2);
	CHECK(out[0] == '\'' && out[strlen(out) - 1] == '\'');
	p = out;
	while (*p != '\0') {
		if (*p == '\'') {
			/* A single-quoted run: literal up to the next quote. */
			for (p++; *p != '\'' && *p != '\0'; p++)
				dec[d++] = *p;
			CHECK(*p == '\'');
			p++;
		} else {
			/* Between runs only a backslash-escaped quote. */
			CHECK(p[0] == '\\' && p[1] == '\'');
			dec[d++] = '\'';
			p += 2;
		}
	}
	dec[d] = '\0';
	CHECK(strcmp(dec, in) == 0);
	free(dec);
	free(out);
	free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_sanitize(data + 1, size - 1);
		break;
	case 1:
		fuzz_urlencode(data + 1, size - 1);
		break;
	default:
		fuzz_shell_quote(data + 1, size - 1);
		break;
	}
	return 0;
}
