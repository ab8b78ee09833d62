/* io_lines.h: newline-delimited framing on file descriptors.
 * Reader: returns one line at a time without its "\n" (and without a trailing "\r"),
 * never grows past a configured maximum: an oversized line is skipped up to its newline and
 * reported once as IO_TOO_LONG, so the server can answer it and keep serving.
 * Writer: writes a whole buffer, handling EINTR and short writes. */
#ifndef SKM_IO_LINES_H
#define SKM_IO_LINES_H

#include <signal.h>
#include <stddef.h>

enum io_status {
    IO_LINE = 0,     /* *line / *len set; valid until the next call */
    IO_EOF = 1,      /* end of input (a final unterminated line is returned first as IO_LINE) */
    IO_TOO_LONG = 2, /* a line over max_line bytes was dropped */
    IO_SIGNAL = 3,   /* a termination signal arrived while waiting */
    IO_ERROR = 4     /* read error (errno set) */
};

struct io_reader {
    int fd;
    char *buf;
    size_t cap;       /* allocated bytes */
    size_t start;     /* first unconsumed byte */
    size_t len;       /* bytes held from start */
    size_t max_line;  /* longest accepted line, excluding the newline */
    int eof;
    int discarding;   /* inside an oversized line: drop bytes until the next newline */
};

/* Prepare r for reading fd. Allocates nothing until the first read. */
void io_reader_init(struct io_reader *r, int fd, size_t max_line);
void io_reader_free(struct io_reader *r);

/* Read the next line. Waits with ppoll() under `waitmask` (the signal mask in effect while
 * blocked; termination signals stay blocked otherwise) and returns IO_SIGNAL when *stop
 * became non-zero. stop and waitmask may be NULL (plain blocking read).
 * Returns: an enum io_status. */
enum io_status io_read_line(struct io_reader *r, char **line, size_t *len, volatile sig_atomic_t *stop,
                            const sigset_t *waitmask);

/* Returns: 1 if a complete line is already buffered (no read needed). */
int io_reader_has_line(const struct io_reader *r);

/* Other descriptors served while waiting for input (the approval page's sockets). Before each
 * wait, prepare() puts up to max entries into fds and may lower *timeout_ms (-1: no limit);
 * after it, dispatch() gets the same entries back with revents set (also after a timeout).
 * Both run on the waiting thread, between messages. x may be NULL (none); borrowed. */
struct pollfd;
struct io_extra {
    int (*prepare)(struct pollfd *fds, int max, int *timeout_ms);
    void (*dispatch)(struct pollfd *fds, int n);
};
void io_set_extra(const struct io_extra *x);

/* Write all of buf. Returns: 0, or -1 with errno set (EPIPE when the reader is gone). */
int io_write_all(int fd, const void *buf, size_t len);

#endif
