/*
 * The HTTP layer's private view of libcurl: the entry points that
 * libcurl.c loads with dlopen(3), typed from libcurl's own prototypes.
 * Only the HTTP layer's files (http.c, url.c, libcurl.c) include it.
 */
#ifndef LIBCURL_H
#define LIBCURL_H

#include <curl/curl.h>

#define CURL_FUNCS(X)							\
	X(global_init_mem) X(global_cleanup) X(version) X(free)		\
	X(easy_init) X(easy_setopt) X(easy_perform) X(easy_getinfo)	\
	X(easy_cleanup) X(easy_strerror)				\
	X(slist_append) X(slist_free_all)				\
	X(url) X(url_set) X(url_get) X(url_strerror) X(url_cleanup)	\
	X(getdate)

struct curl_api {
#define X(f) __typeof__(curl_##f) *f;
	CURL_FUNCS(X)
#undef X
};

extern struct curl_api curl;

enum ct_err	 libcurl_load(void);

#endif /* !LIBCURL_H */
