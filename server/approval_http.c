/* approval_http.c: the loopback HTTP server (see approval_http.h). */
#include "approval_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "io_lines.h"
#include "log.h"

#define BUF_CAP (HTTP_MAX_HEAD + HTTP_MAX_BODY)

struct client {
    int fd;            /* -1: free slot */
    int64_t started;   /* ms, monotonic */
    int64_t deadline;  /* ms: read the request, then write the answer, by then */
    char *in;          /* BUF_CAP bytes */
    size_t in_len;
    char *out;         /* the whole answer, malloc'd; NULL while reading */
    size_t out_len, out_off;
    int closing;       /* answer sent, write side shut: reading to EOF before closing, so
                        * that unread input cannot turn the close into a reset that loses it */
};

static struct {
    int started;   /* zero-initialized (.bss): nothing of this is touched before the first start */
    int listen_fd;
    int port;
    http_handler fn;
    struct client c[HTTP_MAX_CLIENTS];
    int polled[HTTP_MAX_CLIENTS + 1]; /* client index of each polled entry (-1: listener) */
} g;

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drop(struct client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->in);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

/* Queue the answer: status line, the fixed safety headers, body. The body is freed. */
static void respond(struct client *c, const struct http_response *res)
{
    char csp[400], head[1200];
    int status = res->status ? res->status : 500;
    const char *n = res->nonce;
    int hl;

    if (n[0] != '\0')
        snprintf(csp, sizeof csp, "default-src 'none'; script-src 'nonce-%s'; style-src 'nonce-%s'; "
                 "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'%s", n, n,
                 res->frame_ok ? "" : "; frame-ancestors 'none'");
    else
        snprintf(csp, sizeof csp, "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    hl = snprintf(head, sizeof head,
                  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
                  "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n"
                  "Cross-Origin-Resource-Policy: same-origin\r\nContent-Security-Policy: %s\r\n%s\r\n",
                  status, http_reason(status), res->content_type ? res->content_type : "text/plain; charset=utf-8",
                  res->len, csp, res->frame_ok ? "" : "X-Frame-Options: DENY\r\n");
    free(c->out);
    c->out = malloc((size_t)hl + res->len);
    if (c->out == NULL) {
        free(res->body);
        drop(c);
        return;
    }
    memcpy(c->out, head, (size_t)hl);
    if (res->len)
        memcpy(c->out + hl, res->body, res->len);
    free(res->body);
    c->out_len = (size_t)hl + res->len;
    c->out_off = 0;
    c->deadline = now_ms() + HTTP_REQUEST_MS;
}

static void respond_text(struct client *c, int status, const char *words)
{
    struct http_response r;

    memset(&r, 0, sizeof r);
    r.status = status;
    r.body = strdup(words);
    r.len = r.body ? strlen(r.body) : 0;
    respond(c, &r);
}

/* Host must name this server: 127.0.0.1:PORT or localhost:PORT (anything else is a DNS
 * rebinding attempt or a misdirected request). */
static int host_ok(const char *host)
{
    char a[64], b[64];

    snprintf(a, sizeof a, "127.0.0.1:%d", g.port);
    snprintf(b, sizeof b, "localhost:%d", g.port);
    return strcmp(host, a) == 0 || strcasecmp(host, b) == 0;
}

static void handle(struct client *c, const struct http_request *req)
{
    struct http_response res;
    char origin[300];

    if (!req->has_host || !host_ok(req->host)) {
        respond_text(c, 403, "This approval server only answers requests addressed to it on 127.0.0.1 or "
                     "localhost with its own port.\n");
        return;
    }
    if (strcmp(req->method, "POST") == 0) {
        snprintf(origin, sizeof origin, "http://%s", req->host);
        if (!req->has_origin || strcmp(req->origin, origin) != 0) {
            respond_text(c, 403, "Refused: this request did not come from the approval page itself.\n");
            return;
        }
        if (strncmp(req->content_type, "application/json", 16) != 0) {
            respond_text(c, 415, "Send the decision as application/json.\n");
            return;
        }
    } else if (strcmp(req->method, "GET") != 0) {
        respond_text(c, 405, "Only GET and POST are served here.\n");
        return;
    }
    memset(&res, 0, sizeof res);
    g.fn(req, &res);
    respond(c, &res);
}

static void on_readable(struct client *c)
{
    struct http_request req;
    enum http_parse_rc rc;
    ssize_t n;

    if (c->in == NULL && (c->in = malloc(BUF_CAP)) == NULL) {
        drop(c);
        return;
    }
    n = recv(c->fd, c->in + c->in_len, BUF_CAP - c->in_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        drop(c);
        return;
    }
    c->in_len += (size_t)n;
    rc = http_parse(&req, c->in, c->in_len);
    if (rc == HTTP_NEED_MORE && c->in_len == BUF_CAP)
        rc = HTTP_TOO_LARGE;
    if (rc == HTTP_NEED_MORE)
        return;
    if (rc == HTTP_DONE)
        handle(c, &req);
    else
        respond_text(c, (int)rc, "The request could not be read; nothing was changed.\n");
}

static void on_writable(struct client *c)
{
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        drop(c);
        return;
    }
    c->out_off += (size_t)n;
    if (c->out_off == c->out_len) {
        shutdown(c->fd, SHUT_WR);
        c->closing = 1;
        c->deadline = now_ms() + HTTP_LINGER_MS;
    }
}

static void on_drain(struct client *c)
{
    char scratch[4096];
    ssize_t n = recv(c->fd, scratch, sizeof scratch, 0);

    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        drop(c);
}

/* A free slot; when all are taken, the oldest connection that has been sending its request
 * for over HTTP_EVICT_MS gives way (slow-loris connections cannot starve the page, and a burst
 * of ordinary clients waits in the backlog instead of pushing each other out).
 * evict: close that connection. Returns: index, or -1 (then *wake_ms: when one may give way). */
static int free_slot(int evict, int64_t now, int64_t *wake_ms)
{
    int oldest = -1;

    for (int i = 0; i < HTTP_MAX_CLIENTS; i++) {
        if (g.c[i].fd < 0)
            return i;
        if (g.c[i].out == NULL && (oldest < 0 || g.c[i].started < g.c[oldest].started))
            oldest = i;
    }
    if (oldest < 0)
        return -1;
    if (now - g.c[oldest].started < HTTP_EVICT_MS) {
        if (wake_ms != NULL)
            *wake_ms = g.c[oldest].started + HTTP_EVICT_MS - now;
        return -1;
    }
    if (evict)
        drop(&g.c[oldest]);
    return oldest;
}

static void on_accept(void)
{
    for (int k = 0; k < 16; k++) {
        int64_t now = now_ms();
        int i = free_slot(1, now, NULL), fd;

        if (i < 0)
            return; /* the rest wait in the backlog */
        fd = accept4(g.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        g.c[i].fd = fd;
        g.c[i].started = now;
        g.c[i].deadline = now + HTTP_REQUEST_MS;
    }
}

static int prepare(struct pollfd *fds, int max, int *timeout_ms)
{
    int n = 0;
    int64_t now = now_ms(), wake = -1;

    if (!g.started || max < 1)
        return 0;
    if (free_slot(0, now, &wake) >= 0) {
        fds[n].fd = g.listen_fd;
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        g.polled[n++] = -1;
    } else if (wake >= 0) {
        *timeout_ms = (int)wake;
    }
    for (int i = 0; i < HTTP_MAX_CLIENTS && n < max; i++) {
        struct client *c = &g.c[i];
        int64_t left;

        if (c->fd < 0)
            continue;
        fds[n].fd = c->fd;
        fds[n].events = c->out && !c->closing ? POLLOUT : POLLIN;
        fds[n].revents = 0;
        g.polled[n++] = i;
        left = c->deadline - now;
        if (left < 0)
            left = 0;
        if (*timeout_ms < 0 || left < *timeout_ms)
            *timeout_ms = (int)left;
    }
    return n;
}

static void dispatch(struct pollfd *fds, int n)
{
    int64_t now;

    for (int k = 0; k < n && g.started; k++) {
        int i = g.polled[k];

        if (fds[k].revents == 0)
            continue;
        if (i < 0) {
            on_accept();
            continue;
        }
        if (g.c[i].fd != fds[k].fd)
            continue;
        if (fds[k].revents & (POLLERR | POLLNVAL))
            drop(&g.c[i]);
        else if (g.c[i].closing)
            on_drain(&g.c[i]);
        else if (g.c[i].out)
            on_writable(&g.c[i]);
        else
            on_readable(&g.c[i]);
    }
    now = now_ms();
    for (int i = 0; i < HTTP_MAX_CLIENTS; i++) {
        struct client *c = &g.c[i];

        if (c->fd < 0 || c->deadline > now)
            continue;
        if (c->out == NULL) { /* too slow to send its request: say so once, briefly */
            respond_text(c, 408, "The request took too long to arrive.\n");
            if (c->fd >= 0)
                on_writable(c);
        }
        if (c->fd >= 0 && c->out != NULL && !c->closing && c->deadline <= now_ms())
            drop(c); /* would not take its answer */
        else if (c->fd >= 0 && c->closing && c->deadline <= now)
            drop(c);
    }
}

static const struct io_extra extra = {prepare, dispatch};

enum mcp_rc http_server_start(int port, http_handler fn, int *bound, struct mcp_error *err)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int one = 1, fd;

    if (g.started) {
        *bound = g.port;
        return MCP_OK;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return mcp_errf(err, MCP_EIO, "The approval page could not start (socket: %s).", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        int e = errno;
        close(fd);
        return mcp_errf(err, MCP_EIO, "The approval page could not start on 127.0.0.1:%d (%s). Start the server "
                        "with another --approval-port (0 picks any free port).", port, strerror(e));
    }
    for (int i = 0; i < HTTP_MAX_CLIENTS; i++)
        g.c[i].fd = -1;
    g.listen_fd = fd;
    g.started = 1;
    g.port = ntohs(a.sin_port);
    g.fn = fn;
    io_set_extra(&extra);
    log_info("approval page listening on 127.0.0.1:%d", g.port);
    *bound = g.port;
    return MCP_OK;
}

void http_server_stop(void)
{
    if (!g.started)
        return;
    io_set_extra(NULL);
    for (int i = 0; i < HTTP_MAX_CLIENTS; i++)
        if (g.c[i].fd >= 0)
            drop(&g.c[i]);
    close(g.listen_fd);
    g.listen_fd = -1;
    g.started = 0;
}
