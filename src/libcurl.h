/*
 * The HTTP layer's private view of libcurl: the entry points that
 * libcurl.c loads with dlopen(3), typed from libcurl's own prototypes.
 * Only the HTTP layer's files (http.c, url.c, libcurl.c) include it.
 */
#ifndef LIBCURL_H
#define LIBCURL_H

#include <curl/curl.h>

/*
 * The oldest libcurl supported, to build against and to run with
 * (Debian 11); what later ones added is used only when the loaded
 * libcurl has it (libcurl_since()), with the same guarantees either way.
 */
#define LIBCURL_MIN		0x074a00	/* 7.74.0 */
#define LIBCURL_MIN_TEXT	"7.74.0"
#if defined(LIBCURL_VERSION_NUM) && LIBCURL_VERSION_NUM < LIBCURL_MIN
#error "libcurl 7.74.0 or later is needed"
#endif
#define LIBCURL_7_84		0x075400	/* CURLINFO_CAINFO, _CAPATH */
#define LIBCURL_7_85		0x075500	/* CURLOPT_PROTOCOLS_STR */

/* Their values, which libcurl never changes, for headers that lack them. */
#if LIBCURL_VERSION_NUM < 0x074d00
#define CURLE_SSL_CLIENTCERT	((CURLcode)98)			/* 7.77.0 */
#endif
#if LIBCURL_VERSION_NUM < LIBCURL_7_84
#define CURLINFO_CAINFO		((CURLINFO)(CURLINFO_STRING + 61))
#define CURLINFO_CAPATH		((CURLINFO)(CURLINFO_STRING + 62))
#endif
#if LIBCURL_VERSION_NUM < LIBCURL_7_85
#define CURLOPT_PROTOCOLS_STR	((CURLoption)(CURLOPTTYPE_STRINGPOINT + 318))
#endif
/* CURLOPT_PROTOCOLS, for libcurl before 7.85 (deprecated since) */
#define CURLOPT_PROTOCOLS_BITS	((CURLoption)(CURLOPTTYPE_LONG + 181))

#define CURL_FUNCS(X)							\
	X(global_init_mem) X(global_cleanup) X(version) X(free)		\
	X(version_info)							\
	X(easy_init) X(easy_setopt) X(easy_perform) X(easy_getinfo)	\
	X(easy_cleanup) X(easy_strerror)				\
	X(slist_append) X(slist_free_all)				\
	X(url) X(url_set) X(url_get) X(url_cleanup)			\
	X(getdate)

struct curl_api {
#define X(f) __typeof__(curl_##f) *f;
	CURL_FUNCS(X)
#undef X
	/* 7.80.0; NULL before */
	const char	*(*url_strerror)(CURLUcode);
};

extern struct curl_api curl;

enum ct_err	 libcurl_load(void);
int		 libcurl_since(unsigned int);

#endif /* !LIBCURL_H */
