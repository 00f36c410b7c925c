/*
 * libcurl, loaded with dlopen(3) on the first request only.  Linking it
 * would load it and the thirty-odd libraries it needs in every run;
 * loaded here, a cache hit never pays for them.  The function table is
 * typed from libcurl's own prototypes.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "extern.h"
#include "libcurl.h"

#define LIBCURL_SONAME	COMPAT_LIBCURL

struct curl_api	 curl;
static void	*handle;
static int	 started;
static unsigned int version_num;	/* of the loaded libcurl */

/*
 * Load libcurl and fill the table; a libcurl older than LIBCURL_MIN is
 * refused.  Returns CT_OK (also when it was loaded before), or
 * CT_ERR_INTERNAL after a message.
 */
enum ct_err
libcurl_load(void)
{
	const curl_version_info_data *info;

	if (handle != NULL)
		return CT_OK;
	if ((handle = dlopen(LIBCURL_SONAME, RTLD_LAZY | RTLD_LOCAL)) ==
	    NULL) {
		warnmsg("cannot load %s: %s; install %s", LIBCURL_SONAME,
		    dlerror(), COMPAT_LIBCURL_PKG);
		return CT_ERR_INTERNAL;
	}
#define X(f)								\
	if ((*(void **)&curl.f = dlsym(handle, "curl_" #f)) == NULL) {	\
		warnmsg("%s lacks curl_%s", LIBCURL_SONAME, #f);	\
		goto fail;						\
	}
	CURL_FUNCS(X)
#undef X
	*(void **)&curl.url_strerror = dlsym(handle, "curl_url_strerror");
	info = curl.version_info(CURLVERSION_NOW);
	if (info == NULL || info->version_num < LIBCURL_MIN) {
		warnmsg("libcurl " LIBCURL_MIN_TEXT " or later is needed, "
		    "found %s", info != NULL && info->version != NULL ?
		    info->version : "an unknown version");
		goto fail;
	}
	version_num = info->version_num;
	return CT_OK;
fail:
	(void)dlclose(handle);
	handle = NULL;
	memset(&curl, 0, sizeof(curl));
	return CT_ERR_INTERNAL;
}

/* True if the loaded libcurl is version num (0xXXYYZZ) or later. */
int
libcurl_since(unsigned int num)
{
	return handle != NULL && version_num >= num;
}

/*
 * Load and start libcurl, with allocators that wipe what libcurl
 * frees (its copies of the credentials and the response).
 */
enum ct_err
libcurl_start(void)
{
	CURLcode	 cc;
	enum ct_err	 rc;

	if (started)
		return CT_OK;
	if ((rc = libcurl_load()) != CT_OK)
		return rc;
	cc = curl.global_init_mem(CURL_GLOBAL_DEFAULT, wipe_malloc,
	    wipe_free_any, wipe_realloc, wipe_strdup, wipe_calloc);
	if (cc != CURLE_OK) {
		warnmsg("cannot start libcurl: %s", curl.easy_strerror(cc));
		return CT_ERR_INTERNAL;
	}
	started = 1;
	return CT_OK;
}

/* Undo libcurl_start(), if it ran. */
void
libcurl_stop(void)
{
	if (started)
		curl.global_cleanup();
	started = 0;
}
