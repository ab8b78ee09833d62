/* utf8.c: UTF-8 validation and repair (see utf8.h). */
#include "utf8.h"

#include <string.h>

/* Length of the valid sequence at p (1..4), 0 if invalid, -1 if cut short by the end. */
static int seq_len(const unsigned char *p, size_t avail)
{
    unsigned c = p[0];
    int n;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((size_t)i >= avail)
            return -1;
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t len = strlen(s);

    for (size_t i = 0; i < len;) {
        int n = seq_len(p + i, len - i);
        if (n > 0) {
            i += (size_t)n;
        } else if (n < 0) {
            p[i] = '\0'; /* an incomplete character at the end: cut it */
            return;
        } else {
            p[i++] = '?';
        }
    }
}

int utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;

    for (size_t i = 0; i < len;) {
        int n = seq_len(p + i, len - i);
        if (n <= 0)
            return 0;
        i += (size_t)n;
    }
    return 1;
}
