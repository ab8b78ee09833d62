/* http_parse.c: the strict HTTP/1.1 request parser (see http_parse.h). */
#include "http_parse.h"

#include <string.h>
#include <strings.h>

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Visible ASCII, space and tab (obs-text refused: nothing we serve needs it). */
static int is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c < 0x7f);
}

/* Find "\r\n\r\n" in buf[0..len). Returns: offset just after it, or 0. A bare LF anywhere
 * in the head is reported as -1. */
static long head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
            return -1;
        if (i >= 3 && buf[i] == '\n' && memcmp(buf + i - 3, "\r\n\r\n", 4) == 0)
            return (long)(i + 1);
    }
    return 0;
}

static int copy_field(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        return -1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

static int name_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

static enum http_parse_rc request_line(struct http_request *req, const char *p, size_t n)
{
    const char *sp1 = memchr(p, ' ', n), *sp2;
    size_t mlen, tlen;

    if (sp1 == NULL || sp1 == p)
        return HTTP_BAD;
    mlen = (size_t)(sp1 - p);
    for (size_t i = 0; i < mlen; i++)
        if (!is_tchar((unsigned char)p[i]))
            return HTTP_BAD;
    if (mlen >= sizeof req->method)
        return HTTP_NOT_IMPLEMENTED;
    sp2 = memchr(sp1 + 1, ' ', n - mlen - 1);
    if (sp2 == NULL)
        return HTTP_BAD;
    tlen = (size_t)(sp2 - sp1 - 1);
    if (tlen == 0 || sp1[1] != '/')
        return HTTP_BAD;
    for (size_t i = 0; i < tlen; i++) {
        unsigned char c = (unsigned char)sp1[1 + i];
        if (c <= 0x20 || c >= 0x7f)
            return HTTP_BAD;
    }
    if (copy_field(req->method, sizeof req->method, p, mlen) != 0 ||
        copy_field(req->target, sizeof req->target, sp1 + 1, tlen) != 0)
        return tlen >= sizeof req->target ? HTTP_HEAD_TOO_LARGE : HTTP_BAD;
    n -= (size_t)(sp2 + 1 - p);
    p = sp2 + 1;
    if (n != 8 || memcmp(p, "HTTP/1.", 7) != 0)
        return n >= 5 && memcmp(p, "HTTP/", 5) == 0 ? HTTP_BAD_VERSION : HTTP_BAD;
    if (p[7] != '0' && p[7] != '1')
        return HTTP_BAD_VERSION;
    req->minor = p[7] - '0';
    return HTTP_DONE;
}

static enum http_parse_rc content_length(struct http_request *req, const char *v, size_t n)
{
    size_t x = 0;

    if (n == 0 || n > 9)
        return n > 9 ? HTTP_TOO_LARGE : HTTP_BAD;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return HTTP_BAD;
        x = x * 10 + (size_t)(v[i] - '0');
    }
    req->content_length = x;
    return x > HTTP_MAX_BODY ? HTTP_TOO_LARGE : HTTP_DONE;
}

static enum http_parse_rc header(struct http_request *req, const char *p, size_t n, int *seen_len)
{
    const char *colon = memchr(p, ':', n), *v;
    size_t nlen, vlen;

    if (colon == NULL || colon == p)
        return HTTP_BAD;
    nlen = (size_t)(colon - p);
    for (size_t i = 0; i < nlen; i++)
        if (!is_tchar((unsigned char)p[i]))
            return HTTP_BAD; /* also refuses obs-fold and "Name :" */
    v = colon + 1;
    vlen = n - nlen - 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
    for (size_t i = 0; i < vlen; i++)
        if (!is_value_char((unsigned char)v[i]))
            return HTTP_BAD;
    if (name_is(p, nlen, "host")) {
        if (req->has_host || copy_field(req->host, sizeof req->host, v, vlen) != 0)
            return HTTP_BAD;
        req->has_host = 1;
    } else if (name_is(p, nlen, "origin")) {
        if (req->has_origin || copy_field(req->origin, sizeof req->origin, v, vlen) != 0)
            return HTTP_BAD;
        req->has_origin = 1;
    } else if (name_is(p, nlen, "content-length")) {
        if (*seen_len)
            return HTTP_BAD;
        *seen_len = 1;
        return content_length(req, v, vlen);
    } else if (name_is(p, nlen, "content-type")) {
        if (copy_field(req->content_type, sizeof req->content_type, v, vlen) != 0)
            return HTTP_BAD;
    } else if (name_is(p, nlen, "sec-fetch-site")) {
        if (copy_field(req->sec_fetch_site, sizeof req->sec_fetch_site, v, vlen) != 0)
            return HTTP_BAD;
    } else if (name_is(p, nlen, "transfer-encoding")) {
        return HTTP_NOT_IMPLEMENTED;
    }
    return HTTP_DONE;
}

enum http_parse_rc http_parse(struct http_request *req, const char *buf, size_t len)
{
    long end = head_end(buf, len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD);
    const char *p = buf, *stop;
    int lines = 0, seen_len = 0;
    enum http_parse_rc rc;

    memset(req, 0, sizeof *req);
    if (end < 0)
        return HTTP_BAD;
    if (end == 0)
        return len >= HTTP_MAX_HEAD ? HTTP_HEAD_TOO_LARGE : HTTP_NEED_MORE;
    stop = buf + end - 2; /* the final CRLF */
    while (p < stop) {
        const char *eol = memchr(p, '\r', (size_t)(stop - p));
        size_t n;

        if (eol == NULL || eol[1] != '\n')
            return HTTP_BAD;
        n = (size_t)(eol - p);
        if (lines == 0)
            rc = n == 0 ? HTTP_BAD : request_line(req, p, n);
        else if (lines > HTTP_MAX_HEADERS)
            return HTTP_HEAD_TOO_LARGE;
        else
            rc = header(req, p, n, &seen_len);
        if (rc != HTTP_DONE)
            return rc;
        lines++;
        p = eol + 2;
    }
    if (lines == 0)
        return HTTP_BAD;
    if (req->minor == 1 && !req->has_host)
        return HTTP_BAD;
    req->head_len = (size_t)end;
    if (len - (size_t)end < req->content_length)
        return HTTP_NEED_MORE;
    if (len - (size_t)end > req->content_length)
        return HTTP_BAD; /* pipelining is not served: one request per connection */
    req->body = buf + end;
    req->body_len = req->content_length;
    return HTTP_DONE;
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}
