/* http_parse.h: a small strict HTTP/1.1 request parser for the loopback approval page.
 * It accepts only what a browser or an ordinary client sends: a request line
 * "METHOD SP /target SP HTTP/1.1" (or 1.0), header lines "Name: value" each ending in CRLF,
 * an empty line, then a body of exactly Content-Length bytes. It refuses everything a
 * server in front of nothing does not need: obsolete line folding, bare LF, control bytes,
 * Transfer-Encoding (no chunked bodies), a duplicated Host or Content-Length, absolute
 * targets, more headers or bytes than the limits. Nothing is allocated: the request refers
 * to fixed buffers inside struct http_request. */
#ifndef SKM_HTTP_PARSE_H
#define SKM_HTTP_PARSE_H

#include <stddef.h>

#define HTTP_MAX_HEAD 8192     /* request line + headers + blank line */
#define HTTP_MAX_HEADERS 40
#define HTTP_MAX_BODY 16384

enum http_parse_rc {
    HTTP_NEED_MORE = 0, /* the request is not complete yet: read more */
    HTTP_DONE = 1,      /* a complete request (head and body) */
    HTTP_BAD = 400,     /* malformed: answer 400 and close */
    HTTP_TOO_LARGE = 413, /* body over HTTP_MAX_BODY */
    HTTP_HEAD_TOO_LARGE = 431, /* head over HTTP_MAX_HEAD or too many header lines */
    HTTP_NOT_IMPLEMENTED = 501, /* Transfer-Encoding, or a method we do not know */
    HTTP_BAD_VERSION = 505
};

struct http_request {
    char method[8];        /* "GET", "HEAD", "POST", ... */
    char target[512];      /* origin-form path (and query), starts with "/" */
    int minor;             /* HTTP/1.minor */
    char host[256];        /* "" when absent */
    char origin[256];      /* "" when absent */
    char content_type[128];
    char sec_fetch_site[32];
    int has_host, has_origin;
    size_t content_length; /* 0 when absent */
    size_t head_len;       /* bytes of the head, blank line included */
    const char *body;      /* points into the caller's buffer (HTTP_DONE only) */
    size_t body_len;
};

/* Parse buf[0..len) (the bytes received so far on one connection).
 * Returns: an enum http_parse_rc; *req filled on HTTP_DONE (and partly on errors). */
enum http_parse_rc http_parse(struct http_request *req, const char *buf, size_t len);

/* The reason phrase for a status code ("Not Found"); "Error" for an unknown one. */
const char *http_reason(int status);

#endif
