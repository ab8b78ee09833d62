/* io_lines.c: bounded line reader and whole-buffer writer (see io_lines.h). */
#include "io_lines.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IO_CHUNK 65536

void io_reader_init(struct io_reader *r, int fd, size_t max_line)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->max_line = max_line;
}

void io_reader_free(struct io_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = r->len = r->start = 0;
}

int io_reader_has_line(const struct io_reader *r)
{
    return r->len > 0 && memchr(r->buf + r->start, '\n', r->len) != NULL;
}

/* Make room for at least IO_CHUNK more bytes, compacting first. The reader stops buffering once
 * a line passes max_line, so the buffer stays below about 2 * (max_line + IO_CHUNK). */
static int reserve(struct io_reader *r)
{
    size_t want;
    char *nb;

    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->len);
        r->start = 0;
    }
    if (r->cap - r->len >= IO_CHUNK)
        return 0;
    want = r->cap ? r->cap * 2 : IO_CHUNK * 2;
    if (want < r->len + IO_CHUNK)
        want = r->len + IO_CHUNK;
    nb = realloc(r->buf, want);
    if (nb == NULL)
        return -1;
    r->buf = nb;
    r->cap = want;
    return 0;
}

#define IO_EXTRA_MAX 64

static const struct io_extra *g_extra;

void io_set_extra(const struct io_extra *x)
{
    g_extra = x;
}

static int wait_readable(struct io_reader *r, volatile sig_atomic_t *stop, const sigset_t *waitmask)
{
    struct pollfd p[1 + IO_EXTRA_MAX];

    for (;;) {
        const struct io_extra *x = g_extra;
        int n = 0, timeout_ms = -1, rc;
        struct timespec ts;

        if (stop != NULL && *stop)
            return IO_SIGNAL;
        p[0].fd = r->fd;
        p[0].events = POLLIN;
        p[0].revents = 0;
        if (x != NULL)
            n = x->prepare(p + 1, IO_EXTRA_MAX, &timeout_ms);
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
        rc = ppoll(p, (nfds_t)(1 + n), timeout_ms < 0 ? NULL : &ts, waitmask);
        if (rc < 0 && errno != EINTR)
            return IO_ERROR;
        if (x != NULL && rc >= 0)
            x->dispatch(p + 1, n);
        if (rc > 0 && p[0].revents != 0)
            return IO_LINE;
    }
}

static enum io_status fill(struct io_reader *r, volatile sig_atomic_t *stop, const sigset_t *waitmask)
{
    ssize_t n;
    int w;

    if (reserve(r) != 0) {
        errno = ENOMEM;
        return IO_ERROR;
    }
    w = wait_readable(r, stop, waitmask);
    if (w != IO_LINE)
        return (enum io_status)w;
    do {
        n = read(r->fd, r->buf + r->len, r->cap - r->len);
    } while (n < 0 && errno == EINTR && !(stop != NULL && *stop));
    if (n < 0)
        return (stop != NULL && *stop) ? IO_SIGNAL : IO_ERROR;
    if (n == 0)
        r->eof = 1;
    r->len += (size_t)n;
    return IO_LINE;
}

/* Drop bytes up to and including the next newline while discarding an oversized line.
 * Returns: 1 when the end of the long line was found. */
static int discard(struct io_reader *r)
{
    char *nl = memchr(r->buf + r->start, '\n', r->len);

    if (nl == NULL) {
        r->start = r->len = 0;
        return 0;
    }
    size_t used = (size_t)(nl - (r->buf + r->start)) + 1;
    r->start += used;
    r->len -= used;
    r->discarding = 0;
    return 1;
}

static void take(struct io_reader *r, size_t n, size_t consumed, char **line, size_t *len)
{
    char *p = r->buf + r->start;

    if (n > 0 && p[n - 1] == '\r')
        n--;
    p[n] = '\0'; /* overwrites the '\n' (or is within reserve for a final line) */
    *line = p;
    *len = n;
    r->start += consumed;
    r->len -= consumed;
}

enum io_status io_read_line(struct io_reader *r, char **line, size_t *len, volatile sig_atomic_t *stop,
                            const sigset_t *waitmask)
{
    size_t scanned = 0;

    for (;;) {
        if (r->discarding) {
            if (discard(r))
                return IO_TOO_LONG;
        } else if (r->len > 0) {
            char *nl = memchr(r->buf + r->start + scanned, '\n', r->len - scanned);
            if (nl != NULL) {
                size_t n = (size_t)(nl - (r->buf + r->start));
                if (n > r->max_line) {
                    r->start += n + 1;
                    r->len -= n + 1;
                    return IO_TOO_LONG;
                }
                take(r, n, n + 1, line, len);
                return IO_LINE;
            }
            scanned = r->len;
            if (r->len > r->max_line) {
                r->discarding = 1;
                scanned = 0;
                continue;
            }
        }
        if (r->eof) {
            if (r->discarding) { /* an oversized last line with no newline: report it once */
                r->discarding = 0;
                r->start = r->len = 0;
                return IO_TOO_LONG;
            }
            if (r->len == 0)
                return IO_EOF;
            if (r->cap == r->start + r->len && reserve(r) != 0)
                return IO_ERROR;
            take(r, r->len, r->len, line, len);
            return IO_LINE;
        }
        enum io_status st = fill(r, stop, waitmask);
        if (st != IO_LINE)
            return st;
    }
}

int io_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            struct pollfd pw = {.fd = fd, .events = POLLOUT};
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN && poll(&pw, 1, -1) >= 0)
                continue; /* stdout was left non-blocking by our parent: wait until it drains */
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
