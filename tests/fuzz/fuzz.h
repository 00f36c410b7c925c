/*
 * Shared by the libFuzzer harnesses: CHECK() aborts on a violated
 * invariant after naming it.  The runner closes the harness's stderr
 * (-close_fd_mask=2) to keep the warnx() lines of the parsers out of
 * the way, so the message goes through the sanitizer's report channel,
 * which libFuzzer keeps open; the abort then gives the stack trace.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include <sanitizer/common_interface_defs.h>

#define CHECK(cond) do {						\
	if (!(cond))							\
		check_failed(__FILE__, __LINE__, #cond);		\
} while (0)

static void
check_failed(const char *file, int line, const char *cond)
{
	char	 msg[512];

	snprintf(msg, sizeof(msg), "INVARIANT FAILED: %s:%d: %s",
	    file, line, cond);
	__sanitizer_report_error_summary(msg);
	abort();
}

#endif /* !FUZZ_H */
