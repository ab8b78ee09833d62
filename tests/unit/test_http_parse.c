/* test_http_parse.c: the strict HTTP/1.1 request parser of the approval page (http_parse.c):
 * what a browser sends is accepted field by field, byte by byte as it arrives; everything a
 * loopback page does not need (folding, bare LF, chunked bodies, duplicate Host or
 * Content-Length, absolute targets, oversize heads and bodies) is refused with its status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "test.h"

static enum http_parse_rc parse(struct http_request *r, const char *s)
{
    return http_parse(r, s, strlen(s));
}

TEST(http_parse_browser_get)
{
    struct http_request r;
    const char *s = "GET /approve/abc HTTP/1.1\r\nHost: 127.0.0.1:4242\r\nUser-Agent: x\r\n"
                    "Sec-Fetch-Site: same-origin\r\nAccept: */*\r\n\r\n";

    CHECK_EQ_INT(parse(&r, s), HTTP_DONE);
    CHECK_STR(r.method, "GET");
    CHECK_STR(r.target, "/approve/abc");
    CHECK_STR(r.host, "127.0.0.1:4242");
    CHECK_STR(r.sec_fetch_site, "same-origin");
    CHECK_EQ_INT(r.minor, 1);
    CHECK_EQ_INT(r.has_origin, 0);
    CHECK_EQ_INT(r.body_len, 0);
    /* every proper prefix needs more bytes */
    for (size_t n = 0; n < strlen(s); n++)
        CHECK_EQ_INT(http_parse(&r, s, n), HTTP_NEED_MORE);
}

TEST(http_parse_post_body)
{
    struct http_request r;
    const char *s = "POST /approve/t/decision HTTP/1.1\r\nhost: localhost:1\r\nOrigin:  http://localhost:1 \r\n"
                    "Content-Type: application/json\r\nContent-Length: 19\r\n\r\n{\"action\":\"decline\"}";

    /* 20 body bytes for Content-Length 19: pipelined extra byte refused */
    CHECK_EQ_INT(parse(&r, s), HTTP_BAD);
    s = "POST /approve/t/decision HTTP/1.1\r\nhost: localhost:1\r\nOrigin:  http://localhost:1 \r\n"
        "Content-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"action\":\"decline\"}";
    CHECK_EQ_INT(parse(&r, s), HTTP_DONE);
    CHECK_STR(r.origin, "http://localhost:1");
    CHECK_STR(r.content_type, "application/json");
    CHECK_EQ_INT(r.body_len, 20);
    CHECK(memcmp(r.body, "{\"action\":\"decline\"}", 20) == 0);
    CHECK_EQ_INT(http_parse(&r, s, strlen(s) - 1), HTTP_NEED_MORE);
}

TEST(http_parse_refusals)
{
    struct http_request r;
    static const struct {
        const char *in;
        enum http_parse_rc want;
    } cases[] = {
        {"GET / HTTP/1.1\nHost: a\r\n\r\n", HTTP_BAD},                      /* bare LF */
        {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", HTTP_BAD},         /* obs-fold */
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", HTTP_BAD},         /* two Hosts */
        {"GET / HTTP/1.1\r\n\r\n", HTTP_BAD},                               /* no Host in 1.1 */
        {"GET http://evil/ HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD},         /* absolute target */
        {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", HTTP_BAD_VERSION},
        {"GET / HTTP/1.2\r\nHost: a\r\n\r\n", HTTP_BAD_VERSION},
        {"GET / HTTX/1.1\r\nHost: a\r\n\r\n", HTTP_BAD},
        {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD},
        {"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD},
        {"VERYLONGMETHOD / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_NOT_IMPLEMENTED},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_NOT_IMPLEMENTED},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", HTTP_BAD},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", HTTP_BAD},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", HTTP_BAD},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 16385\r\n\r\n", HTTP_TOO_LARGE},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n", HTTP_TOO_LARGE},
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", HTTP_BAD},
        {"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", HTTP_BAD},
        {"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD},
        {"\r\n\r\n", HTTP_BAD},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum http_parse_rc got = parse(&r, cases[i].in);
        if (got != cases[i].want) {
            test_fail(__FILE__, __LINE__, "case %zu: got %d, want %d", i, (int)got, (int)cases[i].want);
            return;
        }
    }
}

TEST(http_parse_limits)
{
    struct http_request r;
    char *big = malloc(HTTP_MAX_HEAD + 64);
    size_t n;

    CHECK(big != NULL);
    /* a head that never ends */
    n = (size_t)snprintf(big, 64, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
    memset(big + n, 'a', HTTP_MAX_HEAD + 10 - n);
    CHECK_EQ_INT(http_parse(&r, big, HTTP_MAX_HEAD + 10), HTTP_HEAD_TOO_LARGE);
    /* too many header lines */
    n = (size_t)snprintf(big, 64, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < HTTP_MAX_HEADERS + 2; i++)
        n += (size_t)snprintf(big + n, 16, "X%d: y\r\n", i);
    n += (size_t)snprintf(big + n, 4, "\r\n");
    CHECK_EQ_INT(http_parse(&r, big, n), HTTP_HEAD_TOO_LARGE);
    free(big);
    CHECK_STR(http_reason(404), "Not Found");
    CHECK_STR(http_reason(431), "Request Header Fields Too Large");
    CHECK_STR(http_reason(299), "Error");
}
