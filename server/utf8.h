/* utf8.h: keep text we emit valid UTF-8. Messages are built with printf truncation ("%.100s")
 * and may quote what a client sent; a cut inside a multi-byte character (or invalid input
 * quoted back) would make jansson refuse the string, and the request would go unanswered. */
#ifndef SKM_UTF8_H
#define SKM_UTF8_H

#include <stddef.h>

/* In place: drop an incomplete sequence at the end, replace every other invalid byte
 * (overlong forms, surrogates, > U+10FFFF, stray continuation bytes) with '?'. */
void utf8_sanitize(char *s);

/* Returns: 1 if s is valid UTF-8 (no NUL inside the first len bytes is required). */
int utf8_valid(const char *s, size_t len);

#endif
