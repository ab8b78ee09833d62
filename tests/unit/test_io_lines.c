/* test_io_lines.c: newline framing (io_read_line) and the whole-buffer writer (io_write_all).
 * Input comes from pipes, pre-filled when small and fed by a writer thread when the test needs
 * more than a pipe holds or wants the bytes split across many reads. No timing is asserted:
 * sleeps only make splits and interruptions likely, every expectation holds without them. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io_lines.h"
#include "test.h"

#define IO_CHUNK_BYTES 65536 /* the reader's read size (io_lines.c) */

/* ---- helpers ---- */

/* A pipe already holding data (at most a pipe's capacity), write end closed when close_w.
 * Returns: the read end, or -1. *wfd_out gets the write end when it stays open. */
static int prefilled(const void *data, size_t len, int close_w, int *wfd_out)
{
    int p[2];

    if (pipe(p) != 0)
        return -1;
    if (len > 0 && write(p[1], data, len) != (ssize_t)len) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (close_w)
        close(p[1]);
    else if (wfd_out != NULL)
        *wfd_out = p[1];
    return p[0];
}

/* One event from the reader: a status and, for IO_LINE, a copy of the line. */
struct ev {
    int st;
    size_t len;
    char *line;
};

#define MAX_EVS 64

struct evs {
    struct ev e[MAX_EVS];
    int n;
};

/* Read until EOF/error/signal (or MAX_EVS events), copying every line. */
static void collect(struct io_reader *r, struct evs *out)
{
    out->n = 0;
    while (out->n < MAX_EVS) {
        char *line = NULL;
        size_t len = 0;
        enum io_status st = io_read_line(r, &line, &len, NULL, NULL);
        struct ev *e = &out->e[out->n++];

        e->st = (int)st;
        e->len = 0;
        e->line = NULL;
        if (st == IO_LINE) {
            e->len = len;
            e->line = malloc(len + 1);
            if (e->line != NULL) {
                memcpy(e->line, line, len);
                e->line[len] = '\0';
            }
        }
        if (st != IO_LINE && st != IO_TOO_LONG)
            break;
    }
}

static void evs_free(struct evs *v)
{
    for (int i = 0; i < v->n; i++)
        free(v->e[i].line);
    v->n = 0;
}

/* Read everything from a pre-filled pipe holding `data`, with limit max_line. */
static void collect_from(const char *data, size_t len, size_t max_line, struct evs *out)
{
    struct io_reader r;
    int fd = prefilled(data, len, 1, NULL);

    out->n = 0;
    if (fd < 0)
        return;
    io_reader_init(&r, fd, max_line);
    collect(&r, out);
    io_reader_free(&r);
    close(fd);
}

/* Writes buf in chunks from its own thread, then closes fd. chunk 0 = random 1..max_chunk
 * sizes from a private generator (test_rand is not thread-safe). */
struct writer {
    pthread_t th;
    int fd;
    const char *buf;
    size_t len;
    size_t chunk;
    size_t max_chunk;
    uint64_t seed;
    int delay_us;
    int failed;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    size_t off = 0;
    uint64_t x = w->seed | 1;

    while (off < w->len) {
        size_t n = w->chunk;
        if (n == 0) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            n = 1 + (size_t)(x % w->max_chunk);
        }
        if (n > w->len - off)
            n = w->len - off;
        ssize_t k = write(w->fd, w->buf + off, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            w->failed = 1; /* EPIPE when the reader gave up early */
            break;
        }
        off += (size_t)k;
        if (w->delay_us > 0)
            usleep((useconds_t)w->delay_us);
    }
    close(w->fd);
    return NULL;
}

static struct sigaction g_old_pipe;

/* A writer thread on a fresh pipe; returns the read end or -1. SIGPIPE is ignored until
 * writer_stop so an early-failing reader cannot kill the test binary. */
static int writer_start(struct writer *w, const char *buf, size_t len, size_t chunk, int delay_us)
{
    struct sigaction ign;
    int p[2];

    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &g_old_pipe);
    if (pipe(p) != 0)
        return -1;
    w->fd = p[1];
    w->buf = buf;
    w->len = len;
    w->chunk = chunk;
    w->max_chunk = w->max_chunk ? w->max_chunk : 4096;
    w->seed = w->seed ? w->seed : test_rand();
    w->delay_us = delay_us;
    w->failed = 0;
    if (pthread_create(&w->th, NULL, writer_main, w) != 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    return p[0];
}

static void writer_stop(struct writer *w, int rfd)
{
    close(rfd); /* unblocks a writer still writing (EPIPE) */
    pthread_join(w->th, NULL);
    sigaction(SIGPIPE, &g_old_pipe, NULL);
}

/* ---- reading ---- */

TEST(io_single_line)
{
    struct evs v;

    collect_from("hello\n", 6, 1024, &v);
    int n = v.n, st0 = v.e[0].st, st1 = v.e[1].st;
    size_t len0 = v.e[0].len;
    int same = v.e[0].line != NULL && strcmp(v.e[0].line, "hello") == 0;
    evs_free(&v);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(st0, IO_LINE);
    CHECK_EQ_INT(len0, 5);
    CHECK(same);
    CHECK_EQ_INT(st1, IO_EOF);
}

TEST(io_crlf_only_trailing_cr_stripped)
{
    static const char in[] = "a\r\nb\rc\r\n\r\nx\r\r\n\rlead\n";
    static const char *const want[] = {"a", "b\rc", "", "x\r", "\rlead"};
    struct evs v;
    char why[200] = "";

    collect_from(in, sizeof in - 1, 1024, &v);
    if (v.n != 6)
        snprintf(why, sizeof why, "%d events, expected 6", v.n);
    for (int i = 0; why[0] == '\0' && i < 5; i++) {
        if (v.e[i].st != IO_LINE || v.e[i].len != strlen(want[i]) || memcmp(v.e[i].line, want[i], v.e[i].len) != 0)
            snprintf(why, sizeof why, "line %d: status %d, len %zu, expected \"%s\"", i, v.e[i].st, v.e[i].len,
                     want[i]);
    }
    if (why[0] == '\0' && v.e[5].st != IO_EOF)
        snprintf(why, sizeof why, "last status %d, expected IO_EOF", v.e[5].st);
    evs_free(&v);
    CHECK_STR(why, "");
}

TEST(io_several_lines_in_one_read)
{
    static const char in[] = "{\"a\":1}\n{\"b\":2}\nthird\n";
    struct io_reader r;
    char *line;
    size_t len;
    int fd = prefilled(in, sizeof in - 1, 1, NULL);

    CHECK(fd >= 0);
    io_reader_init(&r, fd, 1024);
    CHECK_EQ_INT(io_reader_has_line(&r), 0); /* nothing read yet */
    CHECK_EQ_INT(io_read_line(&r, &line, &len, NULL, NULL), IO_LINE);
    CHECK_EQ_INT(len, 7);
    CHECK(memcmp(line, "{\"a\":1}", 7) == 0);
    CHECK_EQ_INT(io_reader_has_line(&r), 1); /* the rest came in the same read */
    CHECK_EQ_INT(io_read_line(&r, &line, &len, NULL, NULL), IO_LINE);
    CHECK_EQ_INT(len, 7);
    CHECK(memcmp(line, "{\"b\":2}", 7) == 0);
    CHECK_EQ_INT(io_reader_has_line(&r), 1);
    CHECK_EQ_INT(io_read_line(&r, &line, &len, NULL, NULL), IO_LINE);
    CHECK_EQ_INT(len, 5);
    CHECK(memcmp(line, "third", 5) == 0);
    CHECK_EQ_INT(io_reader_has_line(&r), 0);
    CHECK_EQ_INT(io_read_line(&r, &line, &len, NULL, NULL), IO_EOF);
    io_reader_free(&r);
    close(fd);
}

TEST(io_line_split_across_many_small_writes)
{
    static const char in[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\nsecond line\nthird";
    struct writer w = {0};
    struct io_reader r;
    struct evs v;
    int rfd = writer_start(&w, in, sizeof in - 1, 1, 300); /* one byte per write */

    CHECK(rfd >= 0);
    io_reader_init(&r, rfd, 1024);
    collect(&r, &v);
    io_reader_free(&r);
    writer_stop(&w, rfd);
    int n = v.n;
    int ok0 = v.e[0].st == IO_LINE && v.e[0].line && strcmp(v.e[0].line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}") == 0;
    int ok1 = n > 1 && v.e[1].st == IO_LINE && v.e[1].line && strcmp(v.e[1].line, "second line") == 0;
    int ok2 = n > 2 && v.e[2].st == IO_LINE && v.e[2].line && strcmp(v.e[2].line, "third") == 0;
    int ok3 = n > 3 && v.e[3].st == IO_EOF;
    evs_free(&v);
    CHECK_EQ_INT(n, 4);
    CHECK(ok0);
    CHECK(ok1);
    CHECK(ok2);
    CHECK(ok3);
}

TEST(io_final_line_without_newline)
{
    struct evs v;

    collect_from("first\nlast", 10, 1024, &v);
    int n = v.n;
    int ok = n == 3 && v.e[0].st == IO_LINE && strcmp(v.e[0].line, "first") == 0 && v.e[1].st == IO_LINE &&
             v.e[1].len == 4 && strcmp(v.e[1].line, "last") == 0 && v.e[2].st == IO_EOF;
    evs_free(&v);
    CHECK_EQ_INT(n, 3);
    CHECK(ok);

    collect_from("only\r", 5, 1024, &v); /* a trailing CR before EOF is stripped as well */
    n = v.n;
    ok = n == 2 && v.e[0].st == IO_LINE && v.e[0].len == 4 && strcmp(v.e[0].line, "only") == 0 &&
         v.e[1].st == IO_EOF;
    evs_free(&v);
    CHECK(ok);
}

TEST(io_empty_input_is_eof)
{
    struct io_reader r;
    char *line = NULL;
    size_t len = 99;
    int fd = prefilled("", 0, 1, NULL);

    CHECK(fd >= 0);
    io_reader_init(&r, fd, 1024);
    CHECK_EQ_INT(io_read_line(&r, &line, &len, NULL, NULL), IO_EOF);
    CHECK_EQ_INT(io_read_line(&r, &line, &len, NULL, NULL), IO_EOF); /* and stays at EOF */
    io_reader_free(&r);
    io_reader_free(&r); /* freeing twice is harmless */
    close(fd);
}

TEST(io_empty_lines_are_returned_empty)
{
    struct evs v;

    collect_from("\n\n\r\nx\n", 6, 1024, &v);
    int ok = v.n == 5 && v.e[0].st == IO_LINE && v.e[0].len == 0 && v.e[1].st == IO_LINE && v.e[1].len == 0 &&
             v.e[2].st == IO_LINE && v.e[2].len == 0 && v.e[3].st == IO_LINE && v.e[3].len == 1 &&
             v.e[4].st == IO_EOF;
    evs_free(&v);
    CHECK(ok);
}

TEST(io_max_line_boundary)
{
    char in[64];
    struct evs v;
    size_t n = 0;

    memset(in, 'a', 16); /* exactly max_line: accepted */
    n = 16;
    in[n++] = '\n';
    memset(in + n, 'b', 17); /* max_line + 1: dropped */
    n += 17;
    in[n++] = '\n';
    memcpy(in + n, "next\n", 5);
    n += 5;
    collect_from(in, n, 16, &v);
    int cnt = v.n;
    int ok0 = v.e[0].st == IO_LINE && v.e[0].len == 16 && memcmp(v.e[0].line, "aaaaaaaaaaaaaaaa", 16) == 0;
    int st1 = cnt > 1 ? v.e[1].st : -1;
    int ok2 = cnt > 2 && v.e[2].st == IO_LINE && strcmp(v.e[2].line, "next") == 0;
    int ok3 = cnt > 3 && v.e[3].st == IO_EOF;
    evs_free(&v);
    CHECK_EQ_INT(cnt, 4);
    CHECK(ok0);
    CHECK_EQ_INT(st1, IO_TOO_LONG);
    CHECK(ok2);
    CHECK(ok3);
}

TEST(io_max_line_exact_at_eof_without_newline)
{
    struct evs v;

    collect_from("0123456789abcdef", 16, 16, &v);
    int ok = v.n == 2 && v.e[0].st == IO_LINE && v.e[0].len == 16 && memcmp(v.e[0].line, "0123456789abcdef", 16) == 0 &&
             v.e[1].st == IO_EOF;
    evs_free(&v);
    CHECK(ok);
}

TEST(io_too_long_reported_once_then_next_lines)
{
    char in[400];
    struct evs v;
    size_t n = 0;

    memcpy(in, "before\n", 7);
    n = 7;
    memset(in + n, 'x', 300);
    n += 300;
    memcpy(in + n, "\nafter\n", 7);
    n += 7;
    collect_from(in, n, 100, &v);
    int cnt = v.n;
    int ok = cnt == 4 && v.e[0].st == IO_LINE && strcmp(v.e[0].line, "before") == 0 && v.e[1].st == IO_TOO_LONG &&
             v.e[2].st == IO_LINE && strcmp(v.e[2].line, "after") == 0 && v.e[3].st == IO_EOF;
    evs_free(&v);
    CHECK_EQ_INT(cnt, 4);
    CHECK(ok);
}

/* An oversized line far larger than one read: skipped in several reads without the buffer
 * growing with it, reported once, and the next line is intact. */
TEST(io_too_long_spanning_many_reads)
{
    size_t big = 5 * IO_CHUNK_BYTES + 123, n = 0;
    char *in = malloc(big + 64);
    struct writer w = {0};
    struct io_reader r;
    struct evs v;
    size_t cap = 0;

    CHECK(in != NULL);
    memcpy(in, "before\n", 7);
    n = 7;
    memset(in + n, 'x', big);
    n += big;
    memcpy(in + n, "\r\nafter\n", 8);
    n += 8;
    w.max_chunk = 3 * IO_CHUNK_BYTES;
    int rfd = writer_start(&w, in, n, 0, 0);
    CHECK(rfd >= 0);
    io_reader_init(&r, rfd, 1000);
    collect(&r, &v);
    cap = r.cap;
    io_reader_free(&r);
    writer_stop(&w, rfd);
    free(in);
    int cnt = v.n;
    int ok = cnt == 4 && v.e[0].st == IO_LINE && strcmp(v.e[0].line, "before") == 0 && v.e[1].st == IO_TOO_LONG &&
             v.e[2].st == IO_LINE && strcmp(v.e[2].line, "after") == 0 && v.e[3].st == IO_EOF;
    evs_free(&v);
    CHECK_EQ_INT(cnt, 4);
    CHECK(ok);
    CHECK(cap <= 4 * IO_CHUNK_BYTES); /* bounded by the limit, not by the line */
}

/* The limit is also exact when the accepted line is larger than one read. */
TEST(io_max_line_boundary_across_reads)
{
    size_t max = 3 * IO_CHUNK_BYTES + 7, n = 0;
    char *in = malloc(2 * max + 64);
    struct writer w = {0};
    struct io_reader r;
    struct evs v;
    size_t cap = 0;

    CHECK(in != NULL);
    for (size_t i = 0; i < max; i++)
        in[n++] = (char)('a' + i % 26);
    in[n++] = '\n';
    memset(in + n, 'z', max + 1);
    n += max + 1;
    in[n++] = '\n';
    memcpy(in + n, "tail\n", 5);
    n += 5;
    w.max_chunk = 50000;
    int rfd = writer_start(&w, in, n, 0, 0);
    CHECK(rfd >= 0);
    io_reader_init(&r, rfd, max);
    collect(&r, &v);
    cap = r.cap;
    io_reader_free(&r);
    writer_stop(&w, rfd);
    int cnt = v.n;
    int ok0 = cnt > 0 && v.e[0].st == IO_LINE && v.e[0].len == max && memcmp(v.e[0].line, in, max) == 0;
    int ok = cnt == 4 && v.e[1].st == IO_TOO_LONG && v.e[2].st == IO_LINE && strcmp(v.e[2].line, "tail") == 0 &&
             v.e[3].st == IO_EOF;
    free(in);
    evs_free(&v);
    CHECK_EQ_INT(cnt, 4);
    CHECK(ok0);
    CHECK(ok);
    CHECK(cap <= 2 * (max + IO_CHUNK_BYTES));
}

/* Regression: an oversized line that is the last thing before EOF (no newline) used to vanish
 * (IO_EOF without IO_TOO_LONG), so the client's last request got no answer at all. A final
 * unterminated line that fits is returned as IO_LINE; one that does not fit is reported as
 * IO_TOO_LONG before IO_EOF. */
TEST(io_too_long_last_line_without_newline_reported)
{
    char in[200];
    struct evs v;

    memcpy(in, "ok\n", 3);
    memset(in + 3, 'x', 150);
    collect_from(in, 153, 100, &v);
    int cnt = v.n;
    int st0 = v.e[0].st, st1 = cnt > 1 ? v.e[1].st : -1, st2 = cnt > 2 ? v.e[2].st : -1;
    evs_free(&v);
    CHECK_EQ_INT(st0, IO_LINE);
    CHECK_EQ_INT(st1, IO_TOO_LONG);
    CHECK_EQ_INT(st2, IO_EOF);
    CHECK_EQ_INT(cnt, 3);
}

/* Same, with the unterminated oversized line spanning several reads. */
TEST(io_too_long_last_line_spanning_reads_reported)
{
    size_t big = 3 * IO_CHUNK_BYTES + 5;
    char *in = malloc(big);
    struct writer w = {0};
    struct io_reader r;
    struct evs v;

    CHECK(in != NULL);
    memset(in, 'y', big);
    w.max_chunk = IO_CHUNK_BYTES;
    int rfd = writer_start(&w, in, big, 0, 0);
    CHECK(rfd >= 0);
    io_reader_init(&r, rfd, 1000);
    collect(&r, &v);
    io_reader_free(&r);
    writer_stop(&w, rfd);
    free(in);
    int cnt = v.n, st0 = v.e[0].st, st1 = cnt > 1 ? v.e[1].st : -1;
    evs_free(&v);
    CHECK_EQ_INT(st0, IO_TOO_LONG);
    CHECK_EQ_INT(st1, IO_EOF);
    CHECK_EQ_INT(cnt, 2);
}

TEST(io_nul_byte_inside_line)
{
    static const char in[] = "a\0b\n\0\n";
    struct evs v;

    collect_from(in, sizeof in - 1, 1024, &v);
    int ok = v.n == 3 && v.e[0].st == IO_LINE && v.e[0].len == 3 && memcmp(v.e[0].line, "a\0b", 3) == 0 &&
             v.e[1].st == IO_LINE && v.e[1].len == 1 && v.e[1].line[0] == '\0' && v.e[2].st == IO_EOF;
    evs_free(&v);
    CHECK(ok);
}

TEST(io_read_error_is_reported)
{
    struct io_reader r;
    char *line;
    size_t len;
    int fd = open(".", O_RDONLY | O_DIRECTORY); /* readable per poll, read() fails: EISDIR */

    CHECK(fd >= 0);
    io_reader_init(&r, fd, 1024);
    errno = 0;
    enum io_status st = io_read_line(&r, &line, &len, NULL, NULL);
    int e = errno;
    io_reader_free(&r);
    close(fd);
    CHECK_EQ_INT(st, IO_ERROR);
    CHECK_EQ_INT(e, EISDIR);
}

/* Random lines (any bytes but newline/CR, some oversized, CRLF or LF) in random chunks. */
TEST(io_random_framing)
{
    enum { N_LINES = 400, MAX_LINE = 200 };
    static size_t lens[N_LINES];
    static unsigned char crlf[N_LINES];
    size_t total = 0, n = 0;
    char *in, why[200] = "";
    struct writer w = {0};
    struct io_reader r;

    for (int i = 0; i < N_LINES; i++) {
        uint64_t k = test_rand() % 100;
        lens[i] = k < 80 ? (size_t)(test_rand() % (MAX_LINE - 1)) /* fits even with a CR */
                  : k < 97 ? MAX_LINE + 1 + (size_t)(test_rand() % 3000)
                           : 2 * IO_CHUNK_BYTES + (size_t)(test_rand() % IO_CHUNK_BYTES);
        crlf[i] = (unsigned char)(test_rand() & 1);
        total += lens[i] + 2;
    }
    lens[N_LINES - 1] = 10; /* the last line fits and has no newline */
    in = malloc(total);
    CHECK(in != NULL);
    for (int i = 0; i < N_LINES; i++) {
        for (size_t j = 0; j < lens[i]; j++) {
            char c;
            do
                c = (char)(test_rand() & 0xff);
            while (c == '\n' || c == '\r');
            in[n++] = c;
        }
        if (i == N_LINES - 1)
            break;
        if (crlf[i])
            in[n++] = '\r';
        in[n++] = '\n';
    }
    w.max_chunk = 9000;
    int rfd = writer_start(&w, in, n, 0, 0);
    CHECK(rfd >= 0);
    io_reader_init(&r, rfd, MAX_LINE);
    size_t off = 0;
    for (int i = 0; i <= N_LINES && why[0] == '\0'; i++) {
        char *line;
        size_t len;
        enum io_status st = io_read_line(&r, &line, &len, NULL, NULL);

        if (i == N_LINES) {
            if (st != IO_EOF)
                snprintf(why, sizeof why, "after the last line: status %d, expected IO_EOF", st);
            break;
        }
        if (lens[i] > MAX_LINE) {
            if (st != IO_TOO_LONG)
                snprintf(why, sizeof why, "line %d (%zu bytes): status %d, expected IO_TOO_LONG", i, lens[i], st);
        } else if (st != IO_LINE || len != lens[i] || memcmp(line, in + off, len) != 0) {
            snprintf(why, sizeof why, "line %d (%zu bytes): status %d len %zu", i, lens[i], st,
                     st == IO_LINE ? len : 0);
        }
        off += lens[i] + 1 + crlf[i];
    }
    io_reader_free(&r);
    writer_stop(&w, rfd);
    free(in);
    CHECK_STR(why, "");
}

/* ---- the stop flag ---- */

TEST(io_stop_flag_set_before_call)
{
    volatile sig_atomic_t stop = 1;
    struct io_reader r;
    sigset_t cur;
    char *line;
    size_t len;
    int sv[2];

    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0); /* sv[1] stays open: no EOF, no data */
    io_reader_init(&r, sv[0], 1024);
    CHECK_EQ_INT(io_read_line(&r, &line, &len, &stop, NULL), IO_SIGNAL);
    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    CHECK_EQ_INT(io_read_line(&r, &line, &len, &stop, &cur), IO_SIGNAL);
    stop = 0; /* cleared: reading works again */
    CHECK(write(sv[1], "go\n", 3) == 3);
    CHECK_EQ_INT(io_read_line(&r, &line, &len, &stop, &cur), IO_LINE);
    CHECK_EQ_INT(len, 2);
    io_reader_free(&r);
    close(sv[0]);
    close(sv[1]);
}

static volatile sig_atomic_t g_io_stop;
static volatile int g_io_done;

static void io_on_usr2(int sig)
{
    (void)sig;
    g_io_stop = 1;
}

struct killer {
    pthread_t target;
    int fd;
};

/* Signals the blocked reader; if the reader has not returned within ~3 s, unblocks it with a
 * line so a broken implementation fails the test instead of hanging it. */
static void *killer_main(void *arg)
{
    struct killer *k = arg;

    usleep(20000);
    pthread_kill(k->target, SIGUSR2);
    for (int i = 0; i < 300 && !g_io_done; i++)
        usleep(10000);
    if (!g_io_done && write(k->fd, "late\n", 5) != 5) {
        /* nothing more to do */
    }
    return NULL;
}

/* The main.c pattern: the signal is blocked except inside ppoll; a signal arriving while the
 * reader waits makes it return IO_SIGNAL. */
TEST(io_signal_while_waiting_returns_signal)
{
    struct sigaction sa, old_sa;
    sigset_t block, old_mask;
    struct io_reader r;
    struct killer k;
    pthread_t th;
    char *line;
    size_t len;
    int sv[2];

    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = io_on_usr2;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, &old_sa);
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &block, &old_mask);
    g_io_stop = 0;
    g_io_done = 0;
    k.target = pthread_self();
    k.fd = sv[1];
    io_reader_init(&r, sv[0], 1024);
    int started = pthread_create(&th, NULL, killer_main, &k) == 0;
    enum io_status st = started ? io_read_line(&r, &line, &len, &g_io_stop, &old_mask) : IO_ERROR;
    g_io_done = 1;
    if (started)
        pthread_join(th, NULL);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGUSR2, &old_sa, NULL);
    io_reader_free(&r);
    close(sv[0]);
    close(sv[1]);
    CHECK(started);
    CHECK_EQ_INT(st, IO_SIGNAL);
    CHECK_EQ_INT(g_io_stop, 1);
}

/* ---- writing ---- */

struct drain {
    pthread_t th;
    int fd;
    char *buf;
    size_t cap, len, over;
    size_t step;
    int delay_us;
};

static void *drain_main(void *arg)
{
    struct drain *d = arg;

    for (;;) {
        char tmp[4096];
        size_t room = d->cap - d->len;
        char *dst = room > 0 ? d->buf + d->len : tmp;
        size_t want = room > 0 ? (room < d->step ? room : d->step) : sizeof tmp;
        ssize_t k = read(d->fd, dst, want);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        if (room > 0)
            d->len += (size_t)k;
        else
            d->over += (size_t)k; /* more bytes than were written */
        if (d->delay_us > 0)
            usleep((useconds_t)d->delay_us);
    }
    return NULL;
}

TEST(io_write_all_through_small_pipe)
{
    size_t n = 300000;
    char *data = malloc(n);
    struct drain d = {0};
    int p[2];

    CHECK(data != NULL);
    test_rand_bytes(data, n);
    CHECK(pipe(p) == 0);
    (void)fcntl(p[1], F_SETPIPE_SZ, 4096); /* best effort: the smallest pipe */
    d.fd = p[0];
    d.cap = n;
    d.buf = malloc(n);
    d.step = 777;
    CHECK(d.buf != NULL);
    CHECK(pthread_create(&d.th, NULL, drain_main, &d) == 0);
    int rc = io_write_all(p[1], data, n);
    close(p[1]);
    pthread_join(d.th, NULL);
    close(p[0]);
    int same = d.len == n && d.over == 0 && memcmp(d.buf, data, n) == 0;
    size_t got = d.len + d.over;
    free(d.buf);
    free(data);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(got, n);
    CHECK(same);
}

static volatile sig_atomic_t g_io_usr1;
static volatile int g_io_writing;

static void io_on_usr1(int sig)
{
    (void)sig;
    g_io_usr1++;
}

struct pester {
    pthread_t target;
};

static void *pester_main(void *arg)
{
    struct pester *p = arg;

    while (g_io_writing) {
        pthread_kill(p->target, SIGUSR1);
        usleep(300);
    }
    return NULL;
}

/* Signals without SA_RESTART interrupt the blocked write(2): the kernel then returns a short
 * count (some bytes moved) or EINTR (none). io_write_all must resume from the right byte. */
TEST(io_write_all_resumes_after_short_writes_and_eintr)
{
    size_t n = 200000;
    char *data = malloc(n);
    struct sigaction sa, old_sa;
    struct drain d = {0};
    struct pester ps;
    pthread_t pth;
    int p[2];

    CHECK(data != NULL);
    test_rand_bytes(data, n);
    CHECK(pipe(p) == 0);
    (void)fcntl(p[1], F_SETPIPE_SZ, 4096);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = io_on_usr1; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, &old_sa);
    g_io_usr1 = 0;
    g_io_writing = 1;
    d.fd = p[0];
    d.cap = n;
    d.buf = malloc(n);
    d.step = 512;
    d.delay_us = 20;
    ps.target = pthread_self();
    CHECK(d.buf != NULL);
    CHECK(pthread_create(&d.th, NULL, drain_main, &d) == 0);
    CHECK(pthread_create(&pth, NULL, pester_main, &ps) == 0);
    errno = 0;
    int rc = io_write_all(p[1], data, n);
    int e = errno;
    g_io_writing = 0;
    pthread_join(pth, NULL);
    close(p[1]);
    pthread_join(d.th, NULL);
    close(p[0]);
    sigaction(SIGUSR1, &old_sa, NULL);
    int same = d.len == n && d.over == 0 && memcmp(d.buf, data, n) == 0;
    size_t got = d.len + d.over;
    free(d.buf);
    free(data);
    if (rc != 0)
        test_fail(__FILE__, __LINE__, "io_write_all failed: %s", strerror(e));
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(got, n);
    CHECK(same);
}

TEST(io_write_all_epipe_when_reader_closed)
{
    struct sigaction ign, old;
    int p[2], rc, e;

    CHECK(pipe(p) == 0);
    close(p[0]);
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    errno = 0;
    rc = io_write_all(p[1], "{}\n", 3);
    e = errno;
    sigaction(SIGPIPE, &old, NULL);
    close(p[1]);
    CHECK_EQ_INT(rc, -1);
    CHECK_EQ_INT(e, EPIPE);
}

TEST(io_write_all_zero_length_and_bad_fd)
{
    int p[2];

    CHECK(pipe(p) == 0);
    CHECK_EQ_INT(io_write_all(p[1], "", 0), 0);
    close(p[0]);
    close(p[1]);
    errno = 0;
    CHECK_EQ_INT(io_write_all(p[1], "x", 1), -1); /* closed descriptor */
    CHECK_EQ_INT(errno, EBADF);
}
